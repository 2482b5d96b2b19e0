/** Bounded exponential backoff with equal jitter (half the step fixed, half random). */
export interface RetryPolicy {
  /** Attempts in total, the first included (1 = never retry). */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

// 12 to 24 s of backoff before giving up: long enough for a restarted peer to relearn its channel peers
// and for etcdraft to elect a new leader (ElectionTick x TickInterval = 5 s, plus randomisation)
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, initialDelayMs: 250, maxDelayMs: 8_000 };

/** Reads (evaluate, height, proof) only need a peer: a shorter budget, so an unreachable peer is reported in seconds. */
export const DEFAULT_READ_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 250, maxDelayMs: 2_000 };

export function backoffDelay(
  policy: Readonly<RetryPolicy>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + random() * (cap / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
