import './reflect.js';
import { createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { ValidationError } from '../core/errors.js';
import { encodeFabricAttributes, FABRIC_ATTRS_OID, ROLE_ATTRIBUTE } from './attributes.js';
import type { Crypto, CryptoKey } from './webcrypto.js';
import {
  EC_KEY_ALGORITHM,
  EC_SIGNING_ALGORITHM,
  exportPrivateKeyPem,
  generateP256,
  lowSCrypto,
  pemBody,
} from './webcrypto.js';

export type IdentityKind = 'client' | 'admin' | 'peer' | 'orderer' | 'tls-server' | 'tls-client';

export const IDENTITY_KINDS: readonly IdentityKind[] = [
  'client',
  'admin',
  'peer',
  'orderer',
  'tls-server',
  'tls-client',
];

export interface IssueOptions {
  readonly commonName: string;
  readonly kind: IdentityKind;
  /** Sets the `shulian.role` attribute. */
  readonly role?: string;
  /** More Fabric CA attributes (`hf.*` are set from commonName and kind unless given here). */
  readonly attrs?: Readonly<Record<string, string>>;
  /** DNS names / IP addresses; tls-server defaults to localhost and 127.0.0.1. */
  readonly sans?: readonly string[];
  /** Defaults: one minute ago .. one year later. */
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A development certificate authority: one ECDSA P-256 key that signs an org's identities. */
export interface DevCa {
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
  issue(options: Readonly<IssueOptions>): Promise<IssuedCert>;
}

export interface CreateDevCaOptions {
  readonly mspId: string;
  readonly commonName?: string;
  /** Subject O of the CA and of everything it issues; defaults to the MSP id. */
  readonly organization?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export interface LoadDevCaOptions {
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;
const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The NodeOU a Fabric MSP with NodeOUs enabled expects in the subject of each kind of identity. */
const NODE_OU: Partial<Record<IdentityKind, string>> = {
  client: 'client',
  admin: 'admin',
  peer: 'peer',
  orderer: 'orderer',
};

/** `hf.Type` as Fabric CA sets it from the registered identity type. */
const HF_TYPE: Partial<Record<IdentityKind, string>> = {
  client: 'client',
  admin: 'admin',
  peer: 'peer',
  orderer: 'orderer',
  'tls-client': 'client',
};

export function validateMspId(mspId: unknown, pointer = '/mspId'): string {
  if (typeof mspId !== 'string' || !MSP_ID.test(mspId)) {
    throw new ValidationError(
      `${pointer.slice(1) || 'mspId'} must be an MSP id of letters, digits, '.', '_' or '-' (got ${JSON.stringify(mspId)})`,
      { pointer },
    );
  }
  return mspId;
}

/** Creates a self-signed CA (10 years by default) for `mspId`. */
export async function createDevCa(options: Readonly<CreateDevCaOptions>): Promise<DevCa> {
  const mspId = validateMspId(options.mspId);
  const organization = nonEmpty(options.organization ?? mspId, '/organization');
  const commonName = nonEmpty(options.commonName ?? `ca.${mspId}`, '/commonName');
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - MINUTE);
  const notAfter = options.notAfter ?? new Date(now + 10 * YEAR);
  checkPeriod(notBefore, notAfter);
  const keys = await generateP256();
  const ski = await subjectKeyId(keys.publicKey);
  const name: x509.JsonName = [{ O: [organization] }, { CN: [commonName] }];
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: name,
      issuer: name,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      signingAlgorithm: EC_SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        new x509.SubjectKeyIdentifierExtension(ski),
      ],
    },
    lowSCrypto,
  );
  return new Ca(
    mspId,
    organization,
    cert,
    keys.privateKey,
    ski,
    cert.toString('pem') + '\n',
    await exportPrivateKeyPem(keys.privateKey),
  );
}

/** Re-opens a CA from its certificate and PKCS#8 key (PEM), checking that they belong together. */
export async function loadDevCa(options: Readonly<LoadDevCaOptions>): Promise<DevCa> {
  const mspId = validateMspId(options.mspId);
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(options.certPem);
  } catch (cause) {
    throw new ValidationError('CA certificate is not a valid PEM X.509 certificate', { pointer: '/certPem', cause });
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await webcrypto.subtle.importKey(
      'pkcs8',
      pemBody(options.keyPem, 'PRIVATE KEY'),
      EC_KEY_ALGORITHM,
      true,
      ['sign'],
    );
  } catch (cause) {
    throw new ValidationError('CA key is not a PEM PKCS#8 P-256 private key', { pointer: '/keyPem', cause });
  }
  const publicKey = await cert.publicKey.export(EC_KEY_ALGORITHM, ['verify'], webcrypto as Crypto);
  if (!(await keysMatch(privateKey, publicKey))) {
    throw new ValidationError('CA key does not belong to the CA certificate', { pointer: '/keyPem' });
  }
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca)
    throw new ValidationError('certificate is not a CA certificate (basicConstraints CA:true)', {
      pointer: '/certPem',
    });
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? (await subjectKeyId(publicKey));
  const organization = cert.subjectName.getField('O')[0] ?? mspId;
  return new Ca(
    mspId,
    organization,
    cert,
    privateKey,
    ski,
    normalizePem(options.certPem),
    normalizePem(options.keyPem),
  );
}

class Ca implements DevCa {
  constructor(
    readonly mspId: string,
    private readonly organization: string,
    private readonly cert: x509.X509Certificate,
    private readonly privateKey: CryptoKey,
    private readonly ski: string,
    readonly certPem: string,
    readonly keyPem: string,
  ) {}

  async issue(options: Readonly<IssueOptions>): Promise<IssuedCert> {
    const o = validateIssueOptions(options);
    const now = Date.now();
    const notBefore = o.notBefore ?? new Date(now - MINUTE);
    const notAfter = o.notAfter ?? new Date(now + YEAR);
    checkPeriod(notBefore, notAfter);
    const keys = await generateP256();
    const ou = NODE_OU[o.kind];
    const subject: x509.JsonName = [{ O: [this.organization] }, ...(ou ? [{ OU: [ou] }] : []), { CN: [o.commonName] }];
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.SubjectKeyIdentifierExtension(await subjectKeyId(keys.publicKey)),
      new x509.AuthorityKeyIdentifierExtension(this.ski),
    ];
    if (o.kind === 'tls-server') {
      extensions.push(
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      );
    } else if (o.kind === 'tls-client') {
      extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]));
    }
    const sans = o.sans ?? (o.kind === 'tls-server' ? ['localhost', '127.0.0.1'] : []);
    if (sans.length > 0) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(sans.map((v) => ({ type: isIP(v) ? 'ip' : 'dns', value: v }))),
      );
    }
    const attrs = fabricAttributes(o);
    if (attrs) extensions.push(new x509.Extension(FABRIC_ATTRS_OID, false, encodeFabricAttributes(attrs)));
    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerial(),
        subject,
        issuer: this.cert.subjectName,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: this.privateKey,
        signingAlgorithm: EC_SIGNING_ALGORITHM,
        extensions,
      },
      lowSCrypto,
    );
    return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys.privateKey) };
  }
}

/**
 * The attributes Fabric CA would put in an enrollment certificate (`hf.Affiliation`, `hf.EnrollmentID`,
 * `hf.Type`) plus the role and caller's attributes. A TLS server certificate gets none unless asked.
 */
function fabricAttributes(o: Readonly<IssueOptions>): Record<string, string> | undefined {
  if (o.kind === 'tls-server' && o.role === undefined && o.attrs === undefined) return undefined;
  const attrs: Record<string, string> = { 'hf.Affiliation': '', 'hf.EnrollmentID': o.commonName };
  const type = HF_TYPE[o.kind];
  if (type) attrs['hf.Type'] = type;
  Object.assign(attrs, o.attrs ?? {});
  if (o.role !== undefined) attrs[ROLE_ATTRIBUTE] = o.role;
  return attrs;
}

function validateIssueOptions(options: Readonly<IssueOptions>): Readonly<IssueOptions> {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('issue options must be an object', { pointer: '' });
  nonEmpty(options.commonName, '/commonName');
  if (!IDENTITY_KINDS.includes(options.kind)) {
    throw new ValidationError(
      `kind must be one of ${IDENTITY_KINDS.join(', ')} (got ${JSON.stringify(options.kind)})`,
      { pointer: '/kind' },
    );
  }
  if (options.role !== undefined) nonEmpty(options.role, '/role');
  if (options.attrs !== undefined) {
    if (typeof options.attrs !== 'object' || options.attrs === null || Array.isArray(options.attrs)) {
      throw new ValidationError('attrs must be an object of string values', { pointer: '/attrs' });
    }
    for (const [k, v] of Object.entries(options.attrs)) {
      if (typeof v !== 'string')
        throw new ValidationError('attribute values must be strings', { pointer: `/attrs/${escapePointer(k)}` });
    }
  }
  if (options.sans !== undefined) {
    if (!Array.isArray(options.sans))
      throw new ValidationError('sans must be an array of DNS names or IP addresses', { pointer: '/sans' });
    options.sans.forEach((s, i) => nonEmpty(s, `/sans/${i}`));
  }
  for (const field of ['notBefore', 'notAfter'] as const) {
    const d = options[field];
    if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()))) {
      throw new ValidationError(`${field} must be a valid Date`, { pointer: `/${field}` });
    }
  }
  return options;
}

function checkPeriod(notBefore: Date, notAfter: Date): void {
  if (!(notBefore.getTime() < notAfter.getTime())) {
    throw new ValidationError('notAfter must be later than notBefore', { pointer: '/notAfter' });
  }
}

function nonEmpty(value: unknown, pointer: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(`${pointer.slice(1)} must be a non-empty string`, { pointer });
  }
  return value;
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** As Fabric's cryptogen: SHA-256 of the uncompressed public point. */
async function subjectKeyId(publicKey: CryptoKey): Promise<string> {
  const raw = Buffer.from(await webcrypto.subtle.exportKey('raw', publicKey));
  return createHash('sha256').update(raw).digest('hex');
}

/** 128 random bits, top bit clear so the DER INTEGER stays positive without padding surprises. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}

async function keysMatch(privateKey: CryptoKey, publicKey: CryptoKey): Promise<boolean> {
  const probe = webcrypto.getRandomValues(new Uint8Array(32));
  const sig = await webcrypto.subtle.sign(EC_SIGNING_ALGORITHM, privateKey, probe);
  return webcrypto.subtle.verify(EC_SIGNING_ALGORITHM, publicKey, sig, probe);
}

function normalizePem(pem: string): string {
  const t = pem.replace(/\r\n/g, '\n').trim();
  return `${t}\n`;
}
