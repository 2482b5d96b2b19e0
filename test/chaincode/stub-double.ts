/**
 * TEST DOUBLE, used only until the embedded ledger (node/ledger/embedded) can run the chaincode: an
 * in-memory world state driven through fabric-shim's own contract dispatch. It keeps the Fabric
 * semantics the contract depends on: a transaction reads committed state only (not its own writes),
 * its writes, private data and event apply only when it succeeds and is submitted, history is
 * newest first, and paginated range queries return a bookmark to the next key ('' when exhausted).
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export interface DoubleEvent {
  readonly txId: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

interface Modification {
  readonly txId: string;
  readonly seconds: number;
  readonly nanos: number;
  readonly isDelete: boolean;
  readonly value: Uint8Array;
}

interface ShimResponse {
  readonly status: number;
  readonly message?: string;
  readonly payload?: Uint8Array;
}

export interface DoubleProposal {
  readonly fn: string;
  readonly args: readonly string[];
  readonly transient?: Readonly<Record<string, Uint8Array>>;
}

export class MemoryLedger {
  readonly state = new Map<string, Uint8Array>();
  readonly privateData = new Map<string, Map<string, Uint8Array>>();
  readonly events: DoubleEvent[] = [];
  private readonly history = new Map<string, Modification[]>();
  private readonly chaincode: { Invoke(stub: unknown): Promise<ShimResponse> };
  private readonly compositeKeys: { createCompositeKey: Function; splitCompositeKey: Function };
  private readonly Long: { fromNumber(n: number, unsigned?: boolean): unknown };
  private txCount = 0;
  // a deterministic, strictly increasing transaction clock (1 s per transaction)
  private seconds = Date.UTC(2026, 0, 1) / 1000;

  constructor(chaincodeDir: string) {
    const req = createRequire(join(chaincodeDir, 'package.json'));
    // fabric's winston loggers print every decorator on load and every failed transaction: keep tests quiet
    for (const id of ['fabric-shim/lib/logger.js', 'fabric-contract-api/lib/logger.js']) {
      const logger = req(id) as { getLogger(name: string): { transports: { silent?: boolean }[] } };
      for (const transport of logger.getLogger('shulian-test').transports) transport.silent = !process.env.SHULIAN_CHAINCODE_LOG;
    }
    const { contracts } = req(chaincodeDir) as { contracts: unknown[] };
    const ChaincodeFromContract = req('fabric-shim/lib/contract-spi/chaincodefromcontract.js');
    const JSONSerializer = req('fabric-contract-api/lib/jsontransactionserializer.js');
    this.chaincode = new ChaincodeFromContract(
      [...contracts],
      { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
      {},
      'shulian',
      '0.1.0',
    );
    this.compositeKeys = req('fabric-shim/lib/stub.js').prototype;
    this.Long = req('long');
  }

  async invoke(creator: { mspid: string; idBytes: Uint8Array }, proposal: DoubleProposal, commit: boolean): Promise<{ txId: string; payload: Uint8Array }> {
    const txId = createHash('sha256').update(`tx-${++this.txCount}`).digest('hex');
    const seconds = ++this.seconds;
    const tx = new TxStub(this, txId, seconds, creator, proposal);
    const response = await this.chaincode.Invoke(tx);
    if (response.status !== 200) throw new Error(`chaincode response ${response.status}, ${response.message ?? ''}`);
    if (commit) {
      for (const [key, value] of tx.writes) {
        const isDelete = value === null;
        if (isDelete) this.state.delete(key);
        else this.state.set(key, value);
        const list = this.history.get(key) ?? [];
        list.unshift({ txId, seconds, nanos: 0, isDelete, value: value ?? new Uint8Array() });
        this.history.set(key, list);
      }
      for (const [collection, writes] of tx.privateWrites) {
        const store = this.privateData.get(collection) ?? new Map<string, Uint8Array>();
        for (const [key, value] of writes) store.set(key, value);
        this.privateData.set(collection, store);
      }
      if (tx.event) this.events.push({ txId, eventName: tx.event.name, payload: tx.event.payload });
    }
    return { txId, payload: response.payload ?? new Uint8Array() };
  }

  historyOf(key: string): readonly Modification[] {
    return this.history.get(key) ?? [];
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return this.compositeKeys.createCompositeKey.call({}, objectType, attributes) as string;
  }

  splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
    return this.compositeKeys.splitCompositeKey.call({}, key) as { objectType: string; attributes: string[] };
  }

  long(n: number): unknown {
    return this.Long.fromNumber(n, true);
  }
}

function iterator<T>(items: readonly T[]) {
  let i = 0;
  return {
    async next(): Promise<{ value?: T; done: boolean }> {
      return i < items.length ? { value: items[i++] as T, done: false } : { done: true };
    },
    async close(): Promise<void> {},
  };
}

class TxStub {
  readonly writes = new Map<string, Uint8Array | null>();
  readonly privateWrites = new Map<string, Map<string, Uint8Array>>();
  event: { name: string; payload: Uint8Array } | undefined;

  constructor(
    private readonly ledger: MemoryLedger,
    private readonly txId: string,
    private readonly seconds: number,
    private readonly creator: { mspid: string; idBytes: Uint8Array },
    private readonly proposal: DoubleProposal,
  ) {}

  getBufferArgs(): Buffer[] {
    return [this.proposal.fn, ...this.proposal.args].map((a) => Buffer.from(a, 'utf8'));
  }
  getArgs(): string[] {
    return [this.proposal.fn, ...this.proposal.args];
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    return { fcn: this.proposal.fn, params: [...this.proposal.args] };
  }
  getTxID(): string {
    return this.txId;
  }
  getChannelID(): string {
    return 'shulian';
  }
  getCreator(): { mspid: string; idBytes: Uint8Array } {
    return this.creator;
  }
  getTransient(): Map<string, Uint8Array> {
    return new Map(Object.entries(this.proposal.transient ?? {}));
  }
  getTxTimestamp(): { seconds: unknown; nanos: number } {
    return { seconds: this.ledger.long(this.seconds), nanos: 0 };
  }
  getDateTimestamp(): Date {
    return new Date(this.seconds * 1000);
  }
  async getState(key: string): Promise<Uint8Array> {
    return this.ledger.state.get(key) ?? new Uint8Array();
  }
  async putState(key: string, value: Uint8Array): Promise<void> {
    if (typeof key !== 'string' || key === '') throw new Error('key must not be empty');
    this.writes.set(key, value.length === 0 ? null : Buffer.from(value));
  }
  async deleteState(key: string): Promise<void> {
    this.writes.set(key, null);
  }
  setEvent(name: string, payload: Uint8Array): void {
    if (typeof name !== 'string' || name === '') throw new Error('Event name must be a non-empty string');
    this.event = { name, payload: Buffer.from(payload) };
  }
  createCompositeKey(objectType: string, attributes: string[]): string {
    return this.ledger.createCompositeKey(objectType, attributes);
  }
  splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
    return this.ledger.splitCompositeKey(key);
  }
  private range(objectType: string, attributes: string[], from?: string): { key: string; value: Uint8Array; namespace: string }[] {
    const start = this.createCompositeKey(objectType, attributes);
    const end = `${start}\u{10ffff}`;
    const begin = from && from > start ? from : start;
    return [...this.ledger.state.keys()]
      .filter((k) => k >= begin && k < end)
      .sort()
      .map((key) => ({ key, value: this.ledger.state.get(key) as Uint8Array, namespace: 'shulian' }));
  }
  async getStateByPartialCompositeKey(objectType: string, attributes: string[]) {
    return iterator(this.range(objectType, attributes));
  }
  async getStateByPartialCompositeKeyWithPagination(objectType: string, attributes: string[], pageSize: number, bookmark?: string) {
    const all = this.range(objectType, attributes, bookmark);
    const page = all.slice(0, pageSize);
    const next = all[pageSize];
    return { iterator: iterator(page), metadata: { fetchedRecordsCount: page.length, bookmark: next ? next.key : '' } };
  }
  async getHistoryForKey(key: string) {
    return iterator(
      this.ledger.historyOf(key).map((m) => ({
        txId: m.txId,
        isDelete: m.isDelete,
        value: m.value,
        timestamp: { seconds: m.seconds, nanos: m.nanos },
      })),
    );
  }
  async putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    const writes = this.privateWrites.get(collection) ?? new Map<string, Uint8Array>();
    writes.set(key, Buffer.from(value));
    this.privateWrites.set(collection, writes);
  }
  async getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    return this.ledger.privateData.get(collection)?.get(key) ?? new Uint8Array();
  }
}
