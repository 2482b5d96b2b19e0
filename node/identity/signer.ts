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

// Order of the P-256 group: a signature's s above n/2 is replaced by n - s (Fabric accepts low-S only).
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;

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

function lowS(s: Uint8Array): Uint8Array {
  const value = BigInt(`0x${Buffer.from(s).toString('hex')}`);
  if (value <= P256_HALF_N) return s;
  return Buffer.from((P256_N - value).toString(16).padStart(64, '0'), 'hex');
}

function derInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = Buffer.from(bytes.subarray(i));
  const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

function derSignature(r: Uint8Array, s: Uint8Array): Uint8Array {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
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
