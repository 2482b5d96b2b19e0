import { once } from 'node:events';
import type { Response } from 'express';

/**
 * Writes an async iterable of bytes to the response with back-pressure. Stops early (and returns) when
 * the client goes away; lets errors of the source propagate so the caller can cut the connection.
 */
export async function pump(
  source: AsyncIterable<Uint8Array>,
  res: Response,
  onBytes: (n: number) => void,
): Promise<boolean> {
  const closed = once(res, 'close').then(() => 'closed' as const);
  for await (const chunk of source) {
    if (res.destroyed) return false;
    onBytes(chunk.byteLength);
    if (!res.write(chunk)) {
      const r = await Promise.race([once(res, 'drain').then(() => 'drain' as const), closed]);
      if (r === 'closed') return false;
    }
  }
  return !res.destroyed;
}

/** A signal that aborts when the client disconnects before the response finished. */
export function clientGone(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new Error('client disconnected'));
  });
  return ac.signal;
}
