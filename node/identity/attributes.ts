import './reflect.js';
import { X509Certificate } from '@peculiar/x509';
import { ValidationError } from '../core/errors.js';

/** Fabric CA's attribute extension (lib/attrmgr `AttrOID`); fabric-shim's ClientIdentity reads the same OID. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

/** The attribute that carries a Shulian role (`operator` | `rights-admin` | `auditor` | `warehouse`). */
export const ROLE_ATTRIBUTE = 'shulian.role';

/**
 * Encodes attributes exactly as Fabric CA does: Go's `json.Marshal(&Attributes{Attrs: m})`, i.e.
 * `{"attrs":{...}}` with map keys sorted bytewise and Go's HTML-safe string escaping. The extension
 * value is these raw UTF-8 bytes (not wrapped in an ASN.1 string), which is what both Fabric's Go
 * attrmgr and fabric-shim (via @fidm/x509) expect.
 */
export function encodeFabricAttributes(attrs: Readonly<Record<string, string>>): Uint8Array {
  const keys = Object.keys(attrs).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const body = keys.map((k) => `${goJsonString(k)}:${goJsonString(attrs[k] ?? '')}`).join(',');
  return new TextEncoder().encode(`{"attrs":{${body}}}`);
}

function goJsonString(s: string): string {
  let out = '"';
  // Go replaces invalid UTF-16 (lone surrogates) with U+FFFD when it encodes
  for (const ch of s.replace(/\p{Surrogate}/gu, '\ufffd')) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * The Fabric CA attributes (`hf.EnrollmentID`, `hf.Type`, `shulian.role`, ...) in a PEM certificate,
 * read from extension 1.2.3.4.5.6.7.8.1. A certificate without the extension has no attributes ({}).
 * The gateway asks this for every request, so answers are memoised by PEM text (bounded); each call
 * gets its own copy.
 */
export function clientIdentityAttributes(certPem: string): Record<string, string> {
  let attrs = cache.get(certPem);
  if (!attrs) {
    attrs = readAttributes(certPem);
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(certPem, attrs);
  }
  return { ...attrs };
}

const CACHE_LIMIT = 2048;
const cache = new Map<string, Readonly<Record<string, string>>>();

function readAttributes(certPem: string): Record<string, string> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (cause) {
    throw new ValidationError('certificate is not a valid PEM X.509 certificate', { pointer: '/certPem', cause });
  }
  const ext = cert.extensions.find((e) => e.type === FABRIC_ATTRS_OID);
  if (!ext) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(ext.value));
  } catch (cause) {
    throw new ValidationError(`attribute extension ${FABRIC_ATTRS_OID} is not UTF-8 JSON`, {
      pointer: '/certPem',
      cause,
    });
  }
  const attrs = (parsed as { attrs?: unknown } | null)?.attrs;
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
    throw new ValidationError(`attribute extension ${FABRIC_ATTRS_OID} has no "attrs" object`, { pointer: '/certPem' });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
