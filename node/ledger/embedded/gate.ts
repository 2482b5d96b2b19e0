/**
 * Keeps simulations on a consistent snapshot, as a peer's commit lock does: a block becomes visible to
 * readers (its SQLite COMMIT) only when no simulation is running, and simulations wait while a block is
 * about to become visible (writer preference, so commits cannot starve).
 */
export class SimulationGate {
  #active = 0;
  #commitWaiting: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  async enter(): Promise<void> {
    while (this.#commitWaiting) await this.#commitWaiting;
    this.#active++;
  }

  exit(): void {
    this.#active--;
    if (this.#active === 0 && this.#drained) {
      const drained = this.#drained;
      this.#drained = undefined;
      drained();
    }
  }

  /** Runs `fn` (synchronous) when no simulation is active. */
  async exclusive<T>(fn: () => T): Promise<T> {
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
