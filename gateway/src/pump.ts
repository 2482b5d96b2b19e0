import { once } from 'node:events';
import type { Response } from 'express';
import type { LentChunk } from 'shulian/content';

/**
 * Writes an async iterable of bytes to the response with back-pressure. Stops early (and returns) when
 * the client goes away; lets errors of the source propagate so the caller can cut the connection.
 */
export async function pump(
  source: AsyncIterable<Uint8Array>,
  res: Response,
  onBytes: (n: number) => void,
  lent?: LentBytes,
): Promise<boolean> {
  const closed = once(res, 'close').then(() => 'closed' as const);
  for await (const chunk of source) {
    if (res.destroyed) return false;
    onBytes(chunk.byteLength);
    // A lent chunk goes back to the store once the socket has taken its bytes, not when it is queued.
    const written = lent?.releaseOf(chunk);
    if (!(written ? res.write(chunk, written) : res.write(chunk))) {
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

/**
 * The bytes of chunks a store lent (ContentStore.lend), passed on as plain bytes by the generators between
 * the store and pump, and the release of each: pump releases a chunk once it is written.
 */
export class LentBytes {
  readonly #releases = new WeakMap<Uint8Array, () => void>();

  async *unwrap(source: AsyncIterable<LentChunk>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.#releases.set(chunk.bytes, chunk.release);
      yield chunk.bytes;
    }
  }

  /** The release of these bytes, once: undefined for bytes that were not lent or already handed out. */
  releaseOf(bytes: Uint8Array): (() => void) | undefined {
    const release = this.#releases.get(bytes);
    this.#releases.delete(bytes);
    return release;
  }
}
