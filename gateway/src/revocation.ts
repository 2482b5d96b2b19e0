import { readFile, stat } from 'node:fs/promises';
import { normalizeSerial, type ClientIdentity } from './client-identity.js';

/**
 * Revoked client certificates, read from a plain text file that operators edit (or a CA job writes):
 *
 *     # one entry a line; '#' starts a comment
 *     serial 5f3a...            # certificate serial number, hex (any case, ':' allowed)
 *     sha256 9c1e...            # SHA-256 fingerprint of the DER certificate, hex (':' allowed)
 *
 * A serial is only unique per issuing CA; `serial <hex> <O of the issuer>` narrows an entry to one org's
 * CA. The file is checked on every new TLS connection (re-read when its size or mtime changes), so a
 * revocation takes effect for the next connection without a restart. A missing file revokes nothing;
 * an unreadable or malformed one refuses everybody (fail closed) until it is fixed.
 */
export interface RevocationList {
  readonly path: string | undefined;
  /** Why the certificate is revoked, or undefined when it is not. */
  check(identity: ClientIdentity): Promise<string | undefined>;
}

interface Parsed {
  readonly serials: Map<string, string | undefined>;
  readonly fingerprints: Set<string>;
}

export function parseRevocationList(text: string, source = 'revocation list'): Parsed {
  const serials = new Map<string, string | undefined>();
  const fingerprints = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
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
  return { serials, fingerprints };
}

export function createRevocationList(path: string | undefined): RevocationList {
  let cached: { key: string; parsed: Parsed | Error } | undefined;
  const load = async (): Promise<Parsed | Error | undefined> => {
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
        cached = { key, parsed: parseRevocationList(await readFile(path, 'utf8'), path) };
      } catch (err) {
        cached = { key, parsed: err as Error };
      }
    }
    return cached.parsed;
  };
  return {
    path,
    async check(identity) {
      const list = await load();
      if (list === undefined) return undefined;
      if (list instanceof Error)
        return `the revocation list cannot be read (${list.message}); refusing until it is fixed`;
      if (list.fingerprints.has(identity.fingerprint256)) return 'certificate fingerprint is on the revocation list';
      if (list.serials.has(identity.serialNumber)) return 'certificate serial number is on the revocation list';
      if (list.serials.has(`${identity.serialNumber}|${identity.org}`))
        return `certificate serial number is on the revocation list for ${identity.org}`;
      return undefined;
    },
  };
}
