/**
 * Fixed slots in one SharedArrayBuffer, handed between the main thread and one worker: the main thread
 * copies a chunk into a free slot and posts the slot's index; the worker hands the index back when done.
 * Memory stays at the ring's size however fast producers are, and nothing is structured-cloned.
 *
 * The ring is made once per worker pool and lives as long as the process: a worker keeps its view of a
 * SharedArrayBuffer until its own GC runs, which a worker that allocates little hardly ever does.
 */
export class SlotRing {
  readonly slotSize: number;
  readonly buffer: SharedArrayBuffer;
  readonly #bytes: Uint8Array;
  readonly #slots: number;
  #free: number[];
  /** Waiting for a slot, first come first served; a freed slot goes straight to the first. */
  #waiters: { resolve(index: number): void; reject(err: Error): void }[] = [];

  constructor(slotSize: number, slots: number) {
    this.slotSize = slotSize;
    this.#slots = slots;
    this.buffer = new SharedArrayBuffer(slotSize * slots);
    this.#bytes = new Uint8Array(this.buffer);
    this.#free = allSlots(slots);
  }

  /** A free slot now, or undefined (never jumps the queue). */
  take(): number | undefined {
    return this.#waiters.length === 0 ? this.#free.pop() : undefined;
  }

  acquire(): Promise<number> {
    const index = this.take();
    if (index !== undefined) return Promise.resolve(index);
    return new Promise<number>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  release(index: number): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(index);
    else this.#free.push(index);
  }

  /** Copies `piece` into slot `index` at `offset` (it must fit the slot). */
  fill(index: number, piece: Uint8Array, offset = 0): void {
    if (offset + piece.byteLength > this.slotSize) throw new RangeError('a piece does not fit its ring slot');
    this.#bytes.set(piece, index * this.slotSize + offset);
  }

  /** After the worker died with whatever slots it held: every slot is free again and every waiter fails. */
  reset(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#free = allSlots(this.#slots);
    for (const waiter of waiters) waiter.reject(error);
  }
}

function allSlots(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
