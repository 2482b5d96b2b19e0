import type { CID } from 'multiformats/cid';
import { ContentError, isShulianError } from '../core/errors.js';
import { buildFileDag, fixedChunks, type DagStorage, type StoreProgress } from './builder.js';
import { createPayloadHasher, type PayloadDigests, type Sm3Mode } from './hashing.js';
import type { CidProfile } from './profiles.js';
import type { PutResult } from './types.js';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface ImportOptions {
  readonly signal?: AbortSignal | undefined;
  readonly sm3?: Sm3Mode;
  /**
   * Hears, in order, up to which offset the payload is stored: no part of the import holds the bytes
   * before it any more (the hashes have taken them, copying what they keep; the leaves are stored). A
   * source that reuses its buffers (file-source.ts) refills one only past that offset.
   */
  readonly progress?: StoreProgress;
}

export interface Imported extends PayloadDigests {
  readonly root: CID;
}

/**
 * One pass over the bytes: the chunker and DAG builder (CIDs, blocks to `blocks`), SHA-256 and SM3 all see
 * each chunk once. Memory is bounded by the builder's window (a few chunks plus one level of links).
 */
export async function importPayload(
  source: ByteSource,
  profile: CidProfile,
  blocks: DagStorage,
  options: Readonly<ImportOptions> = {},
): Promise<Imported> {
  const hasher = createPayloadHasher(options.sm3 ?? 'auto');
  try {
    const content = tap(source, hasher.update.bind(hasher), options.signal);
    const root = await buildFileDag(fixedChunks(content, profile.chunkSize), profile, blocks, options.progress);
    const digests = await hasher.digest();
    return { root, ...digests };
  } catch (err) {
    throw asContentError(err, options.signal);
  } finally {
    hasher.dispose();
  }
}

export function toPutResult(imported: Imported, profile: CidProfile): PutResult {
  return {
    cid: imported.root.toString(),
    profile: profile.name,
    sha256: imported.sha256,
    sm3: imported.sm3,
    size: imported.size,
  };
}

/** Marks errors raised by the caller's byte source so that they are reported as such. */
class SourceError extends Error {}

async function* tap(
  source: ByteSource,
  update: (chunk: Uint8Array) => Promise<void> | void,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  const iterator = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
    AsyncIterator<unknown> | Iterator<unknown>;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw new SourceError(err instanceof Error ? err.message : String(err), { cause: err });
      }
      if (next.done) return;
      const chunk = next.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new ContentError('BAD_INPUT', `content chunks must be bytes (Uint8Array/Buffer), got ${typeOf(chunk)}`);
      }
      signal?.throwIfAborted();
      if (chunk.byteLength === 0) continue;
      await update(chunk);
      yield chunk;
    }
  } finally {
    await iterator.return?.();
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

export function asContentError(err: unknown, signal?: AbortSignal): unknown {
  if (isShulianError(err)) return err;
  if (signal?.aborted && (err === signal.reason || (err instanceof Error && err.name === 'AbortError'))) {
    return new ContentError('ABORTED', 'the put was aborted', { cause: err });
  }
  if (err instanceof SourceError) {
    return new ContentError('SOURCE_FAILED', `reading the content failed: ${err.message}`, { cause: err.cause });
  }
  return err;
}
