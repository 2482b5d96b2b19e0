import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from './blockstore.js';

/**
 * Coordinates puts with gc/remove across processes (the node and `shulian content gc` may share a store).
 *
 * Puts are readers: while any runs, a process keeps a marker file `pending/<pid>-<id>`. gc and remove are
 * the writer: they create `gc.lock` exclusively, then wait until no live process has a marker. A put
 * publishes its marker *before* checking for `gc.lock`, and gc creates `gc.lock` *before* looking for
 * markers, so one of the two always sees the other. New puts wait while `gc.lock` is held, so gc cannot
 * starve. Markers and locks of dead processes (a put killed mid-way) are stale and are cleared.
 */
export class StoreLocks {
  readonly #pendingDir: string;
  readonly #lockPath: string;
  readonly #marker: string;
  #active = 0;
  #chain: Promise<unknown> = Promise.resolve();
  /** The marker outlives the last put briefly, so that a run of small puts does not create and delete it each time. */
  #markerPresent = false;
  #linger: NodeJS.Timeout | undefined;

  constructor(root: string) {
    this.#pendingDir = join(root, 'pending');
    this.#lockPath = join(root, 'gc.lock');
    this.#marker = join(this.#pendingDir, `${process.pid}-${randomBytes(4).toString('hex')}`);
  }

  async init(): Promise<void> {
    await mkdir(this.#pendingDir, { recursive: true });
  }

  /** Registers a put; resolves to its release function. Waits while gc or remove runs. */
  async enterPut(signal?: AbortSignal): Promise<() => Promise<void>> {
    for (;;) {
      while (await this.#gcHeld()) {
        signal?.throwIfAborted();
        await sleep(POLL_MS);
      }
      await this.#serial(async () => {
        this.#active++;
        if (this.#linger) clearTimeout(this.#linger);
        this.#linger = undefined;
        if (!this.#markerPresent) {
          await writeFile(this.#marker, String(process.pid));
          this.#markerPresent = true;
        }
      });
      if (!(await this.#gcHeld())) {
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          await this.#leave();
        };
      }
      await this.#leave();
    }
  }

  /** Runs `fn` with no put running anywhere on this store, and no other gc/remove. */
  async exclusive<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquireLock(signal);
    await this.#dropIdleMarker();
    try {
      await this.#waitForPuts(signal);
      return await fn();
    } finally {
      await rm(this.#lockPath, { force: true });
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  #leave(): Promise<void> {
    return this.#serial(async () => {
      if (--this.#active > 0) return;
      this.#linger = setTimeout(() => void this.#dropIdleMarker(), LINGER_MS);
      this.#linger.unref();
    });
  }

  #dropIdleMarker(): Promise<void> {
    return this.#serial(async () => {
      if (this.#active > 0 || !this.#markerPresent) return;
      if (this.#linger) clearTimeout(this.#linger);
      this.#linger = undefined;
      await rm(this.#marker, { force: true });
      this.#markerPresent = false;
    });
  }

  /** Removes this instance's marker (when no put runs). */
  async close(): Promise<void> {
    await this.#dropIdleMarker();
  }

  async #gcHeld(): Promise<boolean> {
    const owner = await readPid(this.#lockPath);
    if (owner === undefined) return false;
    if (isAlive(owner)) return true;
    await rm(this.#lockPath, { force: true }); // left by a killed gc
    return false;
  }

  async #acquireLock(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      try {
        await writeFile(this.#lockPath, String(process.pid), { flag: 'wx' });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = await readPid(this.#lockPath);
      if (owner !== undefined && !isAlive(owner)) await rm(this.#lockPath, { force: true });
      else await sleep(POLL_MS);
    }
  }

  async #waitForPuts(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      let live = 0;
      for (const name of await listDir(this.#pendingDir)) {
        const pid = Number.parseInt(name, 10);
        if (Number.isSafeInteger(pid) && isAlive(pid)) live++;
        else await rm(join(this.#pendingDir, name), { force: true });
      }
      if (live === 0) return;
      await sleep(POLL_MS);
    }
  }
}

const POLL_MS = 20;
const LINGER_MS = 250;

async function readPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    // A lock file caught between create and write reads as empty: treat it as held by a live owner.
    return Number.isSafeInteger(pid) ? pid : process.pid;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}
