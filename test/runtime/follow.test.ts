import { expect } from 'chai';
import { ShulianError, UnavailableError } from '../../node/core/index.js';
import type { ContentStore } from '../../node/content/types.js';
import { openIndex } from '../../node/index/index.js';
import type { Ledger, LedgerEvent } from '../../node/ledger/types.js';
import { followWithRetry } from '../../node/runtime/follow.js';
import { ChainFixture } from '../index/fixtures.js';

/** A ledger double whose event stream fails with `failures` (in turn) before it delivers. */
function flakyLedger(events: readonly LedgerEvent[], failures: Error[]): Ledger & { readonly calls: number } {
  let calls = 0;
  return {
    identity: { mspId: 'JilinLibraryMSP', credentials: new Uint8Array() },
    get calls() {
      return calls;
    },
    async *events() {
      calls++;
      const failure = failures.shift();
      // deliver part of the stream before failing, as a dropped connection does
      for (const e of events.slice(0, failure ? 2 : events.length)) yield e;
      if (failure) throw failure;
    },
    submit: () => Promise.reject(new Error('not used')),
    evaluate: () => Promise.reject(new Error('not used')),
    height: () => Promise.resolve(0),
    proof: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  } as Ledger & { readonly calls: number };
}

const noContent = {} as ContentStore;

describe('runtime: the index follower waits out an unavailable ledger', () => {
  const chain = new ChainFixture(2);
  for (let i = 0; i < 6; i++) chain.register([{ id: `r${i}` }]);

  it('resumes from the checkpoint after UNAVAILABLE, backing off, and applies each event once', async () => {
    const index = openIndex({ path: ':memory:' });
    try {
      const ledger = flakyLedger(chain.events, [
        new UnavailableError('peer down'),
        new UnavailableError('peer still down'),
      ]);
      const waits: number[] = [];
      const stop = new AbortController();
      let applied = 0;
      const done = followWithRetry(index, ledger, noContent, stop.signal, {
        firstDelayMs: 5,
        onRetry: (_err, ms) => waits.push(ms),
        onEvent: (_e, isNew) => {
          if (isNew) applied++;
          if (applied === chain.events.length) stop.abort();
        },
      });
      await done;
      expect(ledger.calls).to.equal(3);
      expect(waits).to.deep.equal([5, 5]); // events flowed between the failures, so the wait started over
      expect(applied).to.equal(chain.events.length);
      expect(index.status().eventsApplied).to.equal(chain.events.length);
    } finally {
      index.close();
    }
  });

  it('stops on any other error, which it must not skip', async () => {
    const index = openIndex({ path: ':memory:' });
    try {
      const ledger = flakyLedger(chain.events, [new ShulianError('INDEX_PROJECTION', 'bad event')]);
      const stop = new AbortController();
      let err: unknown;
      await followWithRetry(index, ledger, noContent, stop.signal, { firstDelayMs: 5 }).catch(
        (e: unknown) => (err = e),
      );
      expect(err).to.be.instanceOf(ShulianError).with.property('code', 'INDEX_PROJECTION');
      expect(ledger.calls).to.equal(1);
    } finally {
      index.close();
    }
  });
});
