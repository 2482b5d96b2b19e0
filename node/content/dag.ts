import { webcrypto } from 'node:crypto';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { base32upper } from 'multiformats/bases/base32';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { ContentError, IntegrityError, NotFoundError, ValidationError } from '../core/errors.js';

/**
 * Reading UnixFS file DAGs block by block. Used instead of ipfs-unixfs-exporter for content because the
 * exporter pushes blocks into an unbounded queue (a slow reader would buffer the whole file); this walker
 * pulls, reads a few blocks ahead, and checks each block against its CID when asked to.
 */
export type BlockLoader = (cid: CID) => Promise<Uint8Array | undefined>;

const SHA2_256 = 0x12;

export function parseCid(value: unknown, pointer = '/cid'): CID {
  if (value instanceof CID) return value;
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`${pointer}: expected a CID string`, { pointer });
  }
  let cid: CID;
  try {
    cid = CID.parse(value.trim());
  } catch (err) {
    throw new ValidationError(`${pointer}: ${JSON.stringify(value)} is not a CID (${(err as Error).message})`, {
      pointer,
      cause: err,
    });
  }
  if (cid.code !== dagPb.code && cid.code !== raw.code) {
    throw new ValidationError(`${pointer}: CID ${value} is neither dag-pb nor raw, so it is not a UnixFS file`, {
      pointer,
      cid: value,
    });
  }
  return cid;
}

/** True when `bytes` hash to `cid`'s multihash (sha2-256 only: the only hash our profiles use). */
export async function blockMatches(cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== SHA2_256) return false;
  // WebCrypto digests run on the libuv threadpool: with read-ahead, several blocks hash in parallel on
  // other cores while the main thread streams. Small blocks are cheaper to hash inline.
  const digest =
    bytes.byteLength >= 65536
      ? new Uint8Array(await webcrypto.subtle.digest('SHA-256', bytes))
      : (await sha256.digest(bytes)).digest;
  return equalBytes(digest, cid.multihash.digest);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** CIDs linked from a block (none for raw blocks). Throws when a dag-pb block does not decode. */
export function blockLinks(cid: CID, bytes: Uint8Array): CID[] {
  if (cid.code === raw.code) return [];
  if (cid.code !== dagPb.code)
    throw new ContentError(
      'UNSUPPORTED_CODEC',
      `block ${cid} has codec 0x${cid.code.toString(16)}: expected dag-pb or raw`,
      { cid: cid.toString() },
    );
  return dagPb.decode(bytes).Links.map((l) => l.Hash);
}

/** The size of the file a root block describes. */
export function fileSizeOf(cid: CID, bytes: Uint8Array): number {
  if (cid.code === raw.code) return bytes.byteLength;
  const { unixfs } = decodeFileNode(cid, bytes);
  return Number(unixfs.fileSize());
}

interface FileNode {
  readonly node: dagPb.PBNode;
  readonly unixfs: UnixFS;
}

export function decodeFileNode(cid: CID, bytes: Uint8Array): FileNode {
  let node: dagPb.PBNode;
  let unixfs: UnixFS;
  try {
    node = dagPb.decode(bytes);
    if (!node.Data) throw new Error('no UnixFS data');
    unixfs = UnixFS.unmarshal(node.Data);
  } catch (err) {
    throw new ContentError('NOT_UNIXFS', `block ${cid} is not a UnixFS node: ${(err as Error).message}`, {
      cid: cid.toString(),
      cause: err,
    });
  }
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') {
    throw new ContentError('NOT_A_FILE', `${cid} is a UnixFS ${unixfs.type}, not a file`, { cid: cid.toString() });
  }
  if (node.Links.length !== unixfs.blockSizes.length) {
    throw new IntegrityError(`block ${cid}: ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`, {
      cid: cid.toString(),
    });
  }
  return { node, unixfs };
}

export interface ReadRange {
  readonly offset?: number | undefined;
  readonly length?: number | undefined;
}

export interface ReadOptions {
  readonly verify: boolean;
  readonly signal?: AbortSignal | undefined;
  /** Bytes read ahead of the consumer at most (DEFAULT_READ_AHEAD_BYTES when undefined). */
  readonly readAhead?: number | undefined;
}

/** Validates offset/length (field names as in GetOptions) and returns the [start, end) byte range. */
export function resolveRange(size: number, range: ReadRange): { start: number; end: number } {
  const { offset, length } = range;
  if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
    throw new ValidationError('/offset: expected a non-negative integer', { pointer: '/offset' });
  }
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new ValidationError('/length: expected a non-negative integer', { pointer: '/length' });
  }
  const start = Math.min(offset ?? 0, size);
  const end = length === undefined ? size : Math.min(size, start + length);
  return { start, end };
}

export async function loadBlock(load: BlockLoader, cid: CID, verify: boolean): Promise<Uint8Array> {
  const bytes = await load(cid);
  if (!bytes) throw new NotFoundError(`block ${cid} is missing`, { cid: cid.toString() });
  if (verify && !(await blockMatches(cid, bytes))) {
    throw new IntegrityError(`block ${cid} is corrupt: its bytes do not hash to its CID`, { cid: cid.toString() });
  }
  return bytes;
}

export interface DagCheck {
  readonly blocks: number;
  readonly missing: string[];
  readonly corrupt: string[];
}

/** Blocks checkDag reads and hashes at once: hashing runs on the threadpool, so that it uses every core. */
const CHECK_CONCURRENCY = 8;

/**
 * Visits every block of the DAG once, re-hashing each, several at a time; reports missing and corrupt
 * blocks in depth-first order (the order of a sequential walk), whatever order the checks finished in.
 */
export async function checkDag(load: BlockLoader, root: CID, signal?: AbortSignal): Promise<DagCheck> {
  const seen = new Set<string>();
  const missing: Found[] = [];
  const corrupt: Found[] = [];
  // Popped from the end: the first link is checked first, as a sequential depth-first walk would.
  const stack: Found[] = [{ cid: root, path: [] }];
  const visit = async ({ cid, path }: Found): Promise<void> => {
    signal?.throwIfAborted();
    const bytes = await load(cid);
    if (!bytes) return void missing.push({ cid, path });
    if (!(await blockMatches(cid, bytes))) return void corrupt.push({ cid, path });
    let links: CID[];
    try {
      links = blockLinks(cid, bytes);
    } catch {
      return void corrupt.push({ cid, path });
    }
    for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i]!, path: [...path, i] });
  };
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    let failed = false;
    const next = (): void => {
      while (!failed && active < CHECK_CONCURRENCY && stack.length > 0) {
        const item = stack.pop()!;
        const key = blockKey(item.cid);
        if (seen.has(key)) continue;
        seen.add(key);
        active++;
        visit(item).then(
          () => {
            active--;
            next();
          },
          (err: unknown) => {
            failed = true;
            reject(err);
          },
        );
      }
      if (!failed && active === 0 && stack.length === 0) resolve();
    };
    next();
  });
  const inOrder = (found: Found[]): string[] =>
    found.sort((x, y) => comparePaths(x.path, y.path)).map((f) => f.cid.toString());
  return { blocks: seen.size, missing: inOrder(missing), corrupt: inOrder(corrupt) };
}

interface Found {
  readonly cid: CID;
  /** Link indexes from the root: depth-first order is their lexicographic order. */
  readonly path: readonly number[];
}

function comparePaths(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Every block of the DAG once, depth first in link order (the order `ipfs dag export` writes). */
export async function* dagBlocks(
  load: BlockLoader,
  root: CID,
  signal?: AbortSignal,
): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const seen = new Set<string>();
  const stack: CID[] = [root];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const cid = stack.pop()!;
    const key = blockKey(cid);
    if (seen.has(key)) continue;
    seen.add(key);
    const bytes = await loadBlock(load, cid, true);
    yield { cid, bytes };
    const links = blockLinks(cid, bytes);
    for (let i = links.length - 1; i >= 0; i--) stack.push(links[i]!);
  }
}

/**
 * A block's identity in the store: its multihash in unpadded upper-case base32, as Kubo's flatfs names
 * block files (a CIDv0 and a CIDv1 of the same bytes share it).
 */
export function blockKey(cid: CID): string {
  return base32upper.baseEncode(cid.multihash.bytes);
}

/** The key of a block whose SHA-256 is `digest` (what blockKey gives for any CID of it). */
export function keyOfSha256(digest: Uint8Array): string {
  return base32upper.baseEncode(Digest.create(SHA2_256, digest).bytes);
}
