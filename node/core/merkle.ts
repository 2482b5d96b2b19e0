import { createHash } from 'node:crypto';
import { sha256Once } from './digest.js';
import { ValidationError } from './errors.js';
import { fromHex } from './hex.js';

/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle tree with SHA-256:
 *   leaf hash  = SHA-256(0x00 || data)
 *   node hash  = SHA-256(0x01 || left || right)
 *   MTH(D[n])  = MTH(D[0:k]) and MTH(D[k:n]) joined, k the largest power of two smaller than n.
 *
 * Many small records (chapter- and paragraph-level indexing records) are anchored as one Batch whose root
 * goes on chain; each record keeps its inclusion proof off chain, and anyone can check it with
 * `verifyInclusion` and nothing but the root.
 */
export const HASH_SIZE = 32;

/** Hex string or bytes; proofs kept as JSON carry hex. */
export type HashInput = Uint8Array | string;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

export function leafHash(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LEAF_PREFIX).update(data).digest());
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest());
}

/** MTH of the empty list: SHA-256 of the empty string (RFC 9162 section 2.1.1). */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(createHash('sha256').digest());

/**
 * A whole tree kept as its levels, each level one contiguous buffer of 32-byte hashes. Building it costs
 * one hash per node (O(n)); a proof is then a walk up the levels (O(log n)).
 *
 * A level with an odd count carries its last hash up unchanged. That is the RFC's split made bottom-up:
 * the rightmost subtree of an unbalanced tree is the only one that is not complete, and it joins the
 * others only at the level where the RFC joins it.
 */
export class MerkleTree {
  readonly #levels: Uint8Array[];
  /** The levels as 32-bit words over the same memory, made on the first inclusionProofBytes. */
  #words: Uint32Array[] | undefined;
  readonly size: number;

  private constructor(leafHashes: Uint8Array, size: number) {
    this.size = size;
    this.#levels = [leafHashes];
    let level = leafHashes;
    let count = size;
    // A tree over a batch of 65,536 indexing records hashes 65,535 nodes: each goes from one reused input
    // buffer (0x01 || left || right) into its place in the parent level, with no Buffer per digest.
    const input = Buffer.alloc(1 + 2 * HASH_SIZE);
    input[0] = 0x01;
    while (count > 1) {
      const parentCount = Math.ceil(count / 2);
      const parent = new Uint8Array(parentCount * HASH_SIZE);
      const from = asBuffer(level);
      const to = asBuffer(parent);
      for (let i = 0; i + 1 < count; i += 2) {
        from.copy(input, 1, i * HASH_SIZE, (i + 2) * HASH_SIZE);
        to.write(sha256Once(input, 'binary'), (i / 2) * HASH_SIZE, 'binary');
      }
      if (count % 2 === 1)
        parent.set(level.subarray((count - 1) * HASH_SIZE, count * HASH_SIZE), (parentCount - 1) * HASH_SIZE);
      this.#levels.push(parent);
      level = parent;
      count = parentCount;
    }
  }

  /** Builds the tree over the leaves' data (each is leaf-hashed). */
  static fromLeaves(leaves: Iterable<Uint8Array | string>): MerkleTree {
    const items = Array.isArray(leaves) ? (leaves as readonly (Uint8Array | string)[]) : [...leaves];
    const buffer = new Uint8Array(items.length * HASH_SIZE);
    items.forEach((leaf, i) =>
      buffer.set(createHash('sha256').update(LEAF_PREFIX).update(leaf).digest(), i * HASH_SIZE),
    );
    return new MerkleTree(buffer, items.length);
  }

  /** Builds the tree over already computed leaf hashes (32 bytes each, or hex). */
  static fromLeafHashes(hashes: readonly HashInput[]): MerkleTree {
    const buffer = new Uint8Array(hashes.length * HASH_SIZE);
    hashes.forEach((hash, i) => buffer.set(toHash(hash, `/${i}`), i * HASH_SIZE));
    return new MerkleTree(buffer, hashes.length);
  }

  /** Builds the tree over already computed leaf hashes given as one buffer, 32 bytes each (copied). */
  static fromLeafHashBytes(hashes: Uint8Array): MerkleTree {
    if (!(hashes instanceof Uint8Array) || hashes.byteLength % HASH_SIZE !== 0) {
      throw new ValidationError(`leaf hashes: expected ${HASH_SIZE}-byte SHA-256 hashes, one after the other`);
    }
    return new MerkleTree(new Uint8Array(hashes), hashes.byteLength / HASH_SIZE);
  }

  get root(): Uint8Array {
    if (this.size === 0) return EMPTY_ROOT.slice();
    const top = this.#levels[this.#levels.length - 1] as Uint8Array;
    return top.slice(0, HASH_SIZE);
  }

  leafHash(index: number): Uint8Array {
    this.#checkIndex(index);
    return (this.#levels[0] as Uint8Array).slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  /**
   * The audit path of RFC 9162 section 2.1.3.1 for leaf `index`, nearest sibling first: at most
   * ceil(log2(size)) hashes.
   */
  inclusionProof(index: number): Uint8Array[] {
    this.#checkIndex(index);
    const proof: Uint8Array[] = [];
    let i = index;
    let count = this.size;
    for (let depth = 0; count > 1; depth++) {
      const sibling = i % 2 === 0 ? i + 1 : i - 1;
      if (sibling < count) {
        const level = this.#levels[depth] as Uint8Array;
        proof.push(level.slice(sibling * HASH_SIZE, (sibling + 1) * HASH_SIZE));
      }
      i = Math.floor(i / 2);
      count = Math.ceil(count / 2);
    }
    return proof;
  }

  /**
   * The same audit path as `inclusionProof`, as one buffer of its hashes (32 bytes each, nearest sibling
   * first): one Buffer (from Node's shared pool, every byte written) instead of a Uint8Array per hash, for
   * callers that store proofs by the hundred thousand.
   */
  inclusionProofBytes(index: number): Buffer {
    this.#checkIndex(index);
    let length = 0;
    for (let i = index, count = this.size; count > 1; i = Math.floor(i / 2), count = Math.ceil(count / 2)) {
      if ((i % 2 === 0 ? i + 1 : i - 1) < count) length++;
    }
    const out = Buffer.allocUnsafe(length * HASH_SIZE);
    // Hashes are copied as eight 32-bit words: a copy call per hash cost more than the whole proof. Every
    // level starts its own buffer and Node aligns pooled buffers to 8 bytes; anything else goes by bytes.
    const levels = (this.#words ??= this.#levels.map((l) => new Uint32Array(l.buffer, l.byteOffset, l.byteLength / 4)));
    const into = out.byteOffset % 4 === 0 ? new Uint32Array(out.buffer, out.byteOffset, out.byteLength / 4) : undefined;
    let at = 0;
    let i = index;
    let count = this.size;
    for (let depth = 0; count > 1; depth++) {
      const sibling = i % 2 === 0 ? i + 1 : i - 1;
      if (sibling < count) {
        if (into) {
          const from = levels[depth] as Uint32Array;
          for (let w = 0, f = sibling * 8, t = at / 4; w < 8; w++) into[t + w] = from[f + w] as number;
        } else {
          out.set((this.#levels[depth] as Uint8Array).subarray(sibling * HASH_SIZE, (sibling + 1) * HASH_SIZE), at);
        }
        at += HASH_SIZE;
      }
      i = Math.floor(i / 2);
      count = Math.ceil(count / 2);
    }
    return out;
  }

  #checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new ValidationError(`leaf index: expected an integer in 0..${this.size - 1}, got ${String(index)}`);
    }
  }
}

/** MTH over the leaves' data. */
export function merkleRoot(leaves: Iterable<Uint8Array | string>): Uint8Array {
  return MerkleTree.fromLeaves(leaves).root;
}

/** Inclusion proof for one leaf; build a MerkleTree once instead when you need many proofs. */
export function inclusionProof(leaves: MerkleTree | Iterable<Uint8Array | string>, index: number): Uint8Array[] {
  const tree = leaves instanceof MerkleTree ? leaves : MerkleTree.fromLeaves(leaves);
  return tree.inclusionProof(index);
}

/** A leaf to verify: its hash (bytes or hex), or `{ data }` to have it leaf-hashed first. */
export type LeafRef = HashInput | { readonly data: Uint8Array | string };

/**
 * Recomputes the root from a leaf, its index, the tree size and an audit path: the algorithm of RFC 9162
 * section 2.1.3.2. Throws ValidationError when the inputs cannot form a valid proof at all (index out of
 * range, wrong path length, malformed hashes).
 */
export function rootFromInclusionProof(
  leaf: LeafRef,
  index: number,
  treeSize: number,
  proof: readonly HashInput[],
): Uint8Array {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) {
    throw new ValidationError(`tree size: expected a positive integer, got ${String(treeSize)}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new ValidationError(`leaf index: expected an integer in 0..${treeSize - 1}, got ${String(index)}`);
  }
  let fn = index;
  let sn = treeSize - 1;
  let r = typeof leaf === 'object' && !(leaf instanceof Uint8Array) ? leafHash(leaf.data) : toHash(leaf, '/leaf');
  proof.forEach((item, position) => {
    const p = toHash(item, `/proof/${position}`);
    if (sn === 0) throw new ValidationError(`proof: expected at most ${position} hashes, got ${proof.length}`);
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  });
  if (sn !== 0) throw new ValidationError(`proof: expected more than ${proof.length} hashes for this index and size`);
  return r;
}

/**
 * True when `proof` shows that `leaf` is the leaf at `index` of the tree of `treeSize` leaves whose root
 * is `root`. Any malformed input simply does not verify.
 */
export function verifyInclusion(
  leaf: LeafRef,
  index: number,
  treeSize: number,
  proof: readonly HashInput[],
  root: HashInput,
): boolean {
  try {
    const expected = toHash(root, '/root');
    const computed = rootFromInclusionProof(leaf, index, treeSize, proof);
    return Buffer.compare(computed, expected) === 0;
  } catch (err) {
    if (err instanceof ValidationError) return false;
    throw err;
  }
}

/** A Buffer over the same memory, for Buffer's copy/write (no bytes are copied). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toHash(value: HashInput, pointer: string): Uint8Array {
  if (typeof value === 'string') return fromHex(value, HASH_SIZE, pointer);
  if (!(value instanceof Uint8Array) || value.byteLength !== HASH_SIZE) {
    throw new ValidationError(`${pointer}: expected a ${HASH_SIZE}-byte SHA-256 hash`, { pointer });
  }
  return value;
}
