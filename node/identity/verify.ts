import { X509Certificate } from 'node:crypto';

export interface ChainVerification {
  readonly ok: boolean;
  /** Why the chain does not verify (absent when ok). */
  readonly reason?: string;
  /** Subject DN of the CA that signed the certificate (when one was found). */
  readonly issuer?: string;
}

const MAX_DEPTH = 8;

/**
 * Checks that `certPem` chains to one of `caCertsPem` (trust anchors, optionally with intermediates):
 * every signature, that every issuer is a CA, and that every certificate is valid at `at` (default now).
 * Never throws for a bad certificate: the answer says why.
 */
export function verifyCertChain(
  certPem: string,
  caCertsPem: readonly string[],
  at: Date = new Date(),
): ChainVerification {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certPem);
  } catch {
    return { ok: false, reason: 'certificate is not a valid PEM X.509 certificate' };
  }
  const cas: X509Certificate[] = [];
  for (const [i, pem] of caCertsPem.entries()) {
    try {
      cas.push(new X509Certificate(pem));
    } catch {
      return { ok: false, reason: `CA certificate #${i} is not a valid PEM X.509 certificate` };
    }
  }
  let current = leaf;
  let directIssuer: string | undefined;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const period = validity(current, at);
    if (period) return withIssuer({ ok: false, reason: period }, directIssuer);
    if (depth > 0 && isSelfSigned(current)) return withIssuer({ ok: true }, directIssuer);
    const issuer = cas.find((ca) => ca !== current && current.checkIssued(ca) && current.verify(ca.publicKey));
    if (!issuer) {
      const named = cas.some((ca) => ca.subject === current.issuer);
      const reason = named
        ? `signature of "${oneLine(current.subject)}" does not verify with the key of CA "${oneLine(current.issuer)}"`
        : `"${oneLine(current.subject)}" was issued by "${oneLine(current.issuer)}", which is not a trusted CA`;
      return withIssuer({ ok: false, reason }, directIssuer);
    }
    if (!issuer.ca)
      return withIssuer(
        { ok: false, reason: `issuer "${oneLine(issuer.subject)}" is not a CA certificate` },
        directIssuer,
      );
    directIssuer ??= oneLine(issuer.subject);
    current = issuer;
  }
  return withIssuer({ ok: false, reason: `chain longer than ${MAX_DEPTH} certificates` }, directIssuer);
}

function withIssuer(result: ChainVerification, issuer: string | undefined): ChainVerification {
  return issuer === undefined ? result : { ...result, issuer };
}

function validity(cert: X509Certificate, at: Date): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const t = at.getTime();
  if (t < from.getTime()) return `"${oneLine(cert.subject)}" is not valid before ${from.toISOString()}`;
  if (t > to.getTime()) return `"${oneLine(cert.subject)}" expired at ${to.toISOString()}`;
  return undefined;
}

function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.verify(cert.publicKey);
}

/** Node prints DNs one attribute per line; a reason reads better on one line. */
function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
