import * as crypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ValidationError } from './errors.js';

/**
 * Content digests over raw bytes: SHA-256 (FIPS 180-4) and SM3 (GM/T 0004-2012), both lowercase hex.
 * Every payload is recorded with both, computed in one streaming pass so memory does not grow with size.
 */
export type DigestAlgorithm = 'sha256' | 'sm3';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze(['sha256', 'sm3']);

/** Hex digests for the requested algorithms plus the number of bytes hashed. */
export type Digests<A extends DigestAlgorithm = DigestAlgorithm> = { readonly [K in A]: string } & {
  readonly size: number;
};

export type Chunk = Uint8Array | string;

/**
 * Feeds every chunk to several hashes at once. Reuse it inside your own single pass (a store writing a
 * file, a client downloading one) instead of reading the bytes twice. Strings are hashed as UTF-8.
 */
export class MultiHasher<A extends DigestAlgorithm = DigestAlgorithm> {
  readonly #hashes: ReadonlyArray<readonly [A, Hash]>;
  #size = 0;
  #result: Digests<A> | undefined;

  constructor(algorithms: readonly A[] = DIGEST_ALGORITHMS as readonly A[]) {
    if (algorithms.length === 0) throw new ValidationError('expected at least one digest algorithm');
    const unique = [...new Set(algorithms)];
    for (const algorithm of unique) {
      if (!DIGEST_ALGORITHMS.includes(algorithm)) {
        throw new ValidationError(`unknown digest algorithm "${String(algorithm)}": expected sha256 or sm3`);
      }
    }
    this.#hashes = unique.map((algorithm) => [algorithm, createHash(algorithm)] as const);
  }

  /** Bytes hashed so far. */
  get size(): number {
    return this.#size;
  }

  update(chunk: Chunk): this {
    if (this.#result) throw new Error('MultiHasher: update() after digest()');
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (const [, hash] of this.#hashes) hash.update(bytes);
    this.#size += bytes.byteLength;
    return this;
  }

  /** Finishes the hashes. Calling it again returns the same result; update() is then refused. */
  digest(): Digests<A> {
    if (!this.#result) {
      const result: Record<string, string | number> = { size: this.#size };
      for (const [algorithm, hash] of this.#hashes) result[algorithm] = hash.digest('hex');
      this.#result = Object.freeze(result) as Digests<A>;
    }
    return this.#result;
  }
}

/** Hashes an async (or sync) iterable of chunks: a Node Readable, a web ReadableStream, a generator. */
export async function hashStream<A extends DigestAlgorithm = DigestAlgorithm>(
  source: AsyncIterable<Chunk> | Iterable<Chunk>,
  algorithms?: readonly A[],
): Promise<Digests<A>> {
  const hasher = new MultiHasher<A>(algorithms);
  for await (const chunk of source) hasher.update(chunk);
  return hasher.digest();
}

/** Hashes a file by streaming it. */
export async function hashFile<A extends DigestAlgorithm = DigestAlgorithm>(
  path: string,
  algorithms?: readonly A[],
): Promise<Digests<A>> {
  const stream = createReadStream(path);
  try {
    return await hashStream(stream, algorithms);
  } finally {
    stream.destroy();
  }
}

/**
 * Passes `source` through unchanged while feeding `hasher`: hash and store in the same pass. Read
 * `hasher.digest()` after the iteration has finished.
 */
export async function* hashThrough<T extends Chunk>(
  source: AsyncIterable<T> | Iterable<T>,
  hasher: MultiHasher<DigestAlgorithm>,
): AsyncGenerator<T, void, undefined> {
  for await (const chunk of source) {
    hasher.update(chunk);
    yield chunk;
  }
}

export function sha256Hex(data: Chunk): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sm3Hex(data: Chunk): string {
  return createHash('sm3').update(data).digest('hex');
}

/** Raw SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/**
 * One-shot SHA-256 with the digest as a string (`hex`, or `binary`, i.e. latin1: one character per byte,
 * which Buffer#write(text, offset, 'binary') puts back as the bytes). Where digests are taken hundreds of
 * thousands of times (Merkle trees, indexing-record leaves), a string result costs no Buffer, whose
 * backing store weighs on the garbage collector; crypto.hash (Node >= 20.12) also saves the Hash object.
 */
export const sha256Once: (data: string | Uint8Array, encoding: 'hex' | 'binary') => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data, encoding) => crypto.hash('sha256', data, encoding)
    : (data, encoding) => createHash('sha256').update(data).digest(encoding);
