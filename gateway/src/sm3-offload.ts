import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * SM3 off the event loop. SM3 runs at about a third of SHA-256's speed; hashed inline, every stream in
 * flight would stall the event loop (and every manifest request queued behind it). Streams hash SM3 on
 * a small pool of long-lived worker threads instead.
 *
 * Chunks reach a worker through one ring of fixed slots in a SharedArrayBuffer, shared by every stream
 * that worker serves: a chunk is copied into a free slot and the slot comes back once hashed. Memory is
 * the rings' size however many streams run and however fast the store reads; nothing is allocated per
 * chunk. (Transferring a fresh copy per chunk, as before, left each copy to the worker's own garbage
 * collector, which the worker hardly ever runs: with 16 pulls in flight the gateway held tens of MiB of
 * hashed chunks.) A stream waits when the ring is full; waiting streams get slots in turn.
 */
export interface Sm3Job {
  /** Resolves at once, or when the chunk has been taken into the ring. */
  update(chunk: Uint8Array): Promise<void> | void;
  digest(): Promise<string>;
  dispose(): void;
}

const SLOT_BYTES = 256 * 1024;
/** 4 MiB per worker: enough for one stream to run ahead of short stalls of the worker. */
const SLOTS = 16;

// Plain JavaScript from a string: runs the same under tsx and from dist/, with no worker entry file to build.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const slot = workerData.slot;
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'start') {
    jobs.set(m.id, createHash('sm3'));
  } else if (m.op === 'update') {
    jobs.get(m.id)?.update(ring.subarray(m.index * slot, m.index * slot + m.length));
    // always hand the slot back, even for a dropped job: the ring is shared
    parentPort.postMessage({ index: m.index });
  } else if (m.op === 'digest') {
    const h = jobs.get(m.id) || createHash('sm3');
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, digest: h.digest('hex') });
  } else if (m.op === 'drop') {
    jobs.delete(m.id);
  }
});
`;

interface JobState {
  resolve?: (hex: string) => void;
  reject?: (err: Error) => void;
  failed?: Error;
}

class Sm3Worker {
  readonly #worker: Worker;
  readonly #ring = new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  readonly #bytes = new Uint8Array(this.#ring);
  readonly #free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  /** Streams waiting for a slot, first come first served: a returned slot goes straight to the first. */
  readonly #waiting: { resolve: (index: number) => void; reject: (err: Error) => void }[] = [];
  #failed: Error | undefined;
  readonly jobs = new Map<number, JobState>();

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: this.#ring, slot: SLOT_BYTES } });
    this.#worker.unref();
    this.#worker.on('message', (m: { index?: number; id?: number; digest?: string }) => {
      if (m.index !== undefined) {
        const next = this.#waiting.shift();
        if (next) next.resolve(m.index);
        else this.#free.push(m.index);
      } else if (m.id !== undefined && m.digest !== undefined) {
        const job = this.jobs.get(m.id);
        this.#forget(m.id);
        job?.resolve?.(m.digest);
      }
    });
    this.#worker.on('error', (err) => {
      this.#failed = err;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(err);
      for (const [id, job] of this.jobs) {
        job.failed = err;
        job.reject?.(err);
        this.#forget(id);
      }
    });
  }

  #forget(id: number): void {
    if (this.jobs.delete(id) && this.jobs.size === 0) this.#worker.unref();
  }

  /** A free slot, waiting in turn when there is none. */
  #slot(): Promise<number> {
    if (this.#failed) return Promise.reject(this.#failed);
    const free = this.#free.pop();
    if (free !== undefined) return Promise.resolve(free);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #post(id: number, index: number, chunk: Uint8Array): void {
    this.#bytes.set(chunk, index * SLOT_BYTES);
    this.#worker.postMessage({ op: 'update', id, index, length: chunk.byteLength });
  }

  start(id: number): Sm3Job {
    const job: JobState = {};
    this.jobs.set(id, job);
    // an open job keeps the process alive until it is digested or dropped
    this.#worker.ref();
    this.#worker.postMessage({ op: 'start', id });
    const feed = async (chunk: Uint8Array): Promise<void> => {
      for (let at = 0; at < chunk.byteLength; at += SLOT_BYTES) {
        const index = await this.#slot();
        if (job.failed) throw job.failed;
        this.#post(id, index, chunk.subarray(at, Math.min(chunk.byteLength, at + SLOT_BYTES)));
      }
    };
    return {
      update: (chunk) => {
        if (job.failed) throw job.failed;
        if (this.#failed) throw this.#failed;
        // the common case, without a promise: a chunk that fits in a slot, and a slot free (free slots
        // exist only while nobody waits)
        if (chunk.byteLength <= SLOT_BYTES && this.#free.length > 0) {
          this.#post(id, this.#free.pop()!, chunk);
          return;
        }
        return feed(chunk);
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          if (job.failed) return reject(job.failed);
          job.resolve = resolve;
          job.reject = reject;
          this.#worker.postMessage({ op: 'digest', id });
        }),
      dispose: () => {
        if (this.jobs.has(id)) {
          this.#worker.postMessage({ op: 'drop', id });
          this.#forget(id);
        }
      },
    };
  }
}

let pool: Sm3Worker[] | undefined;
let nextId = 1;

/** A job on the least busy worker of the pool (created on first use, one worker per spare core, at most 4). */
export function startSm3Job(): Sm3Job {
  pool ??= Array.from({ length: Math.max(1, Math.min(4, availableParallelism() - 1)) }, () => new Sm3Worker());
  const worker = pool.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  return worker.start(nextId++);
}
