import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { fileLeafPieces } from './leaf.js';
import type { CidProfile } from './profiles.js';

/**
 * A UnixFS file DAG built the way Kubo builds one for `ipfs add` (boxo's balanced builder), and the way
 * ipfs-unixfs-importer does with `fixedSize` + `balanced` + `reduceSingleLeafToSelf`: fixed-size chunks,
 * leaves grouped `maxLinks` at a time into dag-pb `file` nodes, level by level, until one root; a file
 * of one chunk is that chunk's leaf. Tests compare it with ipfs-unixfs-importer across the boundaries.
 *
 * Our own because the importer's generality costs more CPU than the hashing itself on the main thread
 * (copies through Uint8ArrayList, a dozen async generators per chunk, garbage for the GC threads), and
 * because it cannot hand a leaf's hashing to the thread that writes it.
 */
export interface DagStorage {
  /** Stores a block whose CID the builder computed. */
  put(cid: CID, bytes: Uint8Array): Promise<unknown> | unknown;
  /**
   * Optional: stores a leaf block, given as consecutive pieces (one for a raw leaf; header, chunk and
   * trailer for a dag-pb leaf), and resolves to its SHA-256, computed where it is written (the embedded
   * store does both on its writer thread). Without it the builder hashes inline and calls `put`.
   */
  putLeaf?(pieces: readonly Uint8Array[]): Promise<Uint8Array>;
}

/** A node as its parent sees it. */
interface DagNode {
  readonly cid: CID;
  /** The link's Tsize: the block's size plus everything under it. */
  readonly tsize: number;
  /** Payload bytes under the node (the parent's `blockSizes` entry). */
  readonly fileSize: number;
}

/** Leaves hashed and stored at once, in order: enough to keep the writer thread busy. */
const LEAF_WINDOW = 8;

/**
 * Hears, in order, how far a payload is stored. Called from the leaves' own completions, not from the
 * builder's loop, so that a source waiting on it to refill a buffer cannot stall the loop that waits for
 * that source.
 */
export interface StoreProgress {
  /** Every leaf up to `offset` has been handed to storage and its promise resolved. */
  stored(offset: number): void;
  /** A leaf failed: the build rejects with its error once its loop gets there; a waiting source should end. */
  failed(): void;
}

/** Builds the DAG of `chunks` (already cut to the profile's chunk size) and resolves to its root CID. */
export async function buildFileDag(
  chunks: AsyncIterable<Uint8Array>,
  profile: CidProfile,
  storage: DagStorage,
  progress?: StoreProgress,
): Promise<CID> {
  const layout = new BalancedLayout(profile, storage);
  const inflight: Promise<DagNode>[] = [];
  let stored = 0;
  let storedInOrder: Promise<unknown> = Promise.resolve();
  let broken = false;
  try {
    for await (const chunk of chunks) {
      const leaf = makeLeaf(chunk, profile, storage);
      leaf.catch(() => undefined); // awaited in order below
      if (progress) {
        const size = chunk.byteLength;
        // Nothing after a failed leaf counts as stored, and the source must not wait for it: this loop
        // reaches the failure (and rejects with it) only once it gets its next chunk or the end.
        storedInOrder = storedInOrder
          .then(() => leaf)
          .then(
            () => {
              if (!broken) progress.stored((stored += size));
            },
            () => {
              broken = true;
              progress.failed();
            },
          );
      }
      inflight.push(leaf);
      if (inflight.length >= LEAF_WINDOW) await layout.add(await inflight.shift()!);
    }
    while (inflight.length > 0) await layout.add(await inflight.shift()!);
    return await layout.finish();
  } finally {
    // On failure, let the leaves already handed out settle: once the put rejects, nothing more is written.
    await Promise.allSettled(inflight);
  }
}

async function makeLeaf(chunk: Uint8Array, profile: CidProfile, storage: DagStorage): Promise<DagNode> {
  const pieces = profile.rawLeaves ? [chunk] : fileLeafPieces(chunk);
  let size = 0;
  for (const piece of pieces) size += piece.byteLength;
  const codec = profile.rawLeaves ? raw.code : dagPb.code;
  // Raw leaves are CIDv1 whatever the profile (there is no CIDv0 for raw).
  const version = profile.rawLeaves ? 1 : profile.cidVersion;
  let cid: CID;
  if (storage.putLeaf) {
    cid = CID.create(version, codec, Digest.create(sha256.code, await storage.putLeaf(pieces)));
  } else {
    const block = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, size);
    cid = CID.create(version, codec, await sha256.digest(block));
    await storage.put(cid, block);
  }
  return { cid, tsize: size, fileSize: chunk.byteLength };
}

/**
 * The balanced layout, streaming: level 0 holds leaves; a level that fills to `maxLinks` becomes one
 * node of the level above. At the end every level is closed bottom-up; a level that only ever held one
 * node (above the leaves) is the root. Level 0 is always closed, so one leaf becomes the root itself.
 */
class BalancedLayout {
  readonly #profile: CidProfile;
  readonly #storage: DagStorage;
  readonly #levels: DagNode[][] = [];
  /** Nodes ever added per level: tells a lone root from the last partial group. */
  readonly #counts: number[] = [];

  constructor(profile: CidProfile, storage: DagStorage) {
    this.#profile = profile;
    this.#storage = storage;
  }

  async add(node: DagNode, level = 0): Promise<void> {
    const nodes = (this.#levels[level] ??= []);
    nodes.push(node);
    this.#counts[level] = (this.#counts[level] ?? 0) + 1;
    if (nodes.length === this.#profile.maxLinks) {
      this.#levels[level] = [];
      await this.add(await this.#parent(nodes), level + 1);
    }
  }

  async finish(): Promise<CID> {
    for (let level = 0; ; level++) {
      const nodes = this.#levels[level] ?? [];
      const count = this.#counts[level] ?? 0;
      if (count === 0) throw new Error('internal: an empty DAG level');
      // One node ever at a level is the root (at level 0: reduceSingleLeafToSelf). It is still there:
      // a level only moves up when it fills, and it holds at least two.
      if (count === 1) return nodes[0]!.cid;
      if (nodes.length > 0) {
        this.#levels[level] = [];
        await this.add(await this.#parent(nodes), level + 1);
      }
    }
  }

  async #parent(children: readonly DagNode[]): Promise<DagNode> {
    const unixfs = new UnixFS({ type: 'file' });
    const links: dagPb.PBLink[] = [];
    let tsize = 0;
    let fileSize = 0;
    for (const child of children) {
      // As the importer does: an empty child (only ever the empty file's lone leaf) gets no link.
      if (child.fileSize === 0) continue;
      unixfs.addBlockSize(BigInt(child.fileSize));
      links.push({ Name: '', Tsize: child.tsize, Hash: child.cid });
      tsize += child.tsize;
      fileSize += child.fileSize;
    }
    const block = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: links }));
    const cid = CID.create(this.#profile.cidVersion, dagPb.code, await sha256.digest(block));
    await this.#storage.put(cid, block);
    return { cid, tsize: tsize + block.byteLength, fileSize };
  }
}

/**
 * Cuts a byte stream into `size`-byte chunks (the last one shorter; one empty chunk for an empty stream).
 * Whole chunks inside an input buffer are passed on as views, so a stream read in 1 MiB pieces is cut
 * without copying; only chunks that straddle input buffers are assembled.
 */
export async function* fixedChunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let emitted = false;
  for await (const input of source) {
    let offset = 0;
    if (pendingBytes + input.byteLength < size) {
      if (input.byteLength > 0) pending.push(input);
      pendingBytes += input.byteLength;
      continue;
    }
    if (pendingBytes > 0) {
      const chunk = Buffer.allocUnsafeSlow(size);
      let at = 0;
      for (const piece of pending) {
        chunk.set(piece, at);
        at += piece.byteLength;
      }
      offset = size - at;
      chunk.set(input.subarray(0, offset), at);
      pending = [];
      pendingBytes = 0;
      yield chunk;
      emitted = true;
    }
    for (; input.byteLength - offset >= size; offset += size) {
      yield input.subarray(offset, offset + size);
      emitted = true;
    }
    if (offset < input.byteLength) {
      pending.push(input.subarray(offset));
      pendingBytes = input.byteLength - offset;
    }
  }
  if (pendingBytes > 0) {
    yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
  } else if (!emitted) {
    yield new Uint8Array(0);
  }
}
