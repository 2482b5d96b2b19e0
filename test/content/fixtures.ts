import { createCipheriv, createHash } from 'node:crypto';

/**
 * Kubo's deterministic test bytes (test/cli/testutils/random_deterministic.go): the ChaCha20 keystream
 * with key SHA-256(seed), an all-zero 96-bit nonce and counter 0. OpenSSL's chacha20 takes a 16-byte IV
 * (32-bit counter, then the nonce), so all zeros is the same stream.
 */
export function* kuboDeterministic(seed: string, size: number, chunk = 1 << 20): Generator<Uint8Array> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunk);
  for (let left = size; left > 0; left -= chunk) {
    yield cipher.update(zeros.subarray(0, Math.min(chunk, left)));
  }
}

export function kuboDeterministicBytes(seed: string, size: number): Buffer {
  return Buffer.concat([...kuboDeterministic(seed, size)]);
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sm3Hex(data: Uint8Array | string): string {
  return createHash('sm3').update(data).digest('hex');
}

export async function* chunked(data: Uint8Array, size = 65536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, Math.min(data.byteLength, i + size));
}
