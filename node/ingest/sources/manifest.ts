import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { validationError } from '../schemas.js';
import { parseCsv } from './csv.js';
import { parseJson, toFailure, validateResourceMetadata } from './documents.js';
import { resolveOnDisk, resourceIdFor, safeRelPath } from './paths.js';
import type { Failure, ResourceEntry } from './types.js';
import { DC_ELEMENTS } from '../dublin-core.js';

/** DC elements and other list-valued fields: in CSV, several values are separated by `|`. */
const LIST_COLUMNS = new Set<string>([...DC_ELEMENTS, 'theme', 'derivedFrom']);
const SCALAR_COLUMNS = new Set(['id', 'class', 'identifiers.cdoi', 'identifiers.isbn', 'identifiers.callNumber']);
const JSON_COLUMNS = new Set(['toc']);

/**
 * A manifest naming files and their metadata, paths relative to the manifest's directory.
 * CSV: a header row with `file` and metadata columns (list values separated by `|`, `identifiers.isbn`
 * style for nested fields, `toc` as JSON). JSON Lines: one `{"file": ..., "metadata": {...}}` per line.
 */
export async function scanManifest(
  manifest: string,
): Promise<{ resources: ResourceEntry[]; failures: Failure[]; paths: Set<string> }> {
  const root = dirname(manifest);
  const name = basename(manifest);
  const rows = manifest.toLowerCase().endsWith('.csv')
    ? await csvRows(manifest, name)
    : await jsonlRows(manifest, name);
  const resources: ResourceEntry[] = [];
  const failures: Failure[] = [...rows.failures];
  const paths = new Set<string>();
  for (const row of rows.rows) {
    const where = { file: name, line: row.line };
    try {
      const relPath = typeof row.file === 'string' ? safeRelPath(row.file) : undefined;
      if (relPath !== undefined) paths.add(relPath);
      if (relPath === undefined) {
        throw validationError([{ pointer: '/file', expected: 'a relative path inside the manifest directory' }], where);
      }
      const metadata = validateResourceMetadata(row.metadata, { ...where, pointerPrefix: row.prefix });
      const path = await resolveOnDisk(root, relPath);
      const info = path === undefined ? undefined : await stat(path).catch(() => undefined);
      if (path === undefined || !info?.isFile()) {
        throw validationError([{ pointer: '/file', expected: `an existing file (${relPath} not found)` }], where);
      }
      resources.push({
        resourceId: resourceIdFor(metadata, relPath),
        path,
        relPath,
        size: info.size,
        metadata,
        origin: where,
      });
    } catch (err) {
      failures.push(toFailure(err, where));
    }
  }
  failures.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { resources, failures, paths };
}

interface Row {
  readonly line: number;
  readonly file: unknown;
  readonly metadata: unknown;
  readonly prefix: string;
}

async function jsonlRows(path: string, name: string): Promise<{ rows: Row[]; failures: Failure[] }> {
  const rows: Row[] = [];
  const failures: Failure[] = [];
  let line = 0;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    const where = { file: name, line };
    try {
      const value = parseJson(text, where);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw validationError([{ pointer: '', expected: 'an object {"file": ..., "metadata": {...}}' }], where);
      }
      const { file, metadata, ...rest } = value as Record<string, unknown>;
      const extra = Object.keys(rest)[0];
      if (extra !== undefined)
        throw validationError(
          [{ pointer: `/${extra}`, expected: 'no such property (allowed: file, metadata)' }],
          where,
        );
      if (metadata === undefined)
        throw validationError([{ pointer: '/metadata', expected: 'this required property' }], where);
      rows.push({ line, file, metadata, prefix: '/metadata' });
    } catch (err) {
      failures.push(toFailure(err, where));
    }
  }
  return { rows, failures };
}

async function csvRows(path: string, name: string): Promise<{ rows: Row[]; failures: Failure[] }> {
  const [header, ...body] = parseCsv(await readFile(path, 'utf8'), name);
  if (!header)
    throw validationError([{ pointer: '', expected: 'a header row naming the columns (file, title, ...)' }], {
      file: name,
      line: 1,
    });
  const columns = header.cells.map((cell) => cell.trim());
  const unknown = columns.find(
    (c) => c !== 'file' && !LIST_COLUMNS.has(c) && !SCALAR_COLUMNS.has(c) && !JSON_COLUMNS.has(c),
  );
  if (unknown !== undefined) {
    throw validationError(
      [
        {
          pointer: `/${unknown}`,
          expected: `a known column (file, ${[...LIST_COLUMNS, ...SCALAR_COLUMNS, ...JSON_COLUMNS].join(', ')})`,
        },
      ],
      { file: name, line: header.line },
    );
  }
  if (!columns.includes('file'))
    throw validationError([{ pointer: '/file', expected: 'a file column' }], { file: name, line: header.line });
  const rows: Row[] = [];
  const failures: Failure[] = [];
  for (const row of body) {
    const where = { file: name, line: row.line };
    try {
      if (row.cells.length !== columns.length) {
        throw validationError(
          [{ pointer: '', expected: `${columns.length} cells as in the header, got ${row.cells.length}` }],
          where,
        );
      }
      const metadata: Record<string, unknown> = {};
      let file: string | undefined;
      columns.forEach((column, i) => {
        const cell = (row.cells[i] ?? '').trim();
        if (cell === '') return;
        if (column === 'file') file = cell;
        else if (LIST_COLUMNS.has(column))
          metadata[column] = cell
            .split('|')
            .map((v) => v.trim())
            .filter(Boolean);
        else if (JSON_COLUMNS.has(column))
          metadata[column] = parseJson(cell, { ...where, pointerPrefix: `/${column}` });
        else if (column.startsWith('identifiers.')) {
          const identifiers = (metadata.identifiers ??= {}) as Record<string, string>;
          identifiers[column.slice('identifiers.'.length)] = cell;
        } else metadata[column] = cell;
      });
      rows.push({ line: row.line, file, metadata, prefix: '' });
    } catch (err) {
      failures.push(toFailure(err, where));
    }
  }
  return { rows, failures };
}
