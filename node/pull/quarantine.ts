import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Records a version that failed verification under `<home>/quarantine/`: a reason file always, and the
 * bytes received, if any, moved beside it (`.bin`), never into the content store. Returns the reason
 * file's path.
 */
export async function quarantine(
  dir: string,
  partPath: string,
  item: Readonly<{ resourceId: string; version: number; reason: string; expected: unknown; source: string }>,
): Promise<string> {
  let size = 0;
  try {
    size = (await stat(partPath)).size;
  } catch {
    size = -1;
  }
  await mkdir(dir, { recursive: true });
  const at = new Date().toISOString();
  const base = join(dir, `${safe(item.resourceId)}@${item.version}.${at.replace(/[:.]/g, '-')}`);
  if (size >= 0) await rename(partPath, `${base}.bin`);
  const reasonFile = `${base}.reason.json`;
  await writeFile(
    reasonFile,
    `${JSON.stringify(
      {
        resourceId: item.resourceId,
        version: item.version,
        reason: item.reason,
        bytesReceived: Math.max(0, size),
        bytesFile: size >= 0 ? `${base}.bin` : null,
        expected: item.expected,
        source: item.source,
        at,
      },
      null,
      2,
    )}\n`,
  );
  return reasonFile;
}

/** Resource ids are [A-Za-z0-9._:-]; ':' is kept out of file names. */
export function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}
