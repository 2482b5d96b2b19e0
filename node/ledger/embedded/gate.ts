/**
 * Runs simulations (endorsements) one at a time, in arrival order, and keeps each on a consistent
 * snapshot, as a peer's commit lock does. The chaincode does no I/O of its own (every stub read is a
 * synchronous SQLite read), so running simulations one at a time costs nothing, and each is done, and
 * can be ordered, as soon as its own work is: run side by side, every proposal of a burst would finish
 * together at its end, and none could go into a block that is written while the rest are endorsed.
 *
 * A simulation reads through one read transaction, opened when it enters and closed when it leaves
 * (`onEnter`, `onLeave`), so a block the committer thread writes meanwhile stays invisible to it. Once a
 * block is committed, `exclusive` waits for the simulation in progress to leave and goes before those
 * waiting, so that every simulation started after its submits resolve sees the block.
 */
export class SimulationGate {
  readonly #onEnter: () => void;
  readonly #onLeave: () => void;
  /** A simulation or an exclusive section holds the gate. */
  #held = false;
  /** The read transaction is open (kept from one simulation to the next while they follow each other). */
  #reading = false;
  /** Waiting for the gate; exclusive sections are put first. */
  readonly #waiting: { readonly exclusive: boolean; readonly go: () => void }[] = [];

  constructor(hooks: Readonly<{ onEnter: () => void; onLeave: () => void }> = { onEnter() {}, onLeave() {} }) {
    this.#onEnter = hooks.onEnter;
    this.#onLeave = hooks.onLeave;
  }

  async enter(): Promise<void> {
    await this.#acquire(false);
    if (this.#reading) return;
    try {
      this.#onEnter();
      this.#reading = true;
    } catch (err) {
      this.#release();
      throw err;
    }
  }

  exit(): void {
    const next = this.#waiting[0];
    if (next === undefined || next.exclusive) {
      try {
        this.#reading = false;
        this.#onLeave();
      } finally {
        this.#release();
      }
    } else this.#release();
  }

  /** Runs `fn` (synchronous) when no simulation is in progress. */
  async exclusive<T>(fn: () => T): Promise<T> {
    await this.#acquire(true);
    try {
      return fn();
    } finally {
      this.#release();
    }
  }

  #acquire(exclusive: boolean): Promise<void> | undefined {
    if (!this.#held) {
      this.#held = true;
      return undefined;
    }
    return new Promise<void>((go) => {
      if (exclusive) this.#waiting.unshift({ exclusive, go });
      else this.#waiting.push({ exclusive, go });
    });
  }

  /** Hands the gate to the next in line (it stays held), or frees it. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next) next.go();
    else this.#held = false;
  }
}
