import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../core/errors.js';

/**
 * The pull's durable state in the warehouse's home: the changes-feed checkpoint (the gateway's opaque
 * cursor), versions still to retry (refused, cut, failed verification), and the receipts already recorded
 * (so a re-run never records a second receipt for a version). Rewritten atomically (temp file, fsync,
 * rename) after every settled version, so a kill -9 loses at most the version in flight, whose partial
 * file resumes.
 */
export interface PendingItem {
  readonly resourceId: string;
  readonly version: number;
  readonly reason: string;
}

export interface JournalState {
  readonly schemaVersion: 1;
  /** Per gateway (its base URL): cursors are only valid at the gateway that issued them. */
  readonly sources: Record<string, { cursor: string | null; pending: Record<string, PendingItem> }>;
  /** `resourceId@version` → the receipt's transaction id. */
  readonly received: Record<string, { cid: string; receiptTxId: string; at: string }>;
}

export class PullJournal {
  readonly path: string;
  #state: JournalState;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, state: JournalState) {
    this.path = path;
    this.#state = state;
  }

  static async open(path: string): Promise<PullJournal> {
    let state: JournalState = { schemaVersion: 1, sources: {}, received: {} };
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as JournalState;
      if (parsed?.schemaVersion !== 1 || typeof parsed.sources !== 'object' || typeof parsed.received !== 'object') {
        throw new ConfigError(`${path}: not a pull journal of this version`, { file: path });
      }
      state = parsed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        if (err instanceof SyntaxError)
          throw new ConfigError(`${path}: the pull journal is not JSON (${err.message})`, { file: path });
        throw err;
      }
    }
    return new PullJournal(path, state);
  }

  source(from: string): { cursor: string | null; pending: Record<string, PendingItem> } {
    this.#state.sources[from] ??= { cursor: null, pending: {} };
    return this.#state.sources[from]!;
  }

  received(key: string): JournalState['received'][string] | undefined {
    return this.#state.received[key];
  }

  markReceived(key: string, entry: JournalState['received'][string]): void {
    this.#state.received[key] = entry;
  }

  /** Writes the state durably; calls are serialised. */
  save(): Promise<void> {
    const text = `${JSON.stringify(this.#state, null, 1)}\n`;
    this.#writing = this.#writing.then(() => writeAtomic(this.path, text));
    return this.#writing;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
