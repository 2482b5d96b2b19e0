import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Moves bytes that failed verification out of the way, under `<home>/quarantine/`, with a reason file
 * beside them: they are never put in the content store, and an operator can inspect them.
 */
export async function quarantine(
  dir: string,
  partPath: string,
  item: Readonly<{ resourceId: string; version: number; reason: string; expected: unknown; source: string }>,
): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(partPath)).size;
  } catch {
    return undefined;
  }
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = join(dir, `${safe(item.resourceId)}@${item.version}.${stamp}`);
  await writeFile(
    `${base}.reason.json`,
    `${JSON.stringify({ resourceId: item.resourceId, version: item.version, reason: item.reason, bytes: size, expected: item.expected, source: item.source, at: new Date().toISOString() }, null, 2)}\n`,
  );
  await rename(partPath, `${base}.bin`);
  return `${base}.bin`;
}

/** Resource ids are [A-Za-z0-9._:-]; ':' is kept out of file names. */
export function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}
