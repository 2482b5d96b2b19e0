import Database from 'better-sqlite3';

/** Every row of every table of an index file, in a stable order: two indexes are equal when dumps are. */
export function dumpIndex(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      const cols = (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[])
        .map((c) => c.name)
        .filter((c) => c !== 'doc_id');
      out[t] = db.prepare(`SELECT ${cols.join(', ')} FROM ${t} ORDER BY ${cols.join(', ')}`).all();
    }
    return out;
  } finally {
    db.close();
  }
}
