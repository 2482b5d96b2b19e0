import { expect } from 'chai';
import { ConflictError } from '../../node/core/errors.js';
import { openEmbeddedRuntime, type EmbeddedRuntime } from '../../node/ledger/index.js';
import type { Runtime } from '../../node/ledger/embedded/runtime.js';
import { KV_CONTRACT_DIR, tempDir, testConsortium, text, type TestConsortium } from './helpers.js';

/**
 * MVCC: transactions are simulated against committed state and validated at commit. The internal
 * simulate/order split makes the interleaving deterministic: both transactions are endorsed before
 * either is ordered, exactly the race a peer resolves at validation.
 */
describe('embedded ledger MVCC validation', () => {
  let c: TestConsortium;
  let dir: string;
  let cleanup: () => Promise<void>;
  let runtime: EmbeddedRuntime;
  const internals = (r: EmbeddedRuntime) => r as unknown as Runtime;
  const noTransient = new Map<string, Uint8Array>();

  before(async () => {
    c = await testConsortium();
  });
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR, blockTimeoutMs: 20 });
  });
  afterEach(async () => {
    await runtime.close();
    await cleanup();
  });

  it('invalidates the second of two read-modify-writes of one key in the same block', async () => {
    const ledger = runtime.connect(c.operator);
    await ledger.submit({ fn: 'Put', args: ['counter', '10'] });
    const rt = internals(runtime);
    const first = await rt.simulate(c.operator, 'Incr', ['counter'], noTransient);
    const second = await rt.simulate(c.operator, 'Incr', ['counter'], noTransient);
    const [a, b] = await Promise.all([rt.order(first), rt.order(second)]);
    expect(a.code).to.equal('VALID');
    expect(b.code).to.equal('MVCC_READ_CONFLICT');
    expect(a.blockNumber).to.equal(b.blockNumber);
    expect(text(await ledger.evaluate({ fn: 'Get', args: ['counter'] }))).to.equal('11');
    // the invalid transaction is recorded in its block, with its validation code
    const bundle = (await ledger.proof(second.txId)) as unknown as { envelope: { validationCode: string } };
    expect(bundle.envelope.validationCode).to.equal('MVCC_READ_CONFLICT');
    expect((await runtime.verify()).ok).to.equal(true);
  });

  it('rejects the conflicting submit with a ConflictError carrying its txId', async () => {
    const ledger = runtime.connect(c.operator);
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => ledger.submit({ fn: 'Incr', args: ['n'] })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // each endorsement read the committed value; every commit moves it by exactly one
    expect(text(await ledger.evaluate({ fn: 'Get', args: ['n'] }))).to.equal(String(ok.length));
    for (const f of failed) {
      expect(f.reason).to.be.instanceOf(ConflictError);
      expect((f.reason as ConflictError).ids.txId).to.match(/^[0-9a-f]{64}$/);
      expect((f.reason as ConflictError).details?.validationCode).to.equal('MVCC_READ_CONFLICT');
    }
    expect(ok.length + failed.length).to.equal(4);
  });

  it('detects a conflict with a block committed by another process in between', async () => {
    const other = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    try {
      const pending = await internals(runtime).simulate(c.operator, 'Incr', ['shared'], noTransient);
      await other.connect(c.otherOperator).submit({ fn: 'Incr', args: ['shared'] });
      const outcome = await internals(runtime).order(pending);
      expect(outcome.code).to.equal('MVCC_READ_CONFLICT');
      expect(text(await runtime.connect(c.operator).evaluate({ fn: 'Get', args: ['shared'] }))).to.equal('1');
    } finally {
      await other.close();
    }
  });

  it('re-validates range reads: a key inserted into a scanned range is a phantom', async () => {
    const ledger = runtime.connect(c.operator);
    await ledger.submit({
      fn: 'PutMany',
      args: [
        JSON.stringify([
          ['item/1', 'a'],
          ['item/2', 'b'],
        ]),
      ],
    });
    const rt = internals(runtime);
    const count = await rt.simulate(c.operator, 'CountInto', ['item/', 'item0', 'count'], noTransient);
    const insert = await rt.simulate(c.operator, 'Put', ['item/3', 'c'], noTransient);
    const [ins, cnt] = await Promise.all([rt.order(insert), rt.order(count)]);
    expect(ins.code).to.equal('VALID');
    expect(cnt.code).to.equal('PHANTOM_READ_CONFLICT');
    // a write outside the range does not disturb the scan
    const again = await rt.simulate(c.operator, 'CountInto', ['item/', 'item0', 'count'], noTransient);
    const outside = await rt.simulate(c.operator, 'Put', ['other', 'x'], noTransient);
    const [o, a] = await Promise.all([rt.order(outside), rt.order(again)]);
    expect([o.code, a.code]).to.deep.equal(['VALID', 'VALID']);
    expect(text(await ledger.evaluate({ fn: 'Get', args: ['count'] }))).to.equal('3');
    // a deletion inside the range is a phantom too
    const third = await rt.simulate(c.operator, 'CountInto', ['item/', 'item0', 'count'], noTransient);
    const del = await rt.simulate(c.operator, 'Delete', ['item/1'], noTransient);
    const [d, t] = await Promise.all([rt.order(del), rt.order(third)]);
    expect([d.code, t.code]).to.deep.equal(['VALID', 'PHANTOM_READ_CONFLICT']);
    expect((await runtime.verify()).ok).to.equal(true);
  });

  it('does not validate blind writes: the last writer wins', async () => {
    const rt = internals(runtime);
    const w1 = await rt.simulate(c.operator, 'Put', ['blind', '1'], noTransient);
    const w2 = await rt.simulate(c.operator, 'Put', ['blind', '2'], noTransient);
    const outcomes = await Promise.all([rt.order(w1), rt.order(w2)]);
    expect(outcomes.map((o) => o.code)).to.deep.equal(['VALID', 'VALID']);
    expect(text(await runtime.connect(c.operator).evaluate({ fn: 'Get', args: ['blind'] }))).to.equal('2');
  });
});
