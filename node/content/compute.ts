import type { Readable } from 'node:stream';
import type { CID } from 'multiformats/cid';
import { pooledFile } from './file-source.js';
import { cidProfile } from './profiles.js';
import { importPayload, toPutResult, type ImportOptions } from './importing.js';
import type { CidProfileName, PutResult } from './types.js';

/** Accepts blocks and keeps nothing: what `computeCid` hands the importer. */
const discard = { put: async (cid: CID): Promise<CID> => cid };

/**
 * The CID (for `profile`), SHA-256 and SM3 of a byte stream, without a store: what `shulian cid` prints
 * and what anyone can recompute from the bytes alone. Memory stays flat with the stream's size.
 */
export async function computeCid(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable,
  profile?: CidProfileName,
  options: Readonly<Pick<ImportOptions, 'signal' | 'sm3'>> = {},
): Promise<PutResult> {
  const p = cidProfile(profile);
  return toPutResult(await importPayload(source as AsyncIterable<Uint8Array>, p, discard, options), p);
}

/** `computeCid` of a file by path, read into reused buffers (no garbage per read; see file-source.ts). */
export async function computeFileCid(
  path: string,
  profile?: CidProfileName,
  options: Readonly<Pick<ImportOptions, 'signal' | 'sm3'>> = {},
): Promise<PutResult> {
  const p = cidProfile(profile);
  const file = pooledFile(path);
  return toPutResult(await importPayload(file.chunks, p, discard, { ...options, progress: file }), p);
}
