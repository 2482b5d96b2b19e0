import { MultiHasher, IntegrityError } from 'shulian/core';
import { startSm3Job } from './sm3-offload.js';

const SM3_OFFLOAD_THRESHOLD = 1 << 20;

export interface ExpectedDigests {
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
}

export interface DigestTrailer {
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
}

/**
 * Passes the stored bytes through while checking them against the chain record. The last chunk is held
 * back until the check is complete, so a client never receives all the bytes of a representation that
 * failed: on a mismatch the generator throws instead of yielding it, and the caller destroys the
 * connection (the client sees a short body, never a whole wrong one). `onVerified` receives the digests
 * once everything matched.
 *
 * `blocksVerified`: the source is a store read that re-hashes every block against its CID and fails on a
 * mismatch (ContentStore.verifiesReads). Every byte is then already checked against the chain's CID, and
 * SHA-256 and SM3 were computed from those same bytes when they were registered, so hashing the whole
 * payload again would only repeat that check at the cost of the slowest digest; only the size is counted.
 * Otherwise the payload is hashed whole (SHA-256 here, SM3 on a worker) and both digests compared.
 */
export async function* verifiedStream(
  source: AsyncIterable<Uint8Array>,
  expected: ExpectedDigests,
  onVerified?: (digests: DigestTrailer) => void,
  blocksVerified = false,
): AsyncGenerator<Uint8Array, void, undefined> {
  const ids = { resourceId: expected.resourceId, version: expected.version, cid: expected.cid };
  if (blocksVerified) {
    let size = 0;
    let held: Uint8Array | undefined;
    for await (const chunk of source) {
      if (chunk.byteLength === 0) continue;
      size += chunk.byteLength;
      if (size > expected.size) {
        throw new IntegrityError(`stored content is longer than the ${expected.size} bytes on chain`, ids);
      }
      if (held) yield held;
      held = chunk;
    }
    if (size !== expected.size) {
      throw new IntegrityError(`stored content has ${size} bytes, the chain records ${expected.size}`, {
        ...ids,
        details: { wrong: [`size ${size} != ${expected.size}`] },
      });
    }
    onVerified?.({ sha256: expected.sha256, sm3: expected.sm3, size });
    if (held) yield held;
    return;
  }
  yield* rehashedStream(source, expected, ids, onVerified);
}

async function* rehashedStream(
  source: AsyncIterable<Uint8Array>,
  expected: ExpectedDigests,
  ids: { resourceId: string; version: number; cid: string },
  onVerified?: (digests: DigestTrailer) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  const sha = new MultiHasher(['sha256']);
  // small payloads inline: a worker round trip costs more than hashing them
  const sm3Job = expected.size >= SM3_OFFLOAD_THRESHOLD ? startSm3Job() : undefined;
  const sm3Inline = sm3Job ? undefined : new MultiHasher(['sm3']);
  let held: Uint8Array | undefined;
  try {
    for await (const chunk of source) {
      if (chunk.byteLength === 0) continue;
      sha.update(chunk);
      if (sha.size > expected.size) {
        throw new IntegrityError(`stored content is longer than the ${expected.size} bytes on chain`, ids);
      }
      if (sm3Job) {
        const wait = sm3Job.update(chunk);
        if (wait) await wait;
      } else sm3Inline!.update(chunk);
      if (held) yield held;
      held = chunk;
    }
    const { sha256, size } = sha.digest();
    const sm3 = sm3Job ? await sm3Job.digest() : sm3Inline!.digest().sm3;
    const wrong: string[] = [];
    if (size !== expected.size) wrong.push(`size ${size} != ${expected.size}`);
    if (sha256 !== expected.sha256) wrong.push(`sha256 ${sha256} != ${expected.sha256}`);
    if (sm3 !== expected.sm3) wrong.push(`sm3 ${sm3} != ${expected.sm3}`);
    if (wrong.length > 0) {
      throw new IntegrityError(`stored content does not match the chain record: ${wrong.join('; ')}`, {
        ...ids,
        details: { wrong },
      });
    }
    onVerified?.({ sha256, sm3, size });
    if (held) yield held;
  } finally {
    sm3Job?.dispose();
  }
}

/** RFC 9530 Repr-Digest value for a SHA-256 hex digest. */
export function reprDigest(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}
