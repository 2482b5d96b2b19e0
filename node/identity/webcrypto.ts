import { webcrypto } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type Crypto = webcrypto.Crypto;

// P-256 group order n and n/2: an ECDSA signature (r, s) is as valid as (r, n - s); Fabric accepts only
// the low-S form for transaction signatures and re-encodes ("sanitizes") certificates signed with a
// high S, so every signature we make, certificates included, is low-S and certificate bytes are stable.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_N = P256_N >> 1n;

export const EC_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const EC_SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Turns a raw (IEEE P1363, r‖s) P-256 signature into its low-S form. */
export function lowSRaw(sig: Uint8Array): Uint8Array {
  if (sig.length !== 64) return sig;
  const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
  if (s <= P256_HALF_N) return sig;
  const out = new Uint8Array(sig);
  out.set(Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}

function isEcdsa(algorithm: unknown): boolean {
  const name = typeof algorithm === 'string' ? algorithm : (algorithm as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.toUpperCase() === 'ECDSA';
}

const subtle = webcrypto.subtle;

/**
 * Node's WebCrypto with ECDSA signing forced to low-S, handed to @peculiar/x509's generators so the
 * certificates they sign carry low-S signatures.
 */
export const lowSCrypto: Crypto = {
  getRandomValues: <T extends ArrayBufferView | null>(array: T): T => webcrypto.getRandomValues(array as never) as T,
  randomUUID: () => webcrypto.randomUUID(),
  subtle: new Proxy(subtle, {
    get(target, prop) {
      if (prop === 'sign') {
        return async (algorithm: never, key: never, data: never): Promise<ArrayBuffer> => {
          const sig = await target.sign(algorithm, key, data);
          if (!isEcdsa(algorithm)) return sig;
          const low = lowSRaw(new Uint8Array(sig));
          return low.buffer.slice(low.byteOffset, low.byteOffset + low.byteLength) as ArrayBuffer;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }),
} as unknown as Crypto;

export async function generateP256(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC_KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return toPem('PRIVATE KEY', der);
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function pemBody(pem: string, label: string): Buffer {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m?.[1]) throw new Error(`no ${label} PEM block`);
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}
