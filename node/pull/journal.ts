import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/**
 * The pull's durable state in the warehouse's home: the changes-feed checkpoint (the gateway's opaque
 * cursor) and the versions still to retry (refused, cut, failed verification) in `journal.json`, rewritten
 * atomically (temp file, fsync, rename) after every settled version; and the receipts already recorded, one
 * line each, appended and fsynced to `received.jsonl` (it grows with the collection, so it is never
 * rewritten; a line torn by a crash is ignored). A kill -9 loses at most the version in flight, whose
 * partial file resumes.
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
}

export interface ReceivedEntry {
  readonly cid: string;
  readonly receiptTxId: string;
  readonly at: string;
}

export class PullJournal {
  readonly path: string;
  readonly receivedPath: string;
  #state: JournalState;
  readonly #received: Map<string, ReceivedEntry>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, state: JournalState, received: Map<string, ReceivedEntry>) {
    this.path = path;
    this.receivedPath = receivedFile(path);
    this.#state = state;
    this.#received = received;
  }

  static async open(path: string): Promise<PullJournal> {
    let state: JournalState = { schemaVersion: 1, sources: {} };
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as JournalState;
      if (parsed?.schemaVersion !== 1 || typeof parsed.sources !== 'object') {
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
    return new PullJournal(path, state, await readReceived(receivedFile(path)));
  }

  source(from: string): { cursor: string | null; pending: Record<string, PendingItem> } {
    this.#state.sources[from] ??= { cursor: null, pending: {} };
    return this.#state.sources[from]!;
  }

  received(key: string): ReceivedEntry | undefined {
    return this.#received.get(key);
  }

  /** Durably records a version as received (serialised with the other writes). */
  markReceived(key: string, entry: ReceivedEntry): Promise<void> {
    this.#received.set(key, entry);
    const line = `${JSON.stringify({ key, ...entry })}\n`;
    this.#writing = this.#writing.then(() => appendDurably(this.receivedPath, line));
    return this.#writing;
  }

  /** Writes the state durably; calls are serialised. */
  save(): Promise<void> {
    const text = `${JSON.stringify(this.#state, null, 1)}\n`;
    this.#writing = this.#writing.then(() => writeAtomic(this.path, text));
    return this.#writing;
  }
}

function receivedFile(journalPath: string): string {
  return join(dirname(journalPath), 'received.jsonl');
}

async function readReceived(path: string): Promise<Map<string, ReceivedEntry>> {
  const map = new Map<string, ReceivedEntry>();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return map;
    throw err;
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as { key?: unknown; cid?: unknown; receiptTxId?: unknown; at?: unknown };
      if (
        typeof e.key === 'string' &&
        typeof e.cid === 'string' &&
        typeof e.receiptTxId === 'string' &&
        typeof e.at === 'string'
      ) {
        map.set(e.key, { cid: e.cid, receiptTxId: e.receiptTxId, at: e.at });
      }
    } catch {
      // a line torn by a crash mid-append: that version's receipt was not recorded as received
    }
  }
  return map;
}

async function appendDurably(path: string, line: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'a+', 0o600);
  try {
    // a torn previous line must not swallow this one
    const size = (await fh.stat()).size;
    let torn = false;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      torn = last[0] !== 0x0a;
    }
    await fh.appendFile(torn ? `\n${line}` : line);
    await fh.sync();
  } finally {
    await fh.close();
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
