import { once } from 'node:events';
import { createHash } from 'node:crypto';
import type { Pack } from 'tar-stream';

/**
 * BagIt (RFC 8493) written straight into a tar stream: the payload is streamed once, through the caller's
 * verifying iterator, and the payload manifests are written after it from the digests that iterator
 * reports, so nothing is buffered but the small tag files.
 */
export interface TagFile {
  /** Path inside the bag, e.g. `shulian/version.json`. */
  readonly path: string;
  readonly content: string;
}

export interface BagInput {
  /** Top directory of the bag in the tar. */
  readonly baseName: string;
  /** File name under `data/`. */
  readonly payloadName: string;
  readonly payloadSize: number;
  /** Yields the payload; must have called `digests` by the time it finishes. */
  readonly payload: AsyncIterable<Uint8Array>;
  /** The payload's digests (hex), known once `payload` is exhausted. */
  readonly digests: () => { readonly sha256: string; readonly sm3: string };
  /** bag-info.txt labels, in order; Payload-Oxum and Bagging-Date are added. */
  readonly info: readonly (readonly [string, string])[];
  readonly baggingDate: string;
  readonly tagFiles: readonly TagFile[];
  /** Modification time written into the tar headers. */
  readonly mtime: Date;
}

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkPath(path: string): void {
  if (!path.split('/').every((s) => SAFE_SEGMENT.test(s) && s !== '.' && s !== '..'))
    throw new RangeError(`unsafe bag path ${path}`);
}

function bagInfoLine(label: string, value: string): string {
  // RFC 8493 2.2.2: a value may not contain line breaks (continuation lines start with whitespace)
  return `${label}: ${value.replace(/\r?\n/g, '\n  ')}\n`;
}

export async function writeBag(pack: Pack, bag: BagInput): Promise<void> {
  checkPath(bag.baseName);
  checkPath(bag.payloadName);
  for (const t of bag.tagFiles) checkPath(t.path);
  const tags: { path: string; bytes: Buffer }[] = [];
  const addSmall = async (path: string, text: string, isTag: boolean): Promise<void> => {
    const bytes = Buffer.from(text, 'utf8');
    await writeEntry(pack, `${bag.baseName}/${path}`, bytes, bag.mtime);
    if (isTag) tags.push({ path, bytes });
  };

  await addSmall('bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n', true);
  const info =
    bag.info.map(([k, v]) => bagInfoLine(k, v)).join('') +
    bagInfoLine('Bagging-Date', bag.baggingDate) +
    bagInfoLine('Payload-Oxum', `${bag.payloadSize}.1`);
  await addSmall('bag-info.txt', info, true);

  const dataPath = `data/${bag.payloadName}`;
  const entry = pack.entry(
    { name: `${bag.baseName}/${dataPath}`, size: bag.payloadSize, mtime: bag.mtime },
    () => undefined,
  );
  const done = entryDone(entry);
  for await (const chunk of bag.payload) {
    if (!entry.write(chunk)) await Promise.race([once(entry, 'drain'), done]);
  }
  (entry as NodeJS.WritableStream).end();
  await done;

  const { sha256, sm3 } = bag.digests();
  await addSmall('manifest-sha256.txt', `${sha256}  ${dataPath}\n`, true);
  await addSmall('manifest-sm3.txt', `${sm3}  ${dataPath}\n`, true);
  for (const t of bag.tagFiles) await addSmall(t.path, t.content, true);

  // tag manifests list every tag file except themselves (RFC 8493 2.2.1)
  const line = (alg: 'sha256' | 'sm3') =>
    tags.map((t) => `${createHash(alg).update(t.bytes).digest('hex')}  ${t.path}\n`).join('');
  await addSmall('tagmanifest-sha256.txt', line('sha256'), false);
  await addSmall('tagmanifest-sm3.txt', line('sm3'), false);
}

function entryDone(entry: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    entry.once('finish', resolve);
    entry.once('error', reject);
    entry.once('close', () => resolve());
  });
}

function writeEntry(pack: Pack, name: string, bytes: Buffer, mtime: Date): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: bytes.length, mtime }, bytes, (err) => (err ? reject(err) : resolve()));
  });
}
