import { createHash } from 'node:crypto';
import { canonicalize } from '../../node/core/index.js';
import type { LedgerEvent } from '../../node/ledger/types.js';
import type { Batch, Receipt, ResourceVersion, Rights, Withdrawal } from '../../node/index/records.js';

/**
 * Builds event streams shaped exactly as the chaincode emits them (one event per transaction, payload a
 * JSON array of records), for unit tests of the projector. Blocks hold `perBlock` transactions.
 */
export class ChainFixture {
  readonly events: LedgerEvent[] = [];
  #tx = 0;
  readonly #perBlock: number;
  readonly #start = Date.parse('2026-03-01T08:00:00Z');

  constructor(perBlock = 3) {
    this.#perBlock = perBlock;
  }

  #next(eventName: string, records: unknown[]): { txId: string; timestamp: string } {
    const n = this.#tx++;
    const txId = createHash('sha256').update(`tx${n}`).digest('hex');
    const timestamp = new Date(this.#start + n * 60_000).toISOString();
    this.events.push({
      blockNumber: Math.floor(n / this.#perBlock) + 1,
      txIndex: n % this.#perBlock,
      txId,
      eventName,
      payload: new TextEncoder().encode(JSON.stringify(records)),
      timestamp,
    });
    return { txId, timestamp };
  }

  /** The txId and timestamp the next transaction will get. */
  peek(): { txId: string; timestamp: string } {
    const n = this.#tx;
    return {
      txId: createHash('sha256').update(`tx${n}`).digest('hex'),
      timestamp: new Date(this.#start + n * 60_000).toISOString(),
    };
  }

  register(items: readonly { id: string; version?: number; metadata?: unknown; owner?: string }[]): ResourceVersion[] {
    const { txId, timestamp } = this.peek();
    const records = items.map((it): ResourceVersion => {
      const bytes = `${it.id}@${it.version ?? 1}`;
      return {
        schemaVersion: 1,
        docType: 'version',
        resourceId: it.id,
        version: it.version ?? 1,
        cid: `bafkrei${createHash('sha256').update(bytes).digest('hex').slice(0, 52)}`,
        cidProfile: 'kubo-v1',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sm3: createHash('sm3').update(bytes).digest('hex'),
        size: bytes.length,
        mediaType: 'text/plain',
        metadataHash: metadataHash(it.metadata ?? { title: it.id }),
        metadataCid: null,
        previous: null,
        derivedFrom: [],
        owner: it.owner ?? 'JilinLibraryMSP',
        submitter: { mspId: it.owner ?? 'JilinLibraryMSP', id: 'x509::CN=operator' },
        txId,
        timestamp,
      };
    });
    this.#next('ResourceRegistered', records);
    return records;
  }

  withdraw(resourceId: string, headVersion: number, reasonCode = 'copyright-claim'): Withdrawal {
    const { txId, timestamp } = this.peek();
    const record: Withdrawal = {
      schemaVersion: 1,
      docType: 'withdrawal',
      resourceId,
      reasonCode,
      note: '',
      headVersion,
      by: { mspId: 'JilinLibraryMSP', id: 'x509::CN=operator' },
      txId,
      timestamp,
    };
    this.#next('ResourceWithdrawn', [record]);
    return record;
  }

  anchor(batchId: string, root: string, count: number, parent?: { resourceId: string; version: number }): Batch {
    const { txId, timestamp } = this.peek();
    const record: Batch = {
      schemaVersion: 1,
      docType: 'batch',
      batchId,
      root,
      count,
      kind: 'indexing-records',
      parent: parent ?? null,
      owner: 'JilinLibraryMSP',
      txId,
      timestamp,
    };
    this.#next('BatchAnchored', [record]);
    return record;
  }

  grant(g: Partial<Rights> & { rightsId: string; target: Rights['target']; assignee: string }): Rights {
    const { txId, timestamp } = this.peek();
    const record: Rights = {
      schemaVersion: 1,
      docType: 'rights',
      rightsholder: '吉林省图书馆',
      assigner: 'JilinLibraryMSP',
      actions: ['reproduce', 'distribute'],
      constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z' },
      basis: 'licence',
      licenceDigest: null,
      termsDigest: null,
      status: 'granted',
      reason: null,
      grantedTxId: txId,
      granted: timestamp,
      revokedTxId: null,
      revoked: null,
      ...g,
    };
    this.#next('RightsGranted', [record]);
    return record;
  }

  revoke(rights: Rights, reason = 'licence ended'): Rights {
    const { txId, timestamp } = this.peek();
    const record: Rights = { ...rights, status: 'revoked', reason, revokedTxId: txId, revoked: timestamp };
    this.#next('RightsRevoked', [record]);
    return record;
  }

  receipt(v: ResourceVersion, warehouse = 'NLCMSP'): Receipt {
    const { txId, timestamp } = this.peek();
    const record: Receipt = {
      schemaVersion: 1,
      docType: 'receipt',
      resourceId: v.resourceId,
      version: v.version,
      cid: v.cid,
      sha256: v.sha256,
      sm3: v.sm3,
      warehouse,
      by: { mspId: warehouse, id: 'x509::CN=warehouse' },
      txId,
      timestamp,
    };
    this.#next('ReceiptRecorded', [record]);
    return record;
  }
}

export function metadataHash(metadata: unknown): string {
  return createHash('sha256').update(canonicalize(metadata)).digest('hex');
}
