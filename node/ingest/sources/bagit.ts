import { createHash, getHashes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import { nfc } from './paths.js';

/** Manifest algorithms we can check (RFC 8493 section 2.4 names, plus sm3 as our own exports write it). */
const ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512', 'sm3'] as const;

export interface BagProblem {
  readonly file: string;
  readonly line?: number;
  readonly reason: string;
}

export interface BagReport {
  readonly version: string;
  readonly algorithms: readonly string[];
  readonly files: number;
  readonly bytes: number;
  readonly info: Readonly<Record<string, readonly string[]>>;
}

export async function isBag(dir: string): Promise<boolean> {
  return (await stat(join(dir, 'bagit.txt')).catch(() => undefined))?.isFile() === true;
}

/**
 * Validates a BagIt bag (RFC 8493) before anything in it is used: bagit.txt, every payload manifest
 * complete in both directions with matching checksums, Payload-Oxum, tag manifests; a fetch.txt with
 * entries is refused (the payload must be all here). Throws one ValidationError listing every problem.
 */
export async function validateBag(dir: string): Promise<BagReport> {
  const problems: BagProblem[] = [];
  const declaration = await readTagFile(dir, 'bagit.txt');
  if (declaration === undefined) throw bagError(dir, [{ file: 'bagit.txt', reason: 'missing' }]);
  const decl = parseTags(declaration, 'bagit.txt', problems);
  const version = decl['BagIt-Version']?.[0] ?? '';
  if (!/^[0-9]+\.[0-9]+$/.test(version))
    problems.push({ file: 'bagit.txt', line: 1, reason: 'expected "BagIt-Version: M.N"' });
  const encoding = decl['Tag-File-Character-Encoding']?.[0];
  if (!encoding || !/^utf-?8$/i.test(encoding)) {
    problems.push({ file: 'bagit.txt', line: 2, reason: 'expected "Tag-File-Character-Encoding: UTF-8"' });
  }

  const top = await readdir(dir);
  const fetch = await readTagFile(dir, 'fetch.txt');
  if (fetch !== undefined && fetch.trim() !== '')
    problems.push({ file: 'fetch.txt', reason: 'fetch.txt lists remote files; expected a complete bag' });

  const payloadFiles = await listPayload(dir);
  const payloadSet = new Set(payloadFiles.keys());
  const manifests = top.filter((name) => /^manifest-[a-z0-9]+\.txt$/.test(name)).sort();
  if (manifests.length === 0)
    problems.push({ file: 'manifest-sha256.txt', reason: 'no payload manifest (manifest-<algorithm>.txt)' });

  const expected = new Map<string, Map<string, { checksum: string; line: number }>>(); // algorithm -> path -> checksum
  for (const manifest of manifests) {
    const algorithm = manifest.slice('manifest-'.length, -'.txt'.length);
    if (!isSupported(algorithm)) {
      problems.push({
        file: manifest,
        reason: `unsupported algorithm ${algorithm} (expected one of ${ALGORITHMS.join(', ')})`,
      });
      continue;
    }
    const entries = parseManifest((await readTagFile(dir, manifest)) ?? '', manifest, problems);
    expected.set(algorithm, entries);
    for (const [path, { line }] of withLines(entries)) {
      if (!payloadSet.has(path))
        problems.push({ file: manifest, line, reason: `lists ${path}, which is not in the payload` });
    }
    for (const path of payloadSet) {
      if (!entries.has(path)) problems.push({ file: manifest, reason: `does not list payload file ${path}` });
    }
  }

  const info = parseTags((await readTagFile(dir, 'bag-info.txt')) ?? '', 'bag-info.txt', problems);
  let bytes = 0;
  for (const { size } of payloadFiles.values()) bytes += size;
  const oxum = info['Payload-Oxum']?.[0];
  if (oxum !== undefined) {
    const match = /^([0-9]+)\.([0-9]+)$/.exec(oxum);
    if (!match) problems.push({ file: 'bag-info.txt', reason: `Payload-Oxum: expected OCTETS.STREAMS, got "${oxum}"` });
    else if (Number(match[1]) !== bytes || Number(match[2]) !== payloadFiles.size) {
      problems.push({
        file: 'bag-info.txt',
        reason: `Payload-Oxum ${oxum} does not match the payload (${bytes}.${payloadFiles.size})`,
      });
    }
  }

  // Checksums last and only when the inventory is right: reading every byte of a bag already known bad is a waste.
  if (problems.length === 0) {
    const algorithms = [...expected.keys()];
    for (const [path, { absolute }] of payloadFiles) {
      const actual = await digestFile(absolute, algorithms);
      for (const algorithm of algorithms) {
        const want = expected.get(algorithm)?.get(path)?.checksum;
        if (want !== undefined && want !== actual[algorithm]) {
          problems.push({
            file: `manifest-${algorithm}.txt`,
            line: expected.get(algorithm)?.get(path)?.line,
            reason: `${path}: ${algorithm} mismatch (manifest ${want}, file ${actual[algorithm]})`,
          });
        }
      }
    }
    for (const tagManifest of top.filter((name) => /^tagmanifest-[a-z0-9]+\.txt$/.test(name)).sort()) {
      const algorithm = tagManifest.slice('tagmanifest-'.length, -'.txt'.length);
      if (!isSupported(algorithm)) continue;
      const entries = parseManifest((await readTagFile(dir, tagManifest)) ?? '', tagManifest, problems);
      for (const [path, { checksum, line }] of entries) {
        const actual = await digestFile(join(dir, path), [algorithm]).catch(() => undefined);
        if (!actual) problems.push({ file: tagManifest, line, reason: `lists ${path}, which does not exist` });
        else if (actual[algorithm] !== checksum)
          problems.push({ file: tagManifest, line, reason: `${path}: ${algorithm} mismatch` });
      }
    }
  }
  if (problems.length > 0) throw bagError(dir, problems);
  return { version, algorithms: [...expected.keys()], files: payloadFiles.size, bytes, info };
}

function bagError(dir: string, problems: readonly BagProblem[]): ValidationError {
  const first = problems[0] as BagProblem;
  const where = `${first.file}${first.line === undefined ? '' : `:${first.line}`}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new ValidationError(`invalid BagIt bag ${dir}: ${where}: ${first.reason}${more}`, {
    file: first.file,
    ...(first.line === undefined ? {} : { line: first.line }),
    details: { bag: dir, problems },
  });
}

function isSupported(algorithm: string): algorithm is (typeof ALGORITHMS)[number] {
  return (ALGORITHMS as readonly string[]).includes(algorithm) && getHashes().includes(algorithm);
}

async function readTagFile(dir: string, name: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(dir, name), 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return undefined;
  }
}

/** `Label: value` lines; a line starting with whitespace continues the previous value. */
function parseTags(text: string, file: string, problems: BagProblem[]): Record<string, string[]> {
  const tags: Record<string, string[]> = {};
  let last: { label: string; index: number } | undefined;
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    if (line === '') return;
    if (/^[ \t]/.test(line) && last) {
      const values = tags[last.label] as string[];
      values[last.index] = `${values[last.index] ?? ''} ${line.trim()}`;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push({ file, line: i + 1, reason: 'expected "Label: value"' });
      return;
    }
    const label = line.slice(0, colon).trim();
    const values = (tags[label] ??= []);
    values.push(line.slice(colon + 1).trim());
    last = { label, index: values.length - 1 };
  });
  return tags;
}

/** `checksum path` lines; paths percent-encode CR, LF and % (RFC 8493 section 2.1.3). */
function parseManifest(
  text: string,
  file: string,
  problems: BagProblem[],
): Map<string, { checksum: string; line: number }> {
  const entries = new Map<string, { checksum: string; line: number }>();
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const match = /^([0-9a-fA-F]+)[ \t]+(.+)$/.exec(raw);
    if (!match) {
      problems.push({ file, line: i + 1, reason: 'expected "CHECKSUM PATH"' });
      return;
    }
    const path = nfc(
      (match[2] as string).replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%').replace(/^\.\//, ''),
    );
    if (entries.has(path)) problems.push({ file, line: i + 1, reason: `lists ${path} twice` });
    entries.set(path, { checksum: (match[1] as string).toLowerCase(), line: i + 1 });
  });
  return entries;
}

function withLines(entries: Map<string, { checksum: string; line: number }>): [string, { line: number }][] {
  return [...entries];
}

async function listPayload(dir: string): Promise<Map<string, { absolute: string; size: number }>> {
  const out = new Map<string, { absolute: string; size: number }>();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else out.set(nfc(child), { absolute: join(dir, child), size: (await stat(join(dir, child))).size });
    }
  };
  await walk('data');
  return out;
}

async function digestFile(path: string, algorithms: readonly string[]): Promise<Record<string, string>> {
  const hashes: [string, Hash][] = algorithms.map((a) => [a, createHash(a)]);
  for await (const chunk of createReadStream(path)) for (const [, hash] of hashes) hash.update(chunk as Buffer);
  return Object.fromEntries(hashes.map(([a, hash]) => [a, hash.digest('hex')]));
}
