import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh temporary directory and its removal. */
export async function tempDir(prefix = 'shulian-ingest-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes files (path relative to `root` -> text, bytes, or an object written as JSON). */
export async function writeFiles(
  root: string,
  files: Readonly<Record<string, string | Uint8Array | object>>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    const bytes = typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content);
    await writeFile(path, bytes);
  }
}

/** Metadata for a sidecar. */
export function meta(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: [title], language: ['zh'], class: 'document-scan', ...extra };
}

/** Writes a valid BagIt 1.0 bag with the payload given (paths under data/), sha256 and sha512 manifests. */
export async function writeBag(root: string, payload: Readonly<Record<string, string | object>>): Promise<void> {
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(payload))
    files[`data/${name}`] = typeof content === 'string' ? content : JSON.stringify(content);
  const manifest = (alg: string): string =>
    Object.entries(files)
      .map(([name, text]) => `${createHash(alg).update(text).digest('hex')}  ${name}`)
      .join('\n');
  const octets = Object.values(files).reduce((n, text) => n + Buffer.byteLength(text), 0);
  await writeFiles(root, {
    ...files,
    'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    'bag-info.txt': `Source-Organization: Jilin Provincial Library\nPayload-Oxum: ${octets}.${Object.keys(files).length}\n`,
    'manifest-sha256.txt': `${manifest('sha256')}\n`,
    'manifest-sha512.txt': `${manifest('sha512')}\n`,
  });
  const tag = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt']
    .map((name) => `${createHash('sha256').update(readText(root, name)).digest('hex')}  ${name}`)
    .join('\n');
  await writeFile(join(root, 'tagmanifest-sha256.txt'), `${tag}\n`);
}

function readText(root: string, name: string): Buffer {
  return readFileSync(join(root, name));
}

/** An indexing record line. */
export function record(
  id: string,
  resource: string,
  n: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    resource,
    path: [
      { level: 'chapter', n: 1 },
      { level: 'paragraph', n },
    ],
    textSpan: { start: n * 100, end: n * 100 + 50 },
    keywords: ['吉林'],
    ...extra,
  };
}

export function jsonl(lines: readonly unknown[]): string {
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}
