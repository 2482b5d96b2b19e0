import Database from 'better-sqlite3';

/**
 * Tells the gateway when the node's index has changed, so that what it read from the index can be reused
 * until then. A read-only connection of its own on the index's SQLite file asks `PRAGMA data_version`,
 * which moves whenever another connection — the node's follower in this process, a CLI or a rebuild in
 * another — commits to the file (WAL included). It costs a couple of microseconds, a small fraction of
 * the reads it saves. This connection never writes and never holds a read transaction open.
 */
export interface IndexWatch {
  /** Changes after every commit to the index by anyone else. */
  version(): number;
  close(): void;
}

/** Undefined for an index that is not a file (`:memory:`): only its own connection can change it. */
export function watchIndex(path: string): IndexWatch | undefined {
  if (path === ':memory:' || path === '') return undefined;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const dataVersion = db.prepare('PRAGMA data_version').pluck();
    return {
      version: () => dataVersion.get() as number,
      close: () => db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
