import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type FabricCAServices from 'fabric-ca-client';
import type { User } from 'fabric-common';
import {
  AccessDeniedError,
  ConfigError,
  NotFoundError,
  ShulianError,
  UnavailableError,
  ValidationError,
} from '../core/errors.js';
import { ROLE_ATTRIBUTE, clientIdentityAttributes } from './attributes.js';
import { validateMspId } from './ca.js';
import { writeFileAtomic } from './files.js';
import { loadMspFolder, writeMspFolder } from './msp.js';

/**
 * Identities from a Fabric CA server (fabric-ca-client 2.2), written as MSP folders the node and the peer
 * CLI read as they are. Registration sets `shulian.role` with `ecert: true`, so every certificate the CA
 * enrolls for the identity carries the role the chaincode reads — the same attribute extension the
 * development CA writes.
 */
export interface CaEndpoint {
  /** https://host:7054 (or http:// for a CA without TLS). */
  readonly url: string;
  /** The CA's name on a multi-CA server (fabric-ca-server --cafiles); default: the server's default CA. */
  readonly caName?: string;
  /** The CA server's TLS certificate chain (PEM), for https. */
  readonly tlsCaCertPem?: string;
}

export const IDENTITY_TYPES = ['client', 'peer', 'orderer', 'admin'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];
export const ROLES = ['operator', 'rights-admin', 'auditor', 'warehouse'] as const;

export interface Registrar {
  readonly mspId: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface EnrolledIdentity {
  readonly mspDir: string;
  readonly certPem: string;
  readonly subject: string;
  readonly serial: string;
  readonly notAfter: string;
  readonly role?: string;
}

// Loaded on first use: fabric-common reads process.argv through nconf/yargs when it loads (it would answer
// `--help` for the whole CLI), so only the identity commands pay for it.
async function sdk(): Promise<{ FabricCAServices: typeof FabricCAServices; User: typeof User }> {
  const [ca, common] = await Promise.all([import('fabric-ca-client'), import('fabric-common')]);
  return { FabricCAServices: ca.default, User: common.User };
}

async function services(ca: Readonly<CaEndpoint>): Promise<FabricCAServices> {
  let url: URL;
  try {
    url = new URL(ca.url);
  } catch (cause) {
    throw new ValidationError(`CA url must be an http(s) URL (got ${JSON.stringify(ca.url)})`, {
      pointer: '/url',
      cause,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError(`CA url must be http or https (got ${url.protocol})`, { pointer: '/url' });
  const tls = ca.tlsCaCertPem ? { trustedRoots: [ca.tlsCaCertPem], verify: true } : undefined;
  const { FabricCAServices: Services } = await sdk();
  return new Services(ca.url, tls, ca.caName ?? '');
}

async function registrarUser(r: Readonly<Registrar>): Promise<User> {
  validateMspId(r.mspId, '/registrar/mspId');
  const { User: UserClass } = await sdk();
  return UserClass.createUser('registrar', '', r.mspId, r.certPem, r.keyPem);
}

/** Loads a registrar (or any enrolled identity) from its MSP folder. */
export async function registrarFromMsp(mspDir: string, mspId: string): Promise<Registrar> {
  const msp = await loadMspFolder(mspDir, mspId);
  return { mspId, certPem: msp.certPem, keyPem: msp.keyPem };
}

/** Enrolls `enrollmentId` and writes its MSP folder (signcerts, keystore, cacerts, config.yaml with NodeOUs). */
export async function enrollIdentity(
  options: Readonly<{
    ca: CaEndpoint;
    enrollmentId: string;
    secret: string;
    mspId: string;
    mspDir: string;
    tlsCaCertPem?: string;
  }>,
): Promise<EnrolledIdentity> {
  nonEmpty(options.enrollmentId, '/enrollmentId');
  nonEmpty(options.secret, '/secret');
  validateMspId(options.mspId);
  const ca = await services(options.ca);
  const enrollment = await call(options.ca, 'enroll', () =>
    ca.enroll({ enrollmentID: options.enrollmentId, enrollmentSecret: options.secret }),
  );
  const keyPem = enrollment.key.toBytes();
  const caCertPem = firstCert(enrollment.rootCertificate);
  await writeMspFolder(options.mspDir, {
    certPem: enrollment.certificate,
    keyPem,
    caCertPem,
    ...(options.tlsCaCertPem ? { tlsCaCertPem: options.tlsCaCertPem } : {}),
  });
  return describe(options.mspDir, enrollment.certificate);
}

/** Registers an identity; `role` becomes the `shulian.role` attribute of its enrollment certificates. Returns the secret. */
export async function registerIdentity(
  options: Readonly<{
    ca: CaEndpoint;
    registrar: Registrar;
    enrollmentId: string;
    secret?: string;
    type?: IdentityType;
    role?: string;
    affiliation?: string;
    maxEnrollments?: number;
  }>,
): Promise<{ readonly enrollmentId: string; readonly secret: string }> {
  nonEmpty(options.enrollmentId, '/enrollmentId');
  const type = options.type ?? 'client';
  if (!IDENTITY_TYPES.includes(type))
    throw new ValidationError(`type must be one of ${IDENTITY_TYPES.join(', ')} (got ${JSON.stringify(type)})`, {
      pointer: '/type',
    });
  if (options.role !== undefined && !(ROLES as readonly string[]).includes(options.role)) {
    throw new ValidationError(`role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(options.role)})`, {
      pointer: '/role',
    });
  }
  if (
    options.maxEnrollments !== undefined &&
    (!Number.isSafeInteger(options.maxEnrollments) || options.maxEnrollments < -1)
  ) {
    throw new ValidationError('maxEnrollments must be an integer >= -1 (-1: unlimited, 0: the server default)', {
      pointer: '/maxEnrollments',
    });
  }
  const ca = await services(options.ca);
  const registrar = await registrarUser(options.registrar);
  const secret = await call(options.ca, 'register', () =>
    ca.register(
      {
        enrollmentID: options.enrollmentId,
        ...(options.secret ? { enrollmentSecret: options.secret } : {}),
        role: type,
        affiliation: options.affiliation ?? '',
        maxEnrollments: options.maxEnrollments ?? 0,
        attrs: options.role === undefined ? [] : [{ name: ROLE_ATTRIBUTE, value: options.role, ecert: true }],
      },
      registrar,
    ),
  );
  return { enrollmentId: options.enrollmentId, secret };
}

/**
 * Renews the certificate of the identity in `mspDir` (before it expires, or to rotate its key): a new key,
 * a certificate with the same subject and attributes, written over the old ones atomically.
 */
export async function reenrollIdentity(
  options: Readonly<{ ca: CaEndpoint; mspDir: string; mspId: string }>,
): Promise<EnrolledIdentity> {
  const current = await loadMspFolder(options.mspDir, options.mspId);
  const ca = await services(options.ca);
  const { User: UserClass } = await sdk();
  const user = UserClass.createUser('current', '', options.mspId, current.certPem, current.keyPem);
  const renewed = await call(options.ca, 'reenroll', () => ca.reenroll(user, []));
  await writeFileAtomic(join(options.mspDir, 'keystore', 'priv_sk'), renewed.key.toBytes(), 0o600);
  await writeFileAtomic(join(options.mspDir, 'signcerts', 'cert.pem'), renewed.certificate);
  return describe(options.mspDir, renewed.certificate);
}

/** Revokes an identity (every certificate of it) or one certificate (serial + aki); optionally fetches the new CRL. */
export async function revokeIdentity(
  options: Readonly<{
    ca: CaEndpoint;
    registrar: Registrar;
    enrollmentId?: string;
    serial?: string;
    aki?: string;
    reason?: string;
    crlFile?: string;
  }>,
): Promise<{
  readonly revoked: readonly { readonly serial: string; readonly aki: string }[];
  readonly crlFile?: string;
}> {
  if (!options.enrollmentId && !(options.serial && options.aki)) {
    throw new ValidationError('revoke needs an enrollment id, or a certificate serial and AKI', {
      pointer: options.serial ? '/aki' : '/enrollmentId',
    });
  }
  const ca = await services(options.ca);
  const registrar = await registrarUser(options.registrar);
  const res = await call(options.ca, 'revoke', () =>
    ca.revoke(
      {
        enrollmentID: options.enrollmentId ?? '',
        ...(options.serial ? { serial: options.serial } : {}),
        ...(options.aki ? { aki: options.aki } : {}),
        ...(options.reason ? { reason: options.reason } : {}),
        // not in the 2.2 typings; FabricCAServices.revoke reads it
        ...({ gencrl: options.crlFile !== undefined } as object),
      },
      registrar,
    ),
  );
  const result = (res as { result?: { RevokedCerts?: { Serial: string; AKI: string }[]; CRL?: string } }).result ?? {};
  const revoked = (result.RevokedCerts ?? []).map((c) => ({ serial: c.Serial, aki: c.AKI }));
  if (options.crlFile !== undefined && result.CRL) {
    const der = Buffer.from(result.CRL, 'base64');
    const text = der.toString('utf8').includes('-----BEGIN')
      ? der.toString('utf8')
      : `-----BEGIN X509 CRL-----\n${der
          .toString('base64')
          .replace(/(.{64})/g, '$1\n')
          .trimEnd()}\n-----END X509 CRL-----\n`;
    await writeFileAtomic(options.crlFile, text);
    return { revoked, crlFile: options.crlFile };
  }
  return { revoked };
}

async function describe(mspDir: string, certPem: string): Promise<EnrolledIdentity> {
  const cert = new X509Certificate(certPem);
  const role = clientIdentityAttributes(certPem)[ROLE_ATTRIBUTE];
  return {
    mspDir,
    certPem,
    subject: cert.subject.split('\n').join(', '),
    serial: cert.serialNumber.toLowerCase(),
    notAfter: new Date(cert.validTo).toISOString(),
    ...(role ? { role } : {}),
  };
}

function firstCert(chain: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(chain);
  if (!m) throw new ShulianError('CA', 'the CA returned no CA certificate chain');
  return m[0].endsWith('\n') ? m[0] : `${m[0]}\n`;
}

function nonEmpty(value: unknown, pointer: string): void {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ValidationError(`${pointer.slice(1)} must be a non-empty string`, { pointer });
}

/** Runs a CA request, turning fabric-ca-client's errors into the node's: refused credentials, unreachable server, CA errors. */
async function call<T>(ca: Readonly<CaEndpoint>, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ShulianError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as NodeJS.ErrnoException)?.code;
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'ETIMEDOUT' ||
      /ECONNREFUSED|ENOTFOUND|socket hang up|ETIMEDOUT/.test(message)
    ) {
      throw new UnavailableError(`the CA at ${ca.url} cannot be reached (${what}): ${message}`, { cause: err });
    }
    if (/self[- ]signed|unable to verify|certificate/i.test(message) && !/errors \[/.test(message)) {
      throw new ConfigError(`TLS to the CA at ${ca.url} failed: ${message} (pass the CA server's TLS certificate)`, {
        cause: err,
      });
    }
    const caErrors = caErrorsOf(err, message);
    const first = caErrors[0];
    const text = caErrors.length > 0 ? caErrors.map((e) => `${e.message} (code ${e.code})`).join('; ') : message;
    const details = caErrors.length > 0 ? { caErrors } : undefined;
    // Fabric CA error codes: 20 authentication failure, 71 authorization failure, 63 identity not found
    if (
      first &&
      (first.code === 20 || first.code === 71 || /authenticat|authoriz|not allowed|does not have/i.test(first.message))
    ) {
      throw new AccessDeniedError(`the CA refused ${what}: ${text}`, { cause: err, ...(details ? { details } : {}) });
    }
    if (first && (first.code === 63 || /not found|does not exist/i.test(first.message)))
      throw new NotFoundError(`the CA found nothing to ${what}: ${text}`, {
        cause: err,
        ...(details ? { details } : {}),
      });
    throw new ShulianError('CA', `${what} at ${ca.url} failed: ${text}`, {
      cause: err,
      ...(details ? { details } : {}),
    });
  }
}

/** fabric-ca-client copies the server's response ({success, errors: [{code, message}]}) onto the Error. */
function caErrorsOf(err: unknown, message: string): { code: number; message: string }[] {
  const errors = (err as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e: { code?: unknown; message?: unknown }) => ({
      code: typeof e?.code === 'number' ? e.code : 0,
      message: String(e?.message ?? ''),
    }));
  }
  const m = /errors\s*\[(\[.*\])\]/s.exec(message) ?? /errors:\s*(\[.*\])/s.exec(message);
  if (!m) return [];
  try {
    const list = JSON.parse(m[1] as string) as { code?: unknown; message?: unknown }[];
    return list.map((e) => ({ code: typeof e.code === 'number' ? e.code : 0, message: String(e.message ?? '') }));
  } catch {
    return [];
  }
}

export async function readPem(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`${variable} ${path} cannot be read`, { file: path, cause });
  }
}
