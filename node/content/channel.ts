/**
 * A bounded single-consumer channel: what one pass over a stream uses to feed a second consumer (a Kubo
 * upload) while the first (local hashing) reads it. `push` waits while `capacity` chunks are queued.
 */
export class Channel<T> implements AsyncIterable<T> {
  readonly #queue: T[] = [];
  readonly #capacity: number;
  #ended = false;
  #error: unknown;
  #failed = false;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  constructor(capacity = 8) {
    this.#capacity = capacity;
  }

  async push(value: T): Promise<void> {
    while (this.#queue.length >= this.#capacity && !this.#ended && !this.#failed) {
      await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
    }
    if (this.#ended || this.#failed) return; // the reader has gone; the caller learns why elsewhere
    this.#queue.push(value);
    this.#wake();
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failed = true;
    this.#error = error;
    this.#wake();
  }

  #wake(): void {
    const r = this.#wakeReader;
    this.#wakeReader = undefined;
    r?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        if (this.#failed) throw this.#error;
        const value = this.#queue.shift();
        if (value !== undefined) {
          const w = this.#wakeWriter;
          this.#wakeWriter = undefined;
          w?.();
          yield value;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => (this.#wakeReader = resolve));
      }
    } finally {
      // The reader stopped (done, failed or broke off): release a waiting writer for good.
      this.#ended = true;
      const w = this.#wakeWriter;
      this.#wakeWriter = undefined;
      w?.();
    }
  }
}

/** Passes `source` through while copying every chunk into `channel`; ends or fails the channel with it. */
export async function* teeInto<T>(source: AsyncIterable<T> | Iterable<T>, channel: Channel<T>): AsyncGenerator<T> {
  try {
    for await (const chunk of source) {
      await channel.push(chunk);
      yield chunk;
    }
    channel.end();
  } catch (err) {
    channel.fail(err);
    throw err;
  } finally {
    channel.fail(new Error('the source was abandoned'));
  }
}
