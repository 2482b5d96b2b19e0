import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { parseJson, toFailure, validateResourceMetadata } from './documents.js';
import { RECORDS_SUFFIX, SIDECAR_SUFFIX, nfc, resourceIdFor } from './paths.js';
import type { Failure, ResourceEntry } from './types.js';

interface Listed {
  readonly path: string;
  readonly relPath: string;
  readonly size: number;
}

/**
 * A directory tree whose payload files carry sidecars: `X.meta.json` beside `X`. Files named
 * `*.records.jsonl` are indexing records. Names starting with a dot are skipped (.DS_Store, .git).
 */
export async function scanDirectory(
  root: string,
  options: Readonly<{ exclude?: ReadonlySet<string>; relBase?: string }> = {},
): Promise<{ resources: ResourceEntry[]; recordFiles: string[]; failures: Failure[]; paths: Set<string> }> {
  const failures: Failure[] = [];
  const paths = new Set<string>();
  const files = await listFiles(root, '', failures, options.exclude ?? new Set(), paths);
  const byName = new Map(files.map((file) => [file.relPath, file]));
  const base = options.relBase ?? '';
  const resources: ResourceEntry[] = [];
  const recordFiles: string[] = [];
  for (const file of files) {
    paths.add(base + file.relPath);
    const shown = base + file.relPath;
    if (file.relPath.endsWith(RECORDS_SUFFIX)) {
      recordFiles.push(file.path);
      continue;
    }
    if (file.relPath.endsWith(SIDECAR_SUFFIX)) {
      if (!byName.has(file.relPath.slice(0, -SIDECAR_SUFFIX.length))) {
        failures.push({
          file: shown,
          code: 'VALIDATION',
          reason: `${shown}: a sidecar without its file ${shown.slice(0, -SIDECAR_SUFFIX.length)}`,
        });
      }
      continue;
    }
    const sidecar = byName.get(file.relPath + SIDECAR_SUFFIX);
    if (!sidecar) {
      failures.push({
        file: shown,
        code: 'VALIDATION',
        reason: `${shown}: no metadata (expected a sidecar ${shown}${SIDECAR_SUFFIX})`,
      });
      continue;
    }
    const sidecarName = base + sidecar.relPath;
    try {
      const metadata = validateResourceMetadata(
        parseJson(await readFile(sidecar.path, 'utf8'), { file: sidecarName }),
        {
          file: sidecarName,
        },
      );
      resources.push({
        resourceId: resourceIdFor(metadata, shown),
        path: file.path,
        relPath: shown,
        size: file.size,
        metadata,
        origin: { file: sidecarName },
      });
    } catch (err) {
      failures.push(toFailure(err, { file: sidecarName }));
    }
  }
  return { resources, recordFiles, failures, paths };
}

/** Lists regular files; `seen` also gets the names refused for an NFC clash (they are still there). */
async function listFiles(
  root: string,
  rel: string,
  failures: Failure[],
  exclude: ReadonlySet<string>,
  seen: Set<string>,
): Promise<Listed[]> {
  const dir = rel ? join(root, rel) : root;
  const entries = await readdir(dir, { withFileTypes: true });
  // Two names that differ on disk but normalise to the same NFC name would be one resource: refuse both.
  const groups = new Map<string, typeof entries>();
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const key = nfc(entry.name);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const names = [...groups.keys()].sort();
  const out: Listed[] = [];
  for (const name of names) {
    const group = groups.get(name) ?? [];
    const relPath = rel ? `${nfc(rel).split(/[\\/]/).join('/')}/${name}` : name;
    if (exclude.has(relPath)) continue;
    if (group.length > 1) {
      seen.add(relPath);
      failures.push({
        file: relPath,
        code: 'VALIDATION',
        reason: `${relPath}: ${group.length} names on disk normalise to the same Unicode NFC name`,
      });
      continue;
    }
    const entry = group[0];
    if (!entry) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await listFiles(root, rel ? join(rel, entry.name) : entry.name, failures, exclude, seen)));
    } else if (entry.isFile()) {
      out.push({ path, relPath, size: (await stat(path)).size });
    } else {
      failures.push({
        file: relPath,
        code: 'VALIDATION',
        reason: `${relPath}: not a regular file (symbolic links and devices are not ingested)`,
      });
    }
  }
  return out;
}

export async function assertDirectory(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) throw new ValidationError(`${path}: expected a directory`, { file: path });
}
