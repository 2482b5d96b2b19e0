import { Worker, type Transferable } from 'node:worker_threads';

/**
 * One worker thread that answers numbered requests: the lifecycle shared by the block writer and the
 * batch I/O threads. The worker is plain JavaScript evaluated from a string, so that it runs the same under
 * tsx and from dist/. It is unref'd while idle (an idle store never keeps the process alive) and ref'd while
 * a request is out (so that the loop cannot exit mid-write). When it dies, every request out fails and the
 * next request starts a new worker.
 */
export interface ThreadReply {
  readonly id: number;
  readonly error?: ErrnoInfo;
}

/** What a worker reports of a failed call, so that callers see the error fs would have thrown. */
export interface ErrnoInfo {
  readonly message: string;
  readonly code?: string;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
}

/**
 * Prepended to every worker source: `serve(handler)` answers each message `{id, ...}` with the handler's
 * result plus the id, or with `{id, error}` when it throws.
 */
const WORKER_PRELUDE = `
function serve(handler) {
  require('node:worker_threads').parentPort.on('message', (m) => {
    let reply;
    try {
      reply = { ...handler(m), id: m.id };
    } catch (err) {
      reply = { id: m.id, error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } };
    }
    require('node:worker_threads').parentPort.postMessage(reply);
  });
}
`;

export class ThreadJobs<R extends ThreadReply> {
  readonly #name: string;
  readonly #source: string;
  readonly #workerData: unknown;
  readonly #pending = new Map<number, { resolve(reply: R): void; reject(err: Error): void }>();
  readonly #toError: (e: ErrnoInfo) => Error;
  #worker: Worker | undefined;
  #nextId = 1;

  /**
   * `source` is the worker's body; it calls `serve(handler)`. `toError` turns a reported failure into the
   * error callers see (by default, the ErrnoException fs would have thrown).
   */
  constructor(
    name: string,
    source: string,
    options: Readonly<{ workerData?: unknown; toError?: (e: ErrnoInfo) => Error }> = {},
  ) {
    this.#name = name;
    this.#source = WORKER_PRELUDE + source;
    this.#workerData = options.workerData;
    this.#toError = options.toError ?? errnoError;
  }

  /** Posts `{...message, id}`; resolves with the reply, or rejects with the worker's error. */
  run(message: object, transfer: readonly Transferable[] = []): Promise<R> {
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ ...message, id }, transfer as Transferable[]);
    });
  }

  #settle(reply: R): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker?.unref();
    if (reply.error) pending.reject(this.#toError(reply.error));
    else pending.resolve(reply);
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#source, { eval: true, workerData: this.#workerData });
    worker.unref();
    worker.on('message', (reply: R) => {
      if (this.#worker === worker) this.#settle(reply);
    });
    const fail = (err: Error): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const error = new Error(`${this.#name} failed: ${err.message}`, { cause: err });
      const pending = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of pending) p.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }
}

/** The ErrnoException fs would have thrown. */
export function errnoError(e: ErrnoInfo): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(e.message);
  if (e.code !== undefined) err.code = e.code;
  if (e.errno !== undefined) err.errno = e.errno;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.path !== undefined) err.path = e.path;
  return err;
}
