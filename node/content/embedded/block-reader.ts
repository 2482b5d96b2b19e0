import { close, closeSync, fstat, fstatSync, open, openSync, read, readSync } from 'node:fs';
import type { LentChunk } from '../types.js';

/** Where a read gets its buffer and where a released one goes. */
export interface Buffers {
  take(capacity: number): Buffer;
  give(buffer: Buffer): void;
}

/** Every read in a buffer of its own, which the garbage collector reclaims. */
export const freshBuffers: Buffers = {
  take: (capacity) => Buffer.allocUnsafeSlow(capacity),
  give: () => undefined,
};

/** A first read of a block of unknown size asks for this much: a kubo-legacy leaf and its framing. */
const UNKNOWN_SIZE_CAPACITY = 256 * 1024 + 4096;
const CLASS = 64 * 1024;

/**
 * Buffers handed back by released chunks, kept for the next reads, up to `retainBytes`. Sizes are
 * rounded up to 64 KiB, so that a file's blocks (all one size but the last) share one class.
 */
export class BufferPool implements Buffers {
  readonly #free = new Map<number, Buffer[]>();
  readonly #retainBytes: number;
  #retained = 0;

  constructor(retainBytes: number) {
    this.#retainBytes = retainBytes;
  }

  take(capacity: number): Buffer {
    const size = Math.ceil(Math.max(capacity, 1) / CLASS) * CLASS;
    const buffer = this.#free.get(size)?.pop();
    if (buffer) {
      this.#retained -= size;
      return buffer;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  give(buffer: Buffer): void {
    const size = buffer.byteLength;
    if (size % CLASS !== 0 || this.#retained + size > this.#retainBytes) return;
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(buffer);
    this.#retained += size;
  }

  get retainedBytes(): number {
    return this.#retained;
  }
}

/**
 * Reads a block file into a buffer from `buffers`: open, read, close, with callbacks (each step is one
 * threadpool job; promises would add their own turns). With `size` known the read stops there, which
 * saves the fstat that fs.readFile makes; otherwise it reads until end of file. A packed block is read
 * from `position` (its size is always known). Resolves to undefined when the file does not exist; a
 * file that ends early gives a short chunk, which the block's CID then rejects.
 */
export function readBlockFile(
  path: string,
  size: number | undefined,
  buffers: Buffers,
  position = 0,
): Promise<LentChunk | undefined> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openErr, fd) => {
      if (openErr) {
        if (openErr.code === 'ENOENT') resolve(undefined);
        else reject(openErr);
        return;
      }
      let buffer = buffers.take(size ?? UNKNOWN_SIZE_CAPACITY);
      const wanted = size ?? Number.POSITIVE_INFINITY;
      let filled = 0;
      const finish = (err: Error | null): void => {
        close(fd, (closeErr) => {
          const failure = err ?? closeErr;
          if (failure) {
            buffers.give(buffer);
            reject(failure);
          } else resolve(lent(buffer, filled, buffers));
        });
      };
      const step = (): void => {
        if (filled === buffer.byteLength && filled < wanted) {
          // Longer than the first buffer: take one of the file's size (a rare, unusual block).
          fstat(fd, (statErr, stats) => {
            if (statErr) return finish(statErr);
            const grown = Buffer.allocUnsafeSlow(Math.max(stats.size, filled + 1));
            buffer.copy(grown, 0, 0, filled);
            buffers.give(buffer);
            buffer = grown;
            step();
          });
          return;
        }
        const ask = Math.min(buffer.byteLength, wanted) - filled;
        if (ask <= 0) return finish(null);
        read(fd, buffer, filled, ask, position + filled, (readErr, n) => {
          if (readErr) return finish(readErr);
          filled += n;
          if (n === 0 || filled === wanted) finish(null);
          else step();
        });
      };
      step();
    });
  });
}

function lent(buffer: Buffer, length: number, buffers: Buffers): LentChunk {
  let out = false;
  return {
    bytes: buffer.subarray(0, length),
    release: () => {
      if (out) return;
      out = true;
      buffers.give(buffer);
    },
  };
}

/** readBlockFile, in place: for reads the page cache answers (see adaptiveReads). */
export function readBlockFileSync(
  path: string,
  size: number | undefined,
  buffers: Buffers,
  position = 0,
): LentChunk | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let buffer = buffers.take(size ?? UNKNOWN_SIZE_CAPACITY);
  try {
    const wanted = size ?? Number.POSITIVE_INFINITY;
    let filled = 0;
    for (;;) {
      if (filled === buffer.byteLength && filled < wanted) {
        const grown = Buffer.allocUnsafeSlow(Math.max(fstatSync(fd).size, filled + 1));
        buffer.copy(grown, 0, 0, filled);
        buffers.give(buffer);
        buffer = grown;
      }
      const ask = Math.min(buffer.byteLength, wanted) - filled;
      if (ask <= 0) break;
      const n = readSync(fd, buffer, filled, ask, position + filled);
      filled += n;
      if (n === 0 || filled === wanted) break;
    }
    return lent(buffer, filled, buffers);
  } catch (err) {
    buffers.give(buffer);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** How a reader reads a block file of known or unknown size, in place or on the threadpool. */
export interface BlockFileReads {
  inPlace(path: string, size: number | undefined, position: number): LentChunk | undefined;
  offThread(path: string, size: number | undefined, position: number): Promise<LentChunk | undefined>;
}

/** A read in place slower than this (plus 1 ms per 256 KiB) waited for the disk, not the page cache. */
const SLOW_READ_NS = 1_000_000;
const SLOW_READ_NS_PER_BYTE = 1_000_000 / (256 * 1024);
/** After a slow read, this many reads go to the threadpool before one is tried in place again. */
const OFF_THREAD_READS = 32;
/** Reads in place give the event loop a turn after this many bytes (about 0.2 ms from the page cache). */
const IN_PLACE_BYTES_PER_TURN = 1 << 20;

/**
 * One stream's block reads: in place while the page cache answers them, on the threadpool for a while
 * after one that did not. A read handed to the threadpool wakes a thread on another CPU three times
 * (open, read, close); on this VM that cost the main thread about 65 µs per block, more than reading a
 * 256 KiB block from the page cache in place (about 50 µs), and the hand-offs' latency capped a stream at
 * about half the page cache's speed. A read in place that waits for the disk blocks the event loop while
 * it waits, so one slower than the page cache could be sends the next reads to the threadpool. (Linux's
 * preadv2 with RWF_NOWAIT would say so without waiting, but Node does not expose it.)
 */
export function adaptiveReads(
  reads: BlockFileReads,
): (path: string, size: number | undefined, position: number) => Promise<LentChunk | undefined> {
  let offThread = 0;
  let inPlaceBytes = 0;
  return async (path, size, position) => {
    if (offThread > 0) {
      offThread--;
      return reads.offThread(path, size, position);
    }
    if (inPlaceBytes >= IN_PLACE_BYTES_PER_TURN) {
      // Other requests get their turn between runs of reads in place (a server streams while it answers).
      inPlaceBytes = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const started = process.hrtime.bigint();
    const chunk = reads.inPlace(path, size, position);
    const took = Number(process.hrtime.bigint() - started);
    inPlaceBytes += chunk?.bytes.byteLength ?? 0;
    if (took > SLOW_READ_NS + SLOW_READ_NS_PER_BYTE * (chunk?.bytes.byteLength ?? 0)) offThread = OFF_THREAD_READS;
    return chunk;
  };
}
