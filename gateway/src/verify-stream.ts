import { MultiHasher, IntegrityError } from 'shulian/core';

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
 * Passes the stored bytes through while hashing them (SHA-256 and SM3) and checks the result against the
 * chain record. The last chunk is held back until the digests are known, so a client never receives all
 * the bytes of a representation that failed verification: on a mismatch the generator throws instead of
 * yielding it, and the caller destroys the connection (the client sees a short body, never a whole wrong
 * one). `onVerified` receives the digests once everything matched.
 */
export async function* verifiedStream(
  source: AsyncIterable<Uint8Array>,
  expected: ExpectedDigests,
  onVerified?: (digests: DigestTrailer) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  const hasher = new MultiHasher(['sha256', 'sm3']);
  let held: Uint8Array | undefined;
  const ids = { resourceId: expected.resourceId, version: expected.version, cid: expected.cid };
  for await (const chunk of source) {
    if (chunk.byteLength === 0) continue;
    hasher.update(chunk);
    if (hasher.size > expected.size) {
      throw new IntegrityError(`stored content is longer than the ${expected.size} bytes on chain`, ids);
    }
    if (held) yield held;
    held = chunk;
  }
  const got = hasher.digest();
  const wrong: string[] = [];
  if (got.size !== expected.size) wrong.push(`size ${got.size} != ${expected.size}`);
  if (got.sha256 !== expected.sha256) wrong.push(`sha256 ${got.sha256} != ${expected.sha256}`);
  if (got.sm3 !== expected.sm3) wrong.push(`sm3 ${got.sm3} != ${expected.sm3}`);
  if (wrong.length > 0) {
    throw new IntegrityError(`stored content does not match the chain record: ${wrong.join('; ')}`, { ...ids, details: { wrong } });
  }
  onVerified?.({ sha256: got.sha256, sm3: got.sm3, size: got.size });
  if (held) yield held;
}

/** RFC 9530 Repr-Digest value for a SHA-256 hex digest. */
export function reprDigest(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}
