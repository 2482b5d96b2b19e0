import { expect } from 'chai';
import { Writable } from 'node:stream';
import type { Response } from 'express';
import { LentBytes, pump } from '../../gateway/src/pump.js';

describe('gateway: pump of lent chunks', () => {
  it('gives each lent chunk back only once the socket has written it, and never one it did not lend', async () => {
    const events: string[] = [];
    const callbacks: (() => void)[] = [];
    // A response whose writes complete only when the test says so, as a slow socket's would.
    const res = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _encoding, callback) {
        events.push(`written ${chunk.toString()}`);
        callbacks.push(() => {
          events.push(`done ${chunk.toString()}`);
          callback();
        });
      },
    });
    async function* store() {
      for (const name of ['a', 'b', 'c'])
        yield { bytes: Buffer.from(name), release: () => events.push(`released ${name}`) };
    }
    const lent = new LentBytes();
    async function* passThrough() {
      yield* lent.unwrap(store());
      yield Buffer.from('own'); // bytes nobody lent: nothing to release
    }
    const done = pump(passThrough(), res as unknown as Response, () => undefined, lent);
    while (callbacks.length === 0) await new Promise((r) => setImmediate(r));
    expect(
      events.some((e) => e.startsWith('released')),
      'nothing given back before a write completed',
    ).to.equal(false);
    while (callbacks.length > 0) {
      callbacks.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).to.equal(true);
    for (const name of ['a', 'b', 'c']) {
      expect(
        events.filter((e) => e === `released ${name}`),
        name,
      ).to.have.length(1);
      expect(events.indexOf(`released ${name}`), name).to.be.greaterThan(events.indexOf(`done ${name}`));
    }
    expect(events.filter((e) => e.startsWith('released'))).to.have.length(3);
    expect(events).to.include('done own');
    expect(lent.releaseOf(Buffer.from('a'))).to.equal(undefined);
  });
});
