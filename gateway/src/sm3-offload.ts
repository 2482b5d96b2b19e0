import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * SM3 off the event loop. SM3 runs at about a third of SHA-256's speed; hashed inline, every stream in
 * flight would stall the event loop (and every manifest request queued behind it). Streams hash SM3 on
 * a small pool of long-lived worker threads instead, each job fed with copies of the chunks (transferred,
 * not cloned) and bounded in the bytes it may have queued, so memory stays flat however fast the store
 * reads. node/content's PayloadHasher does the same for ingest; the two can merge once it is exported.
 */
export interface Sm3Job {
  /** Resolves at once, or when the job's queue has room again. */
  update(chunk: Uint8Array): Promise<void> | void;
  digest(): Promise<string>;
  dispose(): void;
}

const MAX_QUEUED = 1 << 20;

// Plain JavaScript from a string: runs the same under tsx and from dist/, with no worker entry file to build.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = jobs.get(m.id);
    if (!h) { h = createHash('sm3'); jobs.set(m.id, h); }
    h.update(new Uint8Array(m.buf));
    parentPort.postMessage({ id: m.id, done: m.buf.byteLength });
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
  queued: number;
  wake?: () => void;
  resolve?: (hex: string) => void;
  reject?: (err: Error) => void;
  failed?: Error;
}

class Sm3Worker {
  readonly #worker: Worker;
  readonly jobs = new Map<number, JobState>();

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.unref();
    this.#worker.on('message', (m: { id: number; done?: number; digest?: string }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      if (m.done !== undefined) {
        job.queued -= m.done;
        if (job.queued <= MAX_QUEUED / 2) job.wake?.();
      } else if (m.digest !== undefined) {
        this.#forget(m.id);
        job.resolve?.(m.digest);
      }
    });
    this.#worker.on('error', (err) => {
      for (const [id, job] of this.jobs) {
        job.failed = err;
        job.wake?.();
        job.reject?.(err);
        this.#forget(id);
      }
    });
  }

  #forget(id: number): void {
    if (this.jobs.delete(id) && this.jobs.size === 0) this.#worker.unref();
  }

  start(id: number): Sm3Job {
    const job: JobState = { queued: 0 };
    this.jobs.set(id, job);
    // an open job keeps the process alive until it is digested or dropped
    this.#worker.ref();
    return {
      update: (chunk) => {
        if (job.failed) throw job.failed;
        const copy = new Uint8Array(chunk.byteLength);
        copy.set(chunk);
        job.queued += copy.byteLength;
        this.#worker.postMessage({ op: 'update', id, buf: copy.buffer }, [copy.buffer]);
        if (job.queued > MAX_QUEUED) {
          return new Promise<void>((resolve) => {
            job.wake = () => {
              job.wake = undefined;
              resolve();
            };
          });
        }
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
