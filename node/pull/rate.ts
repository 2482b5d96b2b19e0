/**
 * A shared bandwidth cap for all downloads of a pull (`--max-rate`): a harvester must be able to stay
 * within what the province's link can spare. Bytes are admitted after they arrive, so the cap holds on
 * average over a run rather than per chunk.
 */
export interface RateLimiter {
  take(bytes: number, signal?: AbortSignal): Promise<void>;
}

export function rateLimiter(bytesPerSecond: number | undefined): RateLimiter {
  if (bytesPerSecond === undefined) return { take: async () => undefined };
  if (!(bytesPerSecond > 0)) throw new RangeError('the rate must be a positive number of bytes per second');
  const started = performance.now();
  let admitted = 0;
  return {
    async take(bytes, signal) {
      admitted += bytes;
      const due = started + (admitted / bytesPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait <= 0 || signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    },
  };
}
