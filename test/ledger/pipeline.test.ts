import { expect } from 'chai';
import { ConflictError } from '../../node/core/errors.js';
import { openEmbeddedRuntime, type EmbeddedRuntime, type Ledger } from '../../node/ledger/index.js';
import { KV_CONTRACT_DIR, tempDir, testConsortium, text, type TestConsortium } from './helpers.js';

async function inFlight(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++) await task(i);
    }),
  );
}

/**
 * Many submits in flight: blocks are cut while other proposals are still being endorsed (and written while
 * the next ones are), however the cut falls. Whatever goes into which block, every acknowledged
 * transaction is committed exactly once, conflicts are caught across blocks, and a submit's effect is
 * visible to whatever its caller does next.
 */
describe('embedded ledger with many submits in flight', () => {
  let c: TestConsortium;
  let dir: string;
  let cleanup: () => Promise<void>;
  let runtime: EmbeddedRuntime;
  let ledger: Ledger;

  before(async () => {
    c = await testConsortium();
    ({ dir, cleanup } = await tempDir());
    runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    ledger = runtime.connect(c.operator);
  });
  after(async () => {
    await runtime.close();
    await cleanup();
  });

  it('commits every acknowledged write once, and its caller reads it right after', async () => {
    const blocks = new Map<number, number>();
    await inFlight(600, 32, async (i) => {
      const r = await ledger.submit({ fn: 'Put', args: [`k${i}`, `v${i}`] });
      blocks.set(r.blockNumber, (blocks.get(r.blockNumber) ?? 0) + 1);
      expect(text(await ledger.evaluate({ fn: 'Get', args: [`k${i}`] }))).to.equal(`v${i}`);
    });
    expect([...blocks.values()].reduce((a, b) => a + b, 0)).to.equal(600);
    expect(runtime.info().validTransactions).to.equal(600);
    const report = await runtime.verify({ caCertsPem: c.caCertsPem });
    expect(report.ok, JSON.stringify(report.problems)).to.equal(true);
  });

  it('counts each acknowledged read-modify-write exactly once and rejects the others as conflicts', async () => {
    const counters = ['n0', 'n1', 'n2', 'n3'];
    const acknowledged = new Map<string, number>(counters.map((k) => [k, 0]));
    let conflicts = 0;
    await inFlight(400, 32, async (i) => {
      const key = counters[i % counters.length] as string;
      try {
        await ledger.submit({ fn: 'Incr', args: [key] });
        acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1);
      } catch (err) {
        expect(err).to.be.instanceOf(ConflictError);
        expect((err as ConflictError).details?.validationCode).to.equal('MVCC_READ_CONFLICT');
        conflicts++;
      }
    });
    for (const key of counters) {
      const value = Number(text(await ledger.evaluate({ fn: 'Get', args: [key] })));
      expect(value, key).to.equal(acknowledged.get(key));
    }
    expect([...acknowledged.values()].reduce((a, b) => a + b, 0) + conflicts).to.equal(400);
    const report = await runtime.verify({ caCertsPem: c.caCertsPem });
    expect(report.ok, JSON.stringify(report.problems)).to.equal(true);
  });
});
