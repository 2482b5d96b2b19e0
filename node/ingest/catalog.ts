import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Which resources a source has held: resource id -> relative path, kept per source in
 * `<home>/ingest/sources/<key>.json`. `sync --withdraw-missing` withdraws only what this source once
 * brought in and no longer holds, never another source's resources of the same organisation.
 */
export interface Catalog {
  readonly source: string;
  readonly resources: Readonly<Record<string, string>>;
  /**
   * Indexing record id -> RFC 9162 leaf hash (hex) of what this source anchored. A record not here is new
   * to this source and is anchored without asking the index about it; one here with the same leaf is
   * checked against the index (its proof must be there) before it counts as unchanged.
   */
  readonly records: Readonly<Record<string, string>>;
}

export function catalogPath(home: string, source: string): string {
  const key = createHash('sha256').update(source.normalize('NFC')).digest('hex').slice(0, 16);
  return join(home, 'ingest', 'sources', `${key}.json`);
}

export async function loadCatalog(home: string, source: string): Promise<Catalog> {
  try {
    const value = JSON.parse(await readFile(catalogPath(home, source), 'utf8')) as Partial<Catalog>;
    return { source, resources: value.resources ?? {}, records: value.records ?? {} };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { source, resources: {}, records: {} };
    throw err;
  }
}

/**
 * Written to a temp file, fsynced, renamed: a crash leaves the old catalog or the new one. `records` may be
 * a Map: a job's 170,000 leaves are written from it without first becoming an object's 170,000 members.
 */
export async function saveCatalog(
  home: string,
  catalog: Omit<Catalog, 'records'> & { readonly records: Catalog['records'] | ReadonlyMap<string, string> },
): Promise<void> {
  const path = catalogPath(home, catalog.source);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    const sorted = Object.fromEntries(
      Object.entries(catalog.resources).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    // records unsorted and unindented: 170,000 of them are written once a job
    const records =
      catalog.records instanceof Map
        ? `{${Array.from(catalog.records, ([id, leaf]) => `${jsonString(id)}:${jsonString(leaf)}`).join(',')}}`
        : JSON.stringify(catalog.records);
    await handle.write(
      `{"source":${JSON.stringify(catalog.source)},\n"resources":${JSON.stringify(sorted, null, 1)},\n"records":${records}}\n`,
    );
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** Record ids (A-Z a-z 0-9 . _ : -) and hex leaves need no escaping: quoted as they are, else by JSON.stringify. */
function jsonString(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

const PLAIN = /^[A-Za-z0-9._:-]*$/;
