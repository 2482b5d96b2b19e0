import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContentStore, PutResult } from '../../node/content/types.js';
import { SmallPuts } from '../../node/ingest/small-puts.js';

/** A store double: putMany answers after a pause, so that batches overlap; put serves the fallback. */
function slowStore(failMany = false): { store: ContentStore; batches: number[]; singles: number } {
  const state = { batches: [] as number[], singles: 0 };
  const result = (p: Uint8Array): PutResult => ({
    cid: `cid-${Buffer.from(p).toString()}`,
    profile: 'kubo-v1',
    sha256: '',
    sm3: '',
    size: p.byteLength,
  });
  const store = {
    async putMany(payloads: readonly Uint8Array[]) {
      state.batches.push(payloads.length);
      await sleep(20);
      if (failMany) throw new Error('disk full');
      return payloads.map(result);
    },
    async put(source: AsyncIterable<Uint8Array>) {
      state.singles++;
      const parts: Uint8Array[] = [];
      for await (const c of source) parts.push(c);
      const bytes = Buffer.concat(parts);
      if (bytes.toString() === 'bad') throw new Error('bad payload');
      return result(bytes);
    },
  } as unknown as ContentStore;
  return {
    store,
    get batches() {
      return state.batches;
    },
    get singles() {
      return state.singles;
    },
  };
}

describe('ingest: small files stored in batches', () => {
  it('answers every caller in order, also for a partial batch left while two batches are being stored', async () => {
    const double = slowStore();
    const puts = SmallPuts.for(double.store, {})!;
    const pending: Promise<PutResult[]>[] = [];
    // two full batches (in flight at once) and a partial one behind them
    for (let i = 0; i < 64 * 2 + 5; i++) {
      await puts.room();
      pending.push(puts.put([Buffer.from(`f${i}`), Buffer.from(`m${i}`)]));
    }
    await puts.drain();
    const results = await Promise.all(pending);
    results.forEach(([file, meta], i) => {
      expect(file?.cid).to.equal(`cid-f${i}`);
      expect(meta?.cid).to.equal(`cid-m${i}`);
    });
    expect(double.batches).to.deep.equal([128, 128, 10]);
  });

  it('falls back to one put per payload when a batch fails, so each file gets its own error', async () => {
    const double = slowStore(true);
    const puts = SmallPuts.for(double.store, {})!;
    const ok = puts.put([Buffer.from('a'), Buffer.from('b')]);
    const bad = puts.put([Buffer.from('bad'), Buffer.from('c')]);
    await puts.drain();
    expect((await ok).map((r) => r.cid)).to.deep.equal(['cid-a', 'cid-b']);
    const err = await bad.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error).with.property('message', 'bad payload');
    expect(double.singles).to.equal(3);
  });

  it('is not offered by a store without putMany', () => {
    expect(SmallPuts.for({ put: async () => undefined } as unknown as ContentStore, {})).to.equal(undefined);
  });
});
