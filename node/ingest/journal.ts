import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../core/errors.js';

/** One journal line. `t` says what happened; the rest depends on it. */
export interface JournalEntry {
  readonly t: string;
  readonly [key: string]: unknown;
}

export interface OpenJournal {
  readonly journal: Journal;
  /** Entries left by an earlier, unfinished run of the same job (empty for a fresh job). */
  readonly previous: readonly JournalEntry[];
}

/** The job id for a source: the same source always maps to the same job, so a re-run resumes it. */
export function jobIdFor(source: string): string {
  return `job-${createHash('sha256').update(source.normalize('NFC')).digest('hex').slice(0, 16)}`;
}

/**
 * An append-only JSON Lines journal, `<home>/journal/<job>.jsonl`, that lets a job killed at any
 * moment (kill -9 included) be finished by running it again.
 *
 * Lines are buffered by `append` and written with one fsync by `flush`: callers flush before every
 * ledger submission, so the intent to submit is on disk before the transaction can exist (a crash
 * between submit and ack is then recognised on the re-run). A line torn by a crash is dropped when the
 * journal is reopened. A finished job's journal is moved to `journal/done/`. A lock file with the pid
 * keeps two runs of one job apart; a lock left by a killed process is taken over.
 */
export class Journal {
  readonly path: string;
  readonly jobId: string;
  readonly #handle: FileHandle;
  readonly #lockPath: string;
  readonly #dir: string;
  #buffer: string[] = [];
  #closed = false;

  private constructor(dir: string, jobId: string, handle: FileHandle, lockPath: string) {
    this.#dir = dir;
    this.jobId = jobId;
    this.path = join(dir, `${jobId}.jsonl`);
    this.#handle = handle;
    this.#lockPath = lockPath;
  }

  static async open(home: string, jobId: string): Promise<OpenJournal> {
    const dir = join(home, 'journal');
    await mkdir(join(dir, 'done'), { recursive: true });
    const lockPath = join(dir, `${jobId}.lock`);
    await takeLock(lockPath, jobId);
    const path = join(dir, `${jobId}.jsonl`);
    let previous: JournalEntry[] = [];
    let validLength = 0;
    try {
      const text = await readFile(path, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      validLength = Buffer.byteLength(text.slice(0, end));
      previous = text
        .slice(0, end)
        .split('\n')
        .filter((line) => line !== '')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as JournalEntry];
          } catch {
            return [];
          }
        });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const handle = await open(path, 'a+');
    try {
      // drop a line a crash tore in half, so the next append starts on a line of its own
      if ((await handle.stat()).size !== validLength) {
        await handle.truncate(validLength);
        await handle.sync();
      }
      if (previous.length === 0) await syncDir(dir);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return { journal: new Journal(dir, jobId, handle, lockPath), previous };
  }

  /** Buffers a line; it reaches the disk with the next `flush`. */
  append(entry: JournalEntry): void {
    if (this.#closed) throw new Error(`journal ${this.jobId} is closed`);
    this.#buffer.push(`${JSON.stringify(entry)}\n`);
  }

  /** Writes the buffered lines and fsyncs them. */
  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const text = this.#buffer.join('');
    this.#buffer = [];
    await this.#handle.write(text);
    await this.#handle.datasync();
  }

  /** append + flush. */
  async record(entry: JournalEntry): Promise<void> {
    this.append(entry);
    await this.flush();
  }

  /** Marks the job done and moves its journal to `journal/done/<job>-<time>.jsonl`. */
  async complete(entry: JournalEntry): Promise<string> {
    await this.record(entry);
    const done = join(this.#dir, 'done', `${this.jobId}-${new Date().toISOString().replace(/[:.]/g, '')}.jsonl`);
    await this.close();
    await rename(this.path, done);
    await syncDir(this.#dir);
    return done;
  }

  /** Closes without completing: the next run of the job resumes from here. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      await this.#handle.close();
      await unlink(this.#lockPath).catch(() => undefined);
    }
  }
}

async function takeLock(lockPath: string, jobId: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.write(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && alive(pid)) {
        throw new ConflictError(`job ${jobId} is already running (pid ${pid}); wait for it or stop it`, {
          file: lockPath,
        });
      }
      // the owner is gone (killed): take the lock over
      await unlink(lockPath).catch(() => undefined);
    }
  }
  throw new ConflictError(`could not lock job ${jobId}`, { file: lockPath });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
