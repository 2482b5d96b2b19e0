import { open } from 'node:fs/promises';
import type { StoreProgress } from './builder.js';

/**
 * A file's bytes read into a few buffers that are used over and over, for a put that tells the reader
 * how far it has stored.
 *
 * A stream allocates a fresh buffer for every read. For a large put that is a gigabyte of short-lived
 * ArrayBuffers per gigabyte, and V8 answers that external memory pressure with a full mark-compact every
 * few tens of megabytes: measured on a 1 GiB put, about 100 of them and 2 to 3 CPU-seconds on the GC
 * threads, a fifth of the put's CPU. Reusing the buffers takes all of that away, but only if no buffer is
 * refilled while a part of the put still reads it: so a buffer is refilled only once the put has called
 * `stored(offset)` past its end. The put calls it when every leaf up to `offset` has been copied to where
 * it is written, and nothing before that offset is held anywhere else (see importing.ts).
 */
export interface PooledFile extends StoreProgress {
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Every byte before `offset` is stored: the buffers that held them may be refilled. */
  stored(offset: number): void;
  /** The put failed: the chunks end here, and the put rejects with its own error. */
  failed(): void;
}

export interface PooledFileOptions {
  /** Bytes per read (default 1 MiB). */
  readonly bufferSize?: number;
  /** Buffers in the pool (default 6; at least 3, so that a leaf that spans two reads never waits on itself). */
  readonly buffers?: number;
  /** Told the size of each read, as it happens (a progress bar). */
  readonly onRead?: (bytes: number) => void;
}

export function pooledFile(path: string, options: Readonly<PooledFileOptions> = {}): PooledFile {
  const size = options.bufferSize ?? 1 << 20;
  const count = Math.max(3, options.buffers ?? 6);
  let storedUpTo = 0;
  let ended = false;
  let waiting: { readonly upTo: number; readonly resolve: () => void } | undefined;
  const wake = (): void => {
    if (waiting && (ended || storedUpTo >= waiting.upTo)) {
      const { resolve } = waiting;
      waiting = undefined;
      resolve();
    }
  };

  async function* chunks(): AsyncGenerator<Uint8Array> {
    const handle = await open(path, 'r');
    try {
      const pool: Buffer[] = [];
      /** The file offset where each buffer's current bytes end. */
      const ends: number[] = [];
      let position = 0;
      for (let n = 0; ; n++) {
        const i = n % count;
        if (pool[i] === undefined) {
          pool[i] = Buffer.allocUnsafeSlow(size);
          ends[i] = 0;
        } else if (ends[i]! > storedUpTo) {
          const upTo = ends[i]!;
          await new Promise<void>((resolve) => {
            waiting = { upTo, resolve };
            wake();
          });
        }
        if (ended) return;
        const buffer = pool[i]!;
        let filled = 0;
        while (filled < size) {
          const { bytesRead } = await handle.read(buffer, filled, size - filled, position + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled === 0) return;
        position += filled;
        ends[i] = position;
        options.onRead?.(filled);
        yield buffer.subarray(0, filled);
        if (filled < size) return;
      }
    } finally {
      await handle.close();
    }
  }

  return {
    chunks: chunks(),
    stored(offset) {
      if (offset > storedUpTo) storedUpTo = offset;
      wake();
    },
    failed() {
      ended = true;
      wake();
    },
  };
}
