import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ValidationError } from '../../core/errors.js';
import { isBag, validateBag } from './bagit.js';
import { scanDirectory } from './directory.js';
import { scanManifest } from './manifest.js';
import { RECORDS_SUFFIX } from './paths.js';
import type { Failure, ResourceEntry, ScanResult, SourceKind } from './types.js';

export type {
  Failure,
  IndexingRecord,
  Origin,
  ResourceEntry,
  ResourceMetadata,
  ScanResult,
  SourceKind,
} from './types.js';
export { validateBag, isBag, type BagReport, type BagProblem } from './bagit.js';
export { readRecords, type RecordLine } from './records.js';
export { deriveResourceId, resourceIdFor, nfc, RESOURCE_ID, SIDECAR_SUFFIX, RECORDS_SUFFIX } from './paths.js';
export { parseCsv } from './csv.js';
export { validateResourceMetadata, validateIndexingRecord, parseJson } from './documents.js';

/**
 * Which kind of source a path is: a bag (a directory with bagit.txt), a directory with sidecars, a
 * manifest (.csv, or JSON Lines whose first line has "file"), or indexing records (*.records.jsonl, or
 * JSON Lines whose first line has "resource").
 */
export async function detectSource(path: string): Promise<SourceKind> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ValidationError(`${path}: no such file or directory`, { file: path });
  if (info.isDirectory()) return (await isBag(path)) ? 'bag' : 'directory';
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'manifest';
  if (lower.endsWith(RECORDS_SUFFIX)) return 'records';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) {
    const first = await firstLine(path);
    try {
      const value = JSON.parse(first) as Record<string, unknown>;
      if (value && typeof value === 'object' && 'file' in value) return 'manifest';
      if (value && typeof value === 'object' && 'resource' in value) return 'records';
    } catch {
      // fall through to the error below
    }
    throw new ValidationError(
      `${path}:1: expected a manifest line {"file", "metadata"} or an indexing record {"id", "resource", ...}`,
      { file: path, line: 1 },
    );
  }
  throw new ValidationError(
    `${path}: expected a directory, a BagIt bag, a .csv or .jsonl manifest, or a .records.jsonl file`,
    { file: path },
  );
}

/** Scans a source: every resource with validated metadata, every records file, every failure. */
export async function scanSource(sourcePath: string): Promise<ScanResult> {
  const source = resolve(sourcePath);
  const kind = await detectSource(source);
  switch (kind) {
    case 'directory': {
      const found = await scanDirectory(source);
      return { kind, source, root: source, ...found };
    }
    case 'bag': {
      await validateBag(source);
      const root = resolve(source, 'data');
      const found = await scanDirectory(root);
      return { kind, source, root, ...found };
    }
    case 'manifest': {
      const found = await scanManifest(source);
      return {
        kind,
        source,
        root: dirname(source),
        resources: found.resources,
        recordFiles: [],
        failures: found.failures,
        paths: found.paths,
      };
    }
    case 'records':
      return {
        kind,
        source,
        root: dirname(source),
        resources: [],
        recordFiles: [source],
        failures: [],
        paths: new Set(),
      };
  }
}

/** Two entries claiming one resource id: the first keeps it, the others fail. */
export function rejectDuplicateIds(resources: readonly ResourceEntry[]): {
  resources: ResourceEntry[];
  failures: Failure[];
} {
  const first = new Map<string, ResourceEntry>();
  const failures: Failure[] = [];
  const kept: ResourceEntry[] = [];
  for (const entry of resources) {
    const other = first.get(entry.resourceId);
    if (other) {
      failures.push({
        file: entry.origin.file,
        ...(entry.origin.line === undefined ? {} : { line: entry.origin.line }),
        resourceId: entry.resourceId,
        code: 'VALIDATION',
        reason: `${entry.relPath}: resource id ${entry.resourceId} is already used by ${other.relPath}`,
      });
    } else {
      first.set(entry.resourceId, entry);
      kept.push(entry);
    }
  }
  return { resources: kept, failures };
}

export function shownName(root: string, absolute: string): string {
  return absolute.startsWith(`${root}/`) ? absolute.slice(root.length + 1) : basename(absolute);
}

async function firstLine(path: string): Promise<string> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line.trim() !== '') return line.replace(/^\uFEFF/, '');
    return '';
  } finally {
    lines.close();
  }
}
