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
 *
 * The ledger calls this for every transaction with the same few certificates, so parsed certificates
 * and signature checks are memoised (by PEM text; a bounded cache): only the validity period is
 * evaluated afresh on each call.
 */
export function verifyCertChain(
  certPem: string,
  caCertsPem: readonly string[],
  at: Date = new Date(),
): ChainVerification {
  const leaf = parse(certPem);
  if (!leaf) return { ok: false, reason: 'certificate is not a valid PEM X.509 certificate' };
  const cas: Parsed[] = [];
  for (const [i, pem] of caCertsPem.entries()) {
    const ca = parse(pem);
    if (!ca) return { ok: false, reason: `CA certificate #${i} is not a valid PEM X.509 certificate` };
    cas.push(ca);
  }
  const t = at.getTime();
  let current = leaf;
  let directIssuer: string | undefined;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const period = validity(current, t);
    if (period) return withIssuer({ ok: false, reason: period }, directIssuer);
    if (depth > 0 && isSelfSigned(current)) return withIssuer({ ok: true }, directIssuer);
    const issuer = cas.find((ca) => ca !== current && signedBy(current, ca));
    if (!issuer) {
      const named = cas.some((ca) => ca.cert.subject === current.cert.issuer);
      const reason = named
        ? `signature of "${current.subjectLine}" does not verify with the key of CA "${oneLine(current.cert.issuer)}"`
        : `"${current.subjectLine}" was issued by "${oneLine(current.cert.issuer)}", which is not a trusted CA`;
      return withIssuer({ ok: false, reason }, directIssuer);
    }
    if (!issuer.cert.ca)
      return withIssuer({ ok: false, reason: `issuer "${issuer.subjectLine}" is not a CA certificate` }, directIssuer);
    directIssuer ??= issuer.subjectLine;
    current = issuer;
  }
  return withIssuer({ ok: false, reason: `chain longer than ${MAX_DEPTH} certificates` }, directIssuer);
}

interface Parsed {
  readonly cert: X509Certificate;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subjectLine: string;
  selfSigned?: boolean;
  /** Memoised signature checks of this certificate against candidate issuers. */
  readonly signedBy: WeakMap<Parsed, boolean>;
}

const CACHE_LIMIT = 2048;
const cache = new Map<string, Parsed>();

function parse(pem: string): Parsed | undefined {
  const hit = cache.get(pem);
  if (hit) return hit;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const parsed: Parsed = {
    cert,
    notBefore: new Date(cert.validFrom).getTime(),
    notAfter: new Date(cert.validTo).getTime(),
    subjectLine: oneLine(cert.subject),
    signedBy: new WeakMap(),
  };
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(pem, parsed);
  return parsed;
}

function signedBy(child: Parsed, issuer: Parsed): boolean {
  let ok = child.signedBy.get(issuer);
  if (ok === undefined) {
    ok = child.cert.checkIssued(issuer.cert) && child.cert.verify(issuer.cert.publicKey);
    child.signedBy.set(issuer, ok);
  }
  return ok;
}

function isSelfSigned(p: Parsed): boolean {
  p.selfSigned ??= p.cert.subject === p.cert.issuer && p.cert.verify(p.cert.publicKey);
  return p.selfSigned;
}

function withIssuer(result: ChainVerification, issuer: string | undefined): ChainVerification {
  return issuer === undefined ? result : { ...result, issuer };
}

function validity(p: Parsed, t: number): string | undefined {
  if (t < p.notBefore) return `"${p.subjectLine}" is not valid before ${new Date(p.notBefore).toISOString()}`;
  if (t > p.notAfter) return `"${p.subjectLine}" expired at ${new Date(p.notAfter).toISOString()}`;
  return undefined;
}

/** Node prints DNs one attribute per line; a reason reads better on one line. */
function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}
