import type { ContentStore } from '../content/types.js';
import { UnavailableError } from '../core/errors.js';
import type { LocalIndex } from '../index/index.js';
import type { Ledger, LedgerEvent } from '../ledger/types.js';

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Follows until stopped. A backend that is unreachable for a while (a Fabric peer restarting, a Kubo
 * node busy) is waited for with exponential backoff, resuming from the index's checkpoint; any other
 * failure (a projection error, a bad event) ends the follower, because going on would skip it.
 */
export async function followWithRetry(
  index: LocalIndex,
  ledger: Ledger,
  content: ContentStore,
  signal: AbortSignal,
  options: Readonly<{
    onEvent?: (event: LedgerEvent, applied: boolean) => void;
    onRetry?: (err: unknown, delayMs: number) => void;
    /** First wait (default 500 ms); it doubles up to 30 s and starts over once events flow again. */
    firstDelayMs?: number;
  }> = {},
): Promise<void> {
  const first = options.firstDelayMs ?? RETRY_FIRST_MS;
  let delay = first;
  while (!signal.aborted) {
    try {
      await index.follow(ledger, {
        signal,
        content,
        onEvent: (event, applied) => {
          delay = first;
          options.onEvent?.(event, applied);
        },
      });
      return;
    } catch (err) {
      if (signal.aborted) return;
      if (!(err instanceof UnavailableError)) throw err;
      options.onRetry?.(err, delay);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
