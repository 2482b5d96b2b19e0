import { createPrivateKey, createPublicKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { signers } from '@hyperledger/fabric-gateway';
import { ValidationError } from '../core/errors.js';
import { sha256 } from '../core/digest.js';
import type { MessageSigner, SignOptions, Signer, SigningIdentity } from './types.js';
import { validateMspId } from './ca.js';

/**
 * A Signer for a PEM private key: fabric-gateway's own, so signatures are DER, low-S ECDSA over the
 * SHA-256 digest it is given, exactly what a Fabric peer accepts.
 */
export function newSigner(keyPem: string): Signer {
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (cause) {
    throw new ValidationError('private key is not a valid PEM private key', { pointer: '/keyPem', cause });
  }
  return signers.newPrivateKeySigner(key);
}

/** An MSP id, its certificate and a signer for the certificate's key, as fabric-gateway's `connect` takes them. */
export function signingIdentity(mspId: string, certPem: string, keyPem: string): SigningIdentity {
  validateMspId(mspId);
  if (typeof certPem !== 'string' || !certPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ValidationError('certificate must be a PEM X.509 certificate', { pointer: '/certPem' });
  }
  assertKeyMatchesCert(certPem, keyPem);
  return {
    identity: { mspId, credentials: new TextEncoder().encode(certPem) },
    signer: newSigner(keyPem),
    signMessage: newMessageSigner(keyPem),
  };
}

// Order of the P-256 group, and half of it (rounded down), big-endian: a signature's s above n/2 is replaced
// by n - s (Fabric accepts low-S only).
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const P256_HALF_N = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex');

/** A MessageSigner on OpenSSL: ECDSA P-256 over SHA-256(message), low-S, DER — what `newSigner` produces for the digest. */
export function newMessageSigner(keyPem: string): MessageSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (cause) {
    throw new ValidationError('private key is not a valid PEM private key', { pointer: '/keyPem', cause });
  }
  if (key.asymmetricKeyType !== 'ec')
    throw new ValidationError('private key must be an EC key', { pointer: '/keyPem' });
  const options = { key, dsaEncoding: 'ieee-p1363' } as const;
  const der = (raw: Buffer) => derSignature(raw.subarray(0, 32), lowS(raw.subarray(32, 64)));
  // By default signed on the caller's thread: a P-256 signature costs about 0.06 ms, while the hop to
  // libuv's thread pool and back (the callback form) measured about 0.3-0.7 ms of latency on this kind of
  // VM. `offThread` takes the hop when the caller has other work to do meanwhile (the embedded ledger
  // with other proposals in flight). Errors arrive as a rejected promise either way.
  return async (message, how) => {
    if (!how?.offThread) return der(sign('sha256', message, options));
    return new Promise<Uint8Array>((resolve, reject) =>
      sign('sha256', message, options, (err, raw) => {
        if (err) reject(err);
        else resolve(der(raw));
      }),
    );
  };
}

/** Signs SHA-256(message) with the identity's fastest signer. */
export function signMessage(
  signing: SigningIdentity,
  message: Uint8Array,
  options?: Readonly<SignOptions>,
): Promise<Uint8Array> {
  return signing.signMessage ? signing.signMessage(message, options) : signing.signer(sha256(message));
}

/** s, or n - s when s > n/2 (32 bytes, big-endian, byte by byte: no BigInt and hex round trip per signature). */
export function lowS(s: Uint8Array): Uint8Array {
  if (Buffer.compare(s, P256_HALF_N) <= 0) return s;
  const out = Buffer.allocUnsafe(32);
  let borrow = 0;
  for (let i = 31; i >= 0; i--) {
    const d = (P256_N[i] as number) - (s[i] as number) - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = d + (borrow << 8);
  }
  return out;
}

/** DER INTEGER length of an unsigned big-endian value: leading zeros dropped, a zero added before a high bit. */
function derIntegerLength(bytes: Uint8Array): { start: number; length: number } {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return { start, length: bytes.length - start + (((bytes[start] as number) & 0x80) !== 0 ? 1 : 0) };
}

/** SEQUENCE { INTEGER r, INTEGER s } written into one buffer (r and s are 32 bytes: every length fits a byte). */
export function derSignature(r: Uint8Array, s: Uint8Array): Uint8Array {
  const ri = derIntegerLength(r);
  const si = derIntegerLength(s);
  const body = 2 + ri.length + 2 + si.length;
  const out = Buffer.allocUnsafe(2 + body);
  let o = 0;
  out[o++] = 0x30;
  out[o++] = body;
  for (const [v, { start, length }] of [
    [r, ri],
    [s, si],
  ] as const) {
    out[o++] = 0x02;
    out[o++] = length;
    if (length > v.length - start) out[o++] = 0;
    out.set(v.subarray(start), o);
    o += v.length - start;
  }
  return out;
}

/** Throws unless the private key is the one whose public half the certificate carries. */
export function assertKeyMatchesCert(certPem: string, keyPem: string): void {
  let certKey: Buffer;
  try {
    certKey = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  } catch (cause) {
    throw new ValidationError('certificate is not a valid PEM X.509 certificate', { pointer: '/certPem', cause });
  }
  let ownKey: Buffer;
  try {
    ownKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  } catch (cause) {
    throw new ValidationError('private key is not a valid PEM private key', { pointer: '/keyPem', cause });
  }
  if (!certKey.equals(ownKey))
    throw new ValidationError('private key does not belong to the certificate', { pointer: '/keyPem' });
}
