import { Worker } from 'node:worker_threads';
import { MultiHasher } from '../core/digest.js';
import { SlotRing } from './ring.js';

/**
 * SHA-256 and SM3 of a payload, fed chunk by chunk in the same pass that builds its DAG.
 *
 * SM3 is the slowest of the digests (a third of SHA-256 here), so for anything larger than a small
 * file it runs on a second core: one long-lived worker thread, fed through a small shared-memory ring,
 * while the main thread does the CID hashing, SHA-256 and the writes. Small
 * payloads are hashed inline because a round trip to the worker costs more than hashing them.
 */
export interface PayloadDigests {
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
}

export type Sm3Mode = 'auto' | 'inline' | 'worker' | 'off';

export interface PayloadHasher {
  /** Resolves when the chunk has been taken (it may wait when the SM3 worker is behind). */
  update(chunk: Uint8Array): Promise<void> | void;
  digest(): Promise<PayloadDigests>;
  /** Drops the worker job, if any; safe to call more than once and after digest(). */
  dispose(): void;
}

/** Below this many bytes the payload is hashed inline: a worker round trip costs more than SM3 itself. */
const WORKER_THRESHOLD = 1 << 20;

export function createPayloadHasher(mode: Sm3Mode = 'auto'): PayloadHasher {
  const sha = new MultiHasher(['sha256']);
  if (mode === 'off') return inlineHasher(sha, undefined);
  if (mode === 'inline') return inlineHasher(sha, new MultiHasher(['sm3']));
  return new OffloadingHasher(sha, mode === 'worker' ? 0 : WORKER_THRESHOLD);
}

function inlineHasher(sha: MultiHasher<'sha256'>, sm3: MultiHasher<'sm3'> | undefined): PayloadHasher {
  return {
    update(chunk) {
      sha.update(chunk);
      sm3?.update(chunk);
    },
    async digest() {
      const { sha256, size } = sha.digest();
      return { sha256, sm3: sm3 ? sm3.digest().sm3 : '', size };
    },
    dispose() {},
  };
}

class OffloadingHasher implements PayloadHasher {
  readonly #sha: MultiHasher<'sha256'>;
  readonly #threshold: number;
  /** Chunks held back until the payload proves large enough for the worker. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #job: Sm3Job | undefined;

  constructor(sha: MultiHasher<'sha256'>, threshold: number) {
    this.#sha = sha;
    this.#threshold = threshold;
  }

  update(chunk: Uint8Array): Promise<void> | void {
    this.#sha.update(chunk);
    if (this.#job) return this.#job.update(chunk);
    // A copy: the caller may reuse its buffer once the chunk is stored, long before digest() (at most
    // the first megabyte of a payload is held, so this costs little).
    this.#held.push(Uint8Array.prototype.slice.call(chunk));
    this.#heldBytes += chunk.byteLength;
    if (this.#heldBytes >= this.#threshold && this.#heldBytes > 0) {
      this.#job = sm3Pool().start();
      const held = this.#held;
      this.#held = [];
      let wait: Promise<void> | void = undefined;
      for (const c of held) wait = this.#job.update(c);
      return wait;
    }
  }

  async digest(): Promise<PayloadDigests> {
    const { sha256, size } = this.#sha.digest();
    let sm3: string;
    if (this.#job) {
      sm3 = await this.#job.digest();
    } else {
      const h = new MultiHasher(['sm3']);
      for (const c of this.#held) h.update(c);
      sm3 = h.digest().sm3;
    }
    this.#held = [];
    return { sha256, sm3, size };
  }

  dispose(): void {
    this.#held = [];
    this.#job?.dispose();
  }
}

// The worker is plain JavaScript evaluated from a string so that it runs the same under tsx (tests,
// benchmarks) and from dist/, without a separate build step for a worker entry file.
//
// Chunks travel through one ring of fixed slots in a SharedArrayBuffer, allocated once and shared
// by every job: memory stays at the ring's size however fast the producers are and however many puts run,
// and nothing is cloned. A ring per job would not do: the worker's copy of each job's SharedArrayBuffer stays
// alive until the worker's own GC runs, and the worker allocates so little that it hardly ever does, so every
// put of 1 MiB or more left its whole ring behind.
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
    // Always hand the slot back, even for a dropped job: the ring is shared.
    parentPort.postMessage({ free: m.index });
  } else if (m.op === 'digest') {
    const h = jobs.get(m.id) ?? createHash('sm3');
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, digest: h.digest('hex') });
  } else if (m.op === 'drop') {
    jobs.delete(m.id);
  }
});
`;

const SLOT = 1 << 20;
const SLOTS = 4;

interface Sm3Job {
  update(chunk: Uint8Array): Promise<void> | void;
  digest(): Promise<string>;
  dispose(): void;
}

interface JobState {
  onDigest: ((hex: string) => void) | undefined;
  onError: ((err: Error) => void) | undefined;
}

class Sm3Pool {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #jobs = new Map<number, JobState>();
  readonly #ring = new SlotRing(SLOT, SLOTS);

  start(): Sm3Job {
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    const state: JobState = { onDigest: undefined, onError: undefined };
    this.#jobs.set(id, state);
    // Keep the process alive while a job is open (an unref'd worker would let the loop exit mid-hash).
    if (this.#jobs.size === 1) worker.ref();
    let tail: Promise<void> | undefined;
    worker.postMessage({ op: 'start', id });
    let failed: Error | undefined;
    let dropped = false;
    state.onError = (err) => {
      failed = err;
    };
    const close = (): void => {
      if (this.#jobs.delete(id) && this.#jobs.size === 0) this.#worker?.unref();
    };
    const send = (index: number, piece: Uint8Array): void => {
      // After a worker failure the ring was reset whole: this slot is no longer ours to hand back.
      if (failed) throw failed;
      if (dropped) return this.#ring.release(index);
      this.#ring.fill(index, piece);
      worker.postMessage({ op: 'update', id, index, length: piece.byteLength });
    };
    return {
      update: (chunk) => {
        if (failed) throw failed;
        // Fast path: nothing queued (here or by other jobs) and the chunk fits a free slot.
        if (!tail && chunk.byteLength <= SLOT) {
          const index = this.#ring.take();
          if (index !== undefined) return send(index, chunk);
        }
        // Otherwise queue behind earlier chunks, so that the worker sees them in order.
        const run = (tail ?? Promise.resolve()).then(async () => {
          for (let off = 0; off < chunk.byteLength && !dropped; off += SLOT) {
            if (failed) throw failed;
            send(await this.#ring.acquire(), chunk.subarray(off, Math.min(chunk.byteLength, off + SLOT)));
          }
        });
        const mine = run.finally(() => {
          if (tail === mine) tail = undefined;
        });
        mine.catch(() => undefined); // the caller awaits `run`; this copy only tracks the queue
        tail = mine;
        return run;
      },
      digest: async () => {
        await tail;
        if (failed) {
          close();
          throw failed;
        }
        return new Promise<string>((resolve, reject) => {
          state.onDigest = (hex) => {
            close();
            resolve(hex);
          };
          state.onError = (err) => {
            close();
            reject(err);
          };
          worker.postMessage({ op: 'digest', id });
        });
      },
      dispose: () => {
        dropped = true;
        if (this.#jobs.has(id)) {
          worker.postMessage({ op: 'drop', id });
          close();
        }
      },
    };
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: this.#ring.buffer, slot: SLOT } });
    worker.unref();
    worker.on('message', (m: { id?: number; free?: number; digest?: string }) => {
      if (this.#worker !== worker) return; // a failed worker's last words: its slots were reset already
      if (m.free !== undefined) {
        this.#ring.release(m.free);
      } else if (m.id !== undefined && m.digest !== undefined) {
        this.#jobs.get(m.id)?.onDigest?.(m.digest);
      }
    });
    const fail = (err: Error): void => {
      this.#worker = undefined;
      const error = new Error(`SM3 worker failed: ${err.message}`, { cause: err });
      const jobs = [...this.#jobs.values()];
      this.#jobs.clear();
      // The worker is gone with whatever slots it held: the next one starts with the whole ring free.
      this.#ring.reset(error);
      for (const state of jobs) state.onError?.(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.#worker === worker) fail(new Error(`exited with code ${code}`));
    });
    this.#worker = worker;
    return worker;
  }
}

let pool: Sm3Pool | undefined;
function sm3Pool(): Sm3Pool {
  pool ??= new Sm3Pool();
  return pool;
}
