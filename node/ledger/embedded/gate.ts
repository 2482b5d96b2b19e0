/**
 * Keeps simulations on a consistent snapshot, as a peer's commit lock does. Simulations read through one
 * read transaction, opened when the first of them enters and closed when the last leaves (`onFirst`,
 * `onLast`), so a block the committer thread writes meanwhile stays invisible to them. Once a block is
 * committed, `exclusive` waits for the simulations in progress to leave (writer preference: new ones
 * wait meanwhile), so that every simulation started after its submits resolve sees the block.
 */
export class SimulationGate {
  readonly #onFirst: () => void;
  readonly #onLast: () => void;
  #active = 0;
  #commitWaiting: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(hooks: Readonly<{ onFirst: () => void; onLast: () => void }> = { onFirst() {}, onLast() {} }) {
    this.#onFirst = hooks.onFirst;
    this.#onLast = hooks.onLast;
  }

  async enter(): Promise<void> {
    while (this.#commitWaiting) await this.#commitWaiting;
    if (this.#active++ === 0) this.#onFirst();
  }

  exit(): void {
    if (--this.#active > 0) return;
    this.#onLast();
    if (this.#drained) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }

  /** Runs `fn` (synchronous) when no simulation is active. */
  async exclusive<T>(fn: () => T): Promise<T> {
    // one block at a time reaches this point (the runtime commits blocks in order), but be safe
    while (this.#commitWaiting) await this.#commitWaiting;
    let release!: () => void;
    const waiting = new Promise<void>((r) => (release = r));
    this.#commitWaiting = waiting;
    try {
      if (this.#active > 0) await new Promise<void>((r) => (this.#drained = r));
      return fn();
    } finally {
      this.#commitWaiting = undefined;
      release();
    }
  }
}
