import { readdir, stat } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import { sha256Hex } from '../../core/digest.js';

export const RESOURCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const SIDECAR_SUFFIX = '.meta.json';
export const RECORDS_SUFFIX = '.records.jsonl';

export function nfc(name: string): string {
  return name.normalize('NFC');
}

/** A relative path written with '/' and NFC, whatever the platform and the file system gave. */
export function toRelPath(root: string, absolute: string): string {
  const rel = absolute.slice(root.length).split(sep).filter(Boolean).join('/');
  return nfc(rel);
}

/**
 * A resource id derived from the relative path, the same on every run and every machine: the path's
 * ASCII letters kept for people to read, plus 12 hex digits of SHA-256 over the NFC path so that paths
 * differing only in non-ASCII characters still get different ids.
 */
export function deriveResourceId(relPath: string): string {
  const name = nfc(relPath);
  const digest = sha256Hex(name).slice(0, 12);
  const slug = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-._]+$/, '')
    .slice(0, 100)
    .replace(/[-._]+$/, '');
  return slug ? `${slug}-${digest}` : `r-${digest}`;
}

/** Picks the resource id: metadata `id`, else the first DC identifier that is a valid id, else derived. */
export function resourceIdFor(metadata: Readonly<Record<string, unknown>>, relPath: string): string {
  if (typeof metadata.id === 'string') return metadata.id;
  const identifiers = Array.isArray(metadata.identifier) ? (metadata.identifier as unknown[]) : [];
  const usable = identifiers.find((value): value is string => typeof value === 'string' && RESOURCE_ID.test(value));
  return usable ?? deriveResourceId(relPath);
}

/**
 * A relative path named in a manifest: '/'-separated, inside the root, NFC. Returns undefined when it is
 * absolute or climbs out of the root.
 */
export function safeRelPath(name: string): string | undefined {
  const normal = posix.normalize(nfc(name).replace(/\\/g, '/'));
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../') || normal === '.' || normal === '')
    return undefined;
  return normal;
}

/**
 * Finds the file a NFC relative path names, even when the file system stores its name in another
 * normalisation (NFD on macOS volumes, for one). Returns the on-disk path or undefined.
 */
export async function resolveOnDisk(root: string, relPath: string): Promise<string | undefined> {
  let current = root;
  for (const segment of relPath.split('/')) {
    const direct = join(current, segment);
    if (await exists(direct)) {
      current = direct;
      continue;
    }
    let entries: string[];
    try {
      entries = await readdir(current);
    } catch {
      return undefined;
    }
    const match = entries.find((entry) => nfc(entry) === segment);
    if (match === undefined) return undefined;
    current = join(current, match);
  }
  return current;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
