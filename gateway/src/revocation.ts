import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe, which needs it first
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import { normalizeSerial, type ClientIdentity } from './client-identity.js';

/**
 * Revoked client certificates, read from a plain text file that operators edit (or a CA job writes):
 *
 *     # one entry a line; '#' starts a comment
 *     serial 5f3a...            # certificate serial number, hex (any case, ':' allowed)
 *     sha256 9c1e...            # SHA-256 fingerprint of the DER certificate, hex (':' allowed)
 *
 *     -----BEGIN X509 CRL-----  # X.509 CRLs (PEM, e.g. from `fabric-ca-client gencrl`), as many as needed
 *     ...
 *     -----END X509 CRL-----
 *
 * A serial is only unique per issuing CA; `serial <hex> <O of the issuer>` narrows an entry to one org's
 * CA. A CRL must be signed by one of the trusted CAs (the consortium TLS CA bundle) and revokes the
 * serials it lists among the certificates that CA issued. The file is checked on every new TLS connection (re-read when its size or mtime changes), so a
 * revocation takes effect for the next connection without a restart. A missing file revokes nothing;
 * an unreadable or malformed one refuses everybody (fail closed) until it is fixed.
 */
export interface RevocationList {
  readonly path: string | undefined;
  /** Why the certificate (its identity and DER) is revoked, or undefined when it is not. */
  check(identity: ClientIdentity, der?: Uint8Array): Promise<string | undefined>;
}

export interface RevocationListOptions {
  /** PEM bundle of the CAs whose CRLs are accepted (the consortium TLS CA bundle). */
  readonly trustedCas?: string;
}

interface Parsed {
  readonly serials: Map<string, string | undefined>;
  readonly fingerprints: Set<string>;
  /** PEM CRLs found in the file, not yet checked. */
  readonly crlPems: readonly string[];
}

interface CheckedCrl {
  readonly ca: NodeCertificate;
  readonly caName: string;
  readonly serials: ReadonlySet<string>;
}

const CRL_BLOCK = /-----BEGIN (?:X509 )?CRL-----[\s\S]*?-----END (?:X509 )?CRL-----/g;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export function parseRevocationList(text: string, source = 'revocation list'): Parsed {
  const serials = new Map<string, string | undefined>();
  const fingerprints = new Set<string>();
  const crlPems = text.match(CRL_BLOCK) ?? [];
  // a CRL block becomes blank lines, so line numbers in errors still match the file
  const lines = text.replace(CRL_BLOCK, (block) => block.replace(/[^\n]/g, ''));
  lines.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [kind, value, ...rest] = line.split(/\s+/);
    const hex = (value ?? '').replace(/:/g, '');
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw new SyntaxError(`${source} line ${i + 1}: expected hex after "${kind}"`);
    if (kind === 'serial')
      serials.set(`${normalizeSerial(hex)}${rest.length ? `|${rest.join(' ')}` : ''}`, rest.join(' ') || undefined);
    else if (kind === 'sha256' && hex.length === 64) fingerprints.add(hex.toLowerCase());
    else throw new SyntaxError(`${source} line ${i + 1}: expected "serial <hex> [issuer O]" or "sha256 <64 hex>"`);
  });
  return { serials, fingerprints, crlPems };
}

/** Parses each CRL and checks its signature against the trusted CA that issued it. */
export async function checkCrls(crlPems: readonly string[], trustedCas: string | undefined): Promise<CheckedCrl[]> {
  if (crlPems.length === 0) return [];
  const cas = (trustedCas?.match(CERT_BLOCK) ?? []).map((pem) => ({ pem, cert: new x509.X509Certificate(pem) }));
  const out: CheckedCrl[] = [];
  for (const [i, pem] of crlPems.entries()) {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(pem);
    } catch (cause) {
      throw new SyntaxError(`CRL ${i + 1} cannot be parsed`, { cause });
    }
    let signer: (typeof cas)[number] | undefined;
    for (const ca of cas) {
      if (ca.cert.subject === crl.issuer && (await crl.verify({ publicKey: ca.cert.publicKey }))) {
        signer = ca;
        break;
      }
    }
    if (!signer) throw new SyntaxError(`CRL ${i + 1} (issuer ${crl.issuer}) is not signed by a trusted CA`);
    out.push({
      ca: new NodeCertificate(signer.pem),
      caName: crl.issuer,
      serials: new Set(crl.entries.map((e) => normalizeSerial(e.serialNumber))),
    });
  }
  return out;
}

export function createRevocationList(
  path: string | undefined,
  options: Readonly<RevocationListOptions> = {},
): RevocationList {
  type Loaded = Parsed & { readonly crls: readonly CheckedCrl[] };
  let cached: { key: string; parsed: Loaded | Error } | undefined;
  const load = async (): Promise<Loaded | Error | undefined> => {
    if (path === undefined) return undefined;
    let key: string;
    try {
      const s = await stat(path);
      key = `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return err as Error;
    }
    if (cached?.key !== key) {
      try {
        const parsed = parseRevocationList(await readFile(path, 'utf8'), path);
        cached = { key, parsed: { ...parsed, crls: await checkCrls(parsed.crlPems, options.trustedCas) } };
      } catch (err) {
        cached = { key, parsed: err as Error };
      }
    }
    return cached.parsed;
  };
  return {
    path,
    async check(identity, der) {
      const list = await load();
      if (list === undefined) return undefined;
      if (list instanceof Error)
        return `the revocation list cannot be read (${list.message}); refusing until it is fixed`;
      if (list.fingerprints.has(identity.fingerprint256)) return 'certificate fingerprint is on the revocation list';
      if (list.serials.has(identity.serialNumber)) return 'certificate serial number is on the revocation list';
      if (list.serials.has(`${identity.serialNumber}|${identity.org}`))
        return `certificate serial number is on the revocation list for ${identity.org}`;
      if (list.crls.length > 0 && der) {
        const cert = new NodeCertificate(der);
        for (const crl of list.crls) {
          if (crl.serials.has(identity.serialNumber) && cert.verify(crl.ca.publicKey)) {
            return `certificate is revoked by the CRL of ${crl.caName}`;
          }
        }
      }
      return undefined;
    },
  };
}
