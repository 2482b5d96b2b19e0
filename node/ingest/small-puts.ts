import type { ContentStore, PutOptions, PutResult } from '../content/types.js';

/**
 * Files up to this size (one 256 KiB chunk: a single block) are read whole and stored with others in one
 * `putMany`; larger ones stream through `put`, whose writer thread hashes and writes their leaves.
 */
export const SMALL_FILE_BYTES = 256 << 10;
/** Payloads per `putMany`: a round of fsyncs shared by this many files and their metadata. */
const BATCH_PAYLOADS = 128;
const BATCH_BYTES = 16 << 20;
/** Batches stored at once: one is written while the next is being filled. */
const IN_FLIGHT = 2;

interface Waiting {
  readonly payloads: readonly Uint8Array[];
  resolve(results: PutResult[]): void;
  reject(err: unknown): void;
}

/**
 * Gathers the small files of a job (each with its metadata) into `putMany` batches, so that their content
 * is made durable in a few shared rounds of fsyncs instead of several per file. Each caller still gets
 * its own results only once its payloads are durable, so nothing names content before it is there. When
 * a batch fails as a whole, its files are put one by one, so that the error is each file's own.
 */
export class SmallPuts {
  readonly #store: ContentStore & Required<Pick<ContentStore, 'putMany'>>;
  readonly #options: Readonly<PutOptions>;
  #current: Waiting[] = [];
  #currentPayloads = 0;
  #currentBytes = 0;
  #inFlight = 0;
  readonly #room: (() => void)[] = [];
  readonly #running = new Set<Promise<void>>();

  private constructor(store: ContentStore & Required<Pick<ContentStore, 'putMany'>>, options: Readonly<PutOptions>) {
    this.#store = store;
    this.#options = options;
  }

  /** Undefined when the store has no `putMany`. */
  static for(store: ContentStore, options: Readonly<PutOptions>): SmallPuts | undefined {
    return typeof store.putMany === 'function'
      ? new SmallPuts(store as ContentStore & Required<Pick<ContentStore, 'putMany'>>, options)
      : undefined;
  }

  /** Resolves once fewer batches are being stored than the bound: callers wait here before reading more. */
  async room(): Promise<void> {
    while (this.#inFlight >= IN_FLIGHT && this.#currentPayloads >= BATCH_PAYLOADS) {
      await new Promise<void>((resolve) => this.#room.push(resolve));
    }
  }

  /** Stores the payloads in the next batch; resolves to their results, in order, once they are durable. */
  put(payloads: readonly Uint8Array[]): Promise<PutResult[]> {
    const done = new Promise<PutResult[]>((resolve, reject) => {
      this.#current.push({ payloads, resolve, reject });
    });
    this.#currentPayloads += payloads.length;
    this.#currentBytes += payloads.reduce((n, p) => n + p.byteLength, 0);
    if (this.#currentPayloads >= BATCH_PAYLOADS || this.#currentBytes >= BATCH_BYTES) this.#send();
    return done;
  }

  /** Sends what is left (a partial batch too, as soon as there is room for it) and waits for every batch. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.#current.length > 0 && this.#inFlight < IN_FLIGHT) this.#send();
      if (this.#running.size === 0 && this.#current.length === 0) return;
      await Promise.race([...this.#running]);
    }
  }

  #send(): void {
    if (this.#inFlight >= IN_FLIGHT) return; // sent when a running batch finishes
    const batch = this.#current;
    this.#current = [];
    this.#currentPayloads = 0;
    this.#currentBytes = 0;
    this.#inFlight++;
    const run = this.#write(batch).finally(() => {
      this.#running.delete(run);
      this.#inFlight--;
      if (this.#currentPayloads >= BATCH_PAYLOADS || this.#currentBytes >= BATCH_BYTES) this.#send();
      for (const wake of this.#room.splice(0)) wake();
    });
    this.#running.add(run);
  }

  async #write(batch: readonly Waiting[]): Promise<void> {
    let results: PutResult[];
    try {
      results = await this.#store.putMany(
        batch.flatMap((w) => w.payloads),
        this.#options,
      );
    } catch {
      for (const w of batch) {
        try {
          const one: PutResult[] = [];
          for (const p of w.payloads) one.push(await this.#store.put(single(p), this.#options));
          w.resolve(one);
        } catch (err) {
          w.reject(err);
        }
      }
      return;
    }
    let at = 0;
    for (const w of batch) {
      w.resolve(results.slice(at, at + w.payloads.length));
      at += w.payloads.length;
    }
  }
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
