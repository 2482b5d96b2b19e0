import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../node/core/errors.js';
import {
  checkpointAfter,
  memoryCheckpointer,
  verifyProofBundle,
  type Ledger,
  type LedgerEvent,
  type SubmitResult,
} from '../../node/ledger/index.js';

/**
 * The Ledger port's contract, run against every adapter (embedded here; the Fabric gateway adapter
 * against a live network). The factory returns a Ledger bound to an operator (`shulian.role=operator`)
 * of the org that owns the resources it registers. Ids are random so the suite can run against a
 * ledger that already holds data.
 */
export interface LedgerContractSuiteOptions {
  /** When given, proof bundles must verify offline against these CA certificates. */
  readonly caCertsPem?: readonly string[];
  /** Per-test timeout (default 30 s; a real network needs more). */
  readonly timeoutMs?: number;
}

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

function versionInput(resourceId: string, n = 1) {
  return {
    resourceId,
    cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    cidProfile: 'kubo-v1',
    sha256: hex(`${resourceId} content ${n}`),
    sm3: hex(`${resourceId} sm3 ${n}`),
    size: 1024 * n,
    mediaType: 'application/pdf',
    metadataHash: hex(`${resourceId} metadata ${n}`),
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function eventsUntil(ledger: Ledger, startBlock: number, txIds: readonly string[]): Promise<LedgerEvent[]> {
  const wanted = new Set(txIds);
  const out: LedgerEvent[] = [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 20_000);
  try {
    for await (const e of ledger.events({ startBlock, signal: abort.signal })) {
      if (wanted.has(e.txId)) out.push(e);
      if (out.length === wanted.size) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

export function ledgerContractSuite(
  name: string,
  factory: () => Promise<Ledger>,
  options: Readonly<LedgerContractSuiteOptions> = {},
): void {
  describe(`Ledger port contract: ${name}`, function () {
    this.timeout(options.timeoutMs ?? 30_000);
    let ledger: Ledger;
    const run = randomBytes(4).toString('hex');
    let first: SubmitResult;

    before(async () => {
      ledger = await factory();
      first = await ledger.submit({ fn: 'RegisterVersion', args: [JSON.stringify(versionInput(`suite-${run}-a`))] });
    });
    after(async () => {
      await ledger?.close();
    });

    it('submit returns the txId, the block and the chaincode result', async () => {
      expect(first.txId).to.match(/^[0-9a-f]{64}$/);
      expect(first.blockNumber).to.be.a('number').and.at.least(0);
      const version = JSON.parse(text(first.result)) as {
        resourceId: string;
        version: number;
        txId: string;
        owner: string;
      };
      expect(version).to.include({
        resourceId: `suite-${run}-a`,
        version: 1,
        txId: first.txId,
        owner: ledger.identity.mspId,
      });
      expect(await ledger.height()).to.be.greaterThan(first.blockNumber);
    });

    it('evaluate reads committed state', async () => {
      const resource = JSON.parse(text(await ledger.evaluate({ fn: 'GetResource', args: [`suite-${run}-a`] }))) as {
        id: string;
        headVersion: number;
      };
      expect(resource).to.include({ id: `suite-${run}-a`, headVersion: 1 });
      const version = JSON.parse(text(await ledger.evaluate({ fn: 'GetVersion', args: [`suite-${run}-a`, '1'] }))) as {
        txId: string;
      };
      expect(version.txId).to.equal(first.txId);
    });

    it('maps chaincode errors: validation (with the field) and not found', async () => {
      const bad = await rejection(
        ledger.submit({
          fn: 'RegisterVersion',
          args: [JSON.stringify({ ...versionInput(`suite-${run}-bad`), sha256: 'nope' })],
        }),
      );
      expect(bad).to.be.instanceOf(ValidationError);
      expect((bad as ValidationError).ids.pointer).to.equal('/sha256');
      const missing = await rejection(ledger.evaluate({ fn: 'GetResource', args: [`suite-${run}-missing`] }));
      expect(missing).to.be.instanceOf(NotFoundError);
    });

    it('delivers events from a block, in order, with payload and commit time', async () => {
      const second = await ledger.submit({
        fn: 'RegisterVersion',
        args: [JSON.stringify(versionInput(`suite-${run}-a`, 2))],
      });
      const events = await eventsUntil(ledger, first.blockNumber, [first.txId, second.txId]);
      expect(events.map((e) => e.txId)).to.deep.equal([first.txId, second.txId]);
      for (const e of events) {
        expect(e.eventName).to.equal('ResourceRegistered');
        expect(Number.isNaN(Date.parse(e.timestamp))).to.equal(false);
        expect(e.txIndex).to.be.at.least(0);
      }
      const payload = JSON.parse(text((events[1] as LedgerEvent).payload)) as { resourceId: string; version: number }[];
      expect(payload.map((v) => [v.resourceId, v.version])).to.deep.equal([[`suite-${run}-a`, 2]]);
      expect((events[1] as LedgerEvent).blockNumber).to.equal(second.blockNumber);
    });

    it('resumes after a checkpoint without repeating or skipping an event', async () => {
      const a = await ledger.submit({ fn: 'RegisterVersion', args: [JSON.stringify(versionInput(`suite-${run}-c1`))] });
      const b = await ledger.submit({ fn: 'RegisterVersion', args: [JSON.stringify(versionInput(`suite-${run}-c2`))] });
      const [ea] = await eventsUntil(ledger, a.blockNumber, [a.txId]);
      const checkpointer = memoryCheckpointer();
      await checkpointer.save(checkpointAfter(ea as LedgerEvent));
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 20_000);
      const seen: string[] = [];
      try {
        for await (const e of ledger.events({ checkpointer, startBlock: 0, signal: abort.signal })) {
          seen.push(e.txId);
          if (e.txId === b.txId) break;
        }
      } finally {
        clearTimeout(timer);
      }
      expect(seen).to.not.include(a.txId);
      expect(seen).to.include(b.txId);
    });

    it('produces a proof bundle for a transaction', async () => {
      const bundle = await ledger.proof(first.txId);
      expect(bundle.txId).to.equal(first.txId);
      expect(bundle.blockNumber).to.equal(first.blockNumber);
      expect(['shulian-embedded-v1', 'fabric-block-v1']).to.include(bundle.format);
      if (options.caCertsPem) {
        const result = verifyProofBundle(JSON.parse(JSON.stringify(bundle)) as typeof bundle, options.caCertsPem);
        expect(result.ok, result.reasons.join('; ')).to.equal(true);
      }
      expect(await rejection(ledger.proof('0'.repeat(64)))).to.be.instanceOf(NotFoundError);
    });
  });
}
