import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { clientIdentityAttributes } from 'shulian/identity';
import { HttpProblem } from './problem.js';

export const ROLE_ATTRIBUTE = 'shulian.role';

/** Who is calling, as their client certificate says. */
export interface ClientIdentity {
  /** Subject O: the org's MSP id. */
  readonly org: string;
  /** The `shulian.role` attribute (Fabric CA extension), if the certificate carries one. */
  readonly role: string | undefined;
  readonly commonName: string;
  /** Lowercase hex, without leading zeros. */
  readonly serialNumber: string;
  /** SHA-256 of the DER certificate, lowercase hex without separators. */
  readonly fingerprint256: string;
  readonly issuer: string;
  readonly notAfter: string;
}

export function normalizeSerial(serial: string): string {
  return serial
    .replace(/[^0-9a-fA-F]/g, '')
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

/**
 * Reads the identity from a client certificate (DER). The org is the subject's O, and the issuing CA must
 * name the same O: every org's CA is in the trust bundle, and without this check one org's CA could issue
 * a certificate claiming to be another org.
 */
export function identityFromCertificate(der: Uint8Array): ClientIdentity {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new HttpProblem('CERT_INVALID', 'the client certificate cannot be parsed', { cause });
  }
  const subject = parseName(cert.subject);
  const issuer = parseName(cert.issuer);
  const org = subject.get('O');
  const commonName = subject.get('CN');
  if (!org || !commonName)
    throw new HttpProblem('CERT_INVALID', 'the client certificate names no organisation (O) or common name (CN)');
  if (issuer.get('O') !== org) {
    throw new HttpProblem(
      'CERT_INVALID',
      `the client certificate claims organisation ${org} but was issued by a CA of ${issuer.get('O') ?? 'no organisation'}`,
    );
  }
  let attrs: Record<string, string>;
  try {
    attrs = clientIdentityAttributes(cert.toString());
  } catch (cause) {
    throw new HttpProblem('CERT_INVALID', 'the client certificate carries an unreadable attribute extension', {
      cause,
    });
  }
  return {
    org,
    role: attrs[ROLE_ATTRIBUTE],
    commonName,
    serialNumber: normalizeSerial(cert.serialNumber),
    fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    issuer: cert.issuer.replace(/\n/g, ', '),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

/** Node prints names one RDN per line, `KEY=value`; multi-valued keys keep the first value. */
function parseName(name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of name.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (!out.has(key)) out.set(key, line.slice(eq + 1));
  }
  return out;
}

/** The peer certificate of an authorised TLS socket, as DER. Undefined when there is none. */
export function peerCertificateDer(socket: TLSSocket): Uint8Array | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate(false);
  return cert && cert.raw ? cert.raw : undefined;
}
