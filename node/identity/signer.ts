import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { signers } from '@hyperledger/fabric-gateway';
import { ValidationError } from '../core/errors.js';
import type { Signer, SigningIdentity } from './types.js';
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
  return { identity: { mspId, credentials: new TextEncoder().encode(certPem) }, signer: newSigner(keyPem) };
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
