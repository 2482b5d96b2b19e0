import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** A PEM CRL signed by a (dev) CA, revoking `serials` (hex): for tests of the gateway's revocation list. */
export async function makeCrl(ca: { certPem: string; keyPem: string }, serials: readonly string[]): Promise<string> {
  const body = ca.keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    Buffer.from(body, 'base64'),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.X509Certificate(ca.certPem).subject,
    thisUpdate: new Date(Date.now() - 60_000),
    nextUpdate: new Date(Date.now() + 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    signingKey,
    entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date(Date.now() - 1000) })),
  });
  return crl.toString('pem') + '\n';
}
