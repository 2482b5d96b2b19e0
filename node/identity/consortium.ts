import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, NotFoundError, ValidationError } from '../core/errors.js';
import { createDevCa, validateMspId, type DevCa, type IssuedCert } from './ca.js';
import { syncDir, writeFileAtomic } from './files.js';
import { MSP_FILES, writeMspFolder, writeOrgMspFolder } from './msp.js';

export const DEFAULT_PROVINCE_MSP = 'JilinLibraryMSP';
export const DEFAULT_NATIONAL_MSP = 'NLCMSP';

/** The user identities every org gets; each name is also its `shulian.role`. */
export const USER_ROLES = ['operator', 'rights-admin', 'auditor', 'warehouse'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface ConsortiumOptions {
  /** The province library's MSP id (default JilinLibraryMSP). */
  readonly provinceMsp?: string;
  /** The national library's MSP id (default NLCMSP). */
  readonly nationalMsp?: string;
}

export interface InitConsortiumOptions extends ConsortiumOptions {
  /** Replace an existing consortium (new CAs, new keys). */
  readonly force?: boolean;
}

/** A TLS key pair as cryptogen lays it out: cert, key, and ca.crt (the CAs to trust for the other side). */
export interface TlsFiles {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export interface IdentityLayout {
  /** Short name: peer0, admin, operator, rights-admin, auditor, warehouse. */
  readonly name: string;
  readonly mspId: string;
  readonly commonName: string;
  readonly kind: 'peer' | 'admin' | 'client';
  readonly role?: UserRole;
  readonly dir: string;
  /** MSP folder: signcerts/cert.pem, keystore/priv_sk, cacerts/ca.pem, tlscacerts/tlsca.pem, config.yaml. */
  readonly msp: string;
  readonly cert: string;
  readonly key: string;
  /** mTLS client certificate for the gateway (users only). */
  readonly tls?: TlsFiles;
}

export interface OrgLayout {
  readonly mspId: string;
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly tlsCaCert: string;
  readonly tlsCaKey: string;
  /** The org's verifying MSP (no signing identity): cacerts, tlscacerts, config.yaml. */
  readonly msp: string;
  /** Signs the embedded ledger's blocks. */
  readonly peer: IdentityLayout;
  readonly admin: IdentityLayout;
  readonly users: Readonly<Record<UserRole, IdentityLayout>>;
  /** The gateway's TLS server certificate (the province only). */
  readonly gatewayTls?: TlsFiles;
}

export interface ConsortiumLayout {
  readonly home: string;
  readonly dir: string;
  /** consortium.json: who is in the consortium and where each identity lives. */
  readonly manifest: string;
  /** Every org's signing CA certificate: what an offline verifier pins. */
  readonly caBundle: string;
  /** Every org's TLS CA certificate: what mTLS peers trust. */
  readonly tlsCaBundle: string;
  readonly province: OrgLayout;
  readonly national: OrgLayout;
  readonly orgs: readonly OrgLayout[];
}

export interface ConsortiumInit extends ConsortiumLayout {
  /** False when an existing consortium was kept. */
  readonly created: boolean;
}

const MANIFEST_SCHEMA_VERSION = 1;
const PEER_NAME = 'peer0';
const ADMIN_NAME = 'admin';

/** Where everything of the development consortium lives under `home` (pure path computation). */
export function consortiumLayout(home: string, options: Readonly<ConsortiumOptions> = {}): ConsortiumLayout {
  const { provinceMsp, nationalMsp } = orgIds(options);
  const dir = join(resolve(home), 'consortium');
  const province = orgLayout(dir, provinceMsp, true);
  const national = orgLayout(dir, nationalMsp, false);
  return {
    home: resolve(home),
    dir,
    manifest: join(dir, 'consortium.json'),
    caBundle: join(dir, 'ca-bundle.pem'),
    tlsCaBundle: join(dir, 'tls-ca-bundle.pem'),
    province,
    national,
    orgs: [province, national],
  };
}

/**
 * The layout of the consortium that `shulian init` wrote under `home`, with the orgs its manifest names
 * (so callers need not know which MSP ids were chosen). NotFoundError if there is none yet.
 */
export async function readConsortiumLayout(home: string): Promise<ConsortiumLayout> {
  const path = consortiumLayout(home).manifest;
  const ids = await readManifest(path);
  if (!ids)
    throw new NotFoundError(`no development consortium in ${dirname(path)} (run "shulian init")`, { file: path });
  return consortiumLayout(home, ids);
}

/** The identity `name` (peer0, admin or a user role) of org `mspId`; throws NotFoundError naming both. */
export function findIdentity(layout: ConsortiumLayout, mspId: string, name: string): IdentityLayout {
  const org = layout.orgs.find((o) => o.mspId === mspId);
  if (!org)
    throw new NotFoundError(`no org ${mspId} in the consortium (orgs: ${layout.orgs.map((o) => o.mspId).join(', ')})`);
  const found = [org.peer, org.admin, ...Object.values(org.users)].find((i) => i.name === name);
  if (!found)
    throw new NotFoundError(
      `no identity "${name}" in ${mspId} (identities: ${[PEER_NAME, ADMIN_NAME, ...USER_ROLES].join(', ')})`,
    );
  return found;
}

/**
 * Creates the development consortium under `home/consortium/` (layout: node/identity/README.md).
 * Idempotent: a complete existing consortium for the same orgs is kept as it is (created: false);
 * `force` replaces it. The new tree is built beside the old and renamed into place, so a crash never
 * leaves a half-written consortium behind.
 */
export async function initConsortium(
  home: string,
  options: Readonly<InitConsortiumOptions> = {},
): Promise<ConsortiumInit> {
  if (typeof home !== 'string' || home.trim() === '')
    throw new ValidationError('home must be a directory path', { pointer: '/home' });
  const existing = await readManifest(consortiumLayout(home).manifest);
  const requested = orgIds(options);
  const ids = {
    provinceMsp: options.provinceMsp ?? existing?.provinceMsp ?? requested.provinceMsp,
    nationalMsp: options.nationalMsp ?? existing?.nationalMsp ?? requested.nationalMsp,
  };
  const layout = consortiumLayout(home, ids);
  if (!options.force && (await exists(layout.dir))) {
    if (existing && (existing.provinceMsp !== ids.provinceMsp || existing.nationalMsp !== ids.nationalMsp)) {
      throw new ConfigError(
        `${layout.dir} holds a consortium of ${existing.provinceMsp} and ${existing.nationalMsp}, not ${ids.provinceMsp} and ${ids.nationalMsp}; use --force to replace it`,
        { file: layout.dir },
      );
    }
    const missing = await missingFiles(layout);
    if (missing.length > 0) {
      throw new ConfigError(
        `${layout.dir} is incomplete (missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}); use --force to recreate it`,
        {
          file: missing[0],
        },
      );
    }
    return { ...layout, created: false };
  }
  await mkdir(layout.home, { recursive: true });
  const staging = `${layout.dir}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await build(layout, staging);
    const old = `${layout.dir}.old-${randomBytes(6).toString('hex')}`;
    const hadOld = await exists(layout.dir);
    if (hadOld) await rename(layout.dir, old);
    await rename(staging, layout.dir);
    await syncDir(layout.home);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return { ...layout, created: true };
}

/** Writes every file of `final` into `staging` (same relative paths). */
async function build(final: ConsortiumLayout, staging: string): Promise<void> {
  const at = (path: string): string => join(staging, relative(final.dir, path));
  const orgs: { org: OrgLayout; ca: DevCa; tlsCa: DevCa }[] = [];
  for (const org of final.orgs) {
    const ca = await createDevCa({ mspId: org.mspId, commonName: `ca.${org.mspId}` });
    const tlsCa = await createDevCa({ mspId: org.mspId, commonName: `tlsca.${org.mspId}` });
    orgs.push({ org, ca, tlsCa });
  }
  const caBundle = orgs.map((o) => o.ca.certPem).join('');
  const tlsCaBundle = orgs.map((o) => o.tlsCa.certPem).join('');
  for (const { org, ca, tlsCa } of orgs) {
    await writeFileAtomic(at(org.caCert), ca.certPem);
    await writeFileAtomic(at(org.caKey), ca.keyPem, 0o600);
    await writeFileAtomic(at(org.tlsCaCert), tlsCa.certPem);
    await writeFileAtomic(at(org.tlsCaKey), tlsCa.keyPem, 0o600);
    await writeOrgMspFolder(at(org.msp), { caCertPem: ca.certPem, tlsCaCertPem: tlsCa.certPem });
    for (const id of [org.peer, org.admin, ...USER_ROLES.map((r) => org.users[r])]) {
      const issued = await ca.issue({
        commonName: id.commonName,
        kind: id.kind,
        ...(id.role ? { role: id.role } : {}),
      });
      await writeMspFolder(at(id.msp), { ...issued, caCertPem: ca.certPem, tlsCaCertPem: tlsCa.certPem });
      if (id.tls && id.role) {
        const tls = await tlsCa.issue({ commonName: id.commonName, kind: 'tls-client', role: id.role });
        await writeTls(id.tls, tls, tlsCaBundle, at);
      }
    }
    if (org.gatewayTls) {
      const server = await tlsCa.issue({
        commonName: `gateway.${org.mspId}`,
        kind: 'tls-server',
        sans: ['localhost', '127.0.0.1'],
      });
      await writeTls(org.gatewayTls, server, tlsCaBundle, at);
    }
  }
  await writeFileAtomic(at(final.caBundle), caBundle);
  await writeFileAtomic(at(final.tlsCaBundle), tlsCaBundle);
  await writeFileAtomic(at(final.manifest), `${JSON.stringify(manifest(final), null, 2)}\n`);
}

async function writeTls(
  files: TlsFiles,
  issued: IssuedCert,
  caBundle: string,
  at: (p: string) => string,
): Promise<void> {
  await writeFileAtomic(at(files.cert), issued.certPem);
  await writeFileAtomic(at(files.key), issued.keyPem, 0o600);
  await writeFileAtomic(at(files.ca), caBundle);
}

function manifest(layout: ConsortiumLayout): Record<string, unknown> {
  const rel = (p: string): string => relative(layout.dir, p);
  const identity = (i: IdentityLayout): Record<string, unknown> => ({
    name: i.name,
    commonName: i.commonName,
    kind: i.kind,
    ...(i.role ? { role: i.role } : {}),
    msp: rel(i.msp),
    ...(i.tls ? { tls: rel(i.tls.dir) } : {}),
  });
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    provinceMsp: layout.province.mspId,
    nationalMsp: layout.national.mspId,
    caBundle: rel(layout.caBundle),
    tlsCaBundle: rel(layout.tlsCaBundle),
    orgs: layout.orgs.map((o) => ({
      mspId: o.mspId,
      ca: rel(o.caCert),
      tlsCa: rel(o.tlsCaCert),
      msp: rel(o.msp),
      identities: [o.peer, o.admin, ...USER_ROLES.map((r) => o.users[r])].map(identity),
      ...(o.gatewayTls ? { gatewayTls: rel(o.gatewayTls.dir) } : {}),
    })),
  };
}

async function readManifest(path: string): Promise<{ provinceMsp: string; nationalMsp: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as { provinceMsp?: unknown; nationalMsp?: unknown };
    if (typeof m.provinceMsp === 'string' && typeof m.nationalMsp === 'string')
      return { provinceMsp: m.provinceMsp, nationalMsp: m.nationalMsp };
  } catch {
    // an unreadable manifest counts as missing; missingFiles reports it
  }
  return undefined;
}

function orgIds(options: Readonly<ConsortiumOptions>): { provinceMsp: string; nationalMsp: string } {
  const provinceMsp = validateMspId(options.provinceMsp ?? DEFAULT_PROVINCE_MSP, '/provinceMsp');
  const nationalMsp = validateMspId(options.nationalMsp ?? DEFAULT_NATIONAL_MSP, '/nationalMsp');
  if (provinceMsp === nationalMsp)
    throw new ValidationError(`provinceMsp and nationalMsp must differ (both ${provinceMsp})`, {
      pointer: '/nationalMsp',
    });
  return { provinceMsp, nationalMsp };
}

function orgLayout(consortiumDir: string, mspId: string, withGateway: boolean): OrgLayout {
  const dir = join(consortiumDir, mspId);
  const identity = (name: string, sub: string, kind: IdentityLayout['kind'], role?: UserRole): IdentityLayout => {
    const idDir = join(dir, sub, name);
    const msp = join(idDir, 'msp');
    const tlsDir = join(idDir, 'tls');
    return {
      name,
      mspId,
      commonName: `${name}@${mspId}`,
      kind,
      ...(role ? { role, tls: tlsFiles(tlsDir, 'client') } : {}),
      dir: idDir,
      msp,
      cert: join(msp, MSP_FILES.signcert),
      key: join(msp, MSP_FILES.key),
    };
  };
  const users = Object.fromEntries(USER_ROLES.map((r) => [r, identity(r, 'users', 'client', r)])) as Record<
    UserRole,
    IdentityLayout
  >;
  return {
    mspId,
    dir,
    caCert: join(dir, 'ca', 'ca-cert.pem'),
    caKey: join(dir, 'ca', 'ca-key.pem'),
    tlsCaCert: join(dir, 'tlsca', 'tlsca-cert.pem'),
    tlsCaKey: join(dir, 'tlsca', 'tlsca-key.pem'),
    msp: join(dir, 'msp'),
    peer: identity(PEER_NAME, 'peers', 'peer'),
    admin: identity(ADMIN_NAME, 'users', 'admin'),
    users,
    ...(withGateway ? { gatewayTls: tlsFiles(join(dir, 'gateway', 'tls'), 'server') } : {}),
  };
}

function tlsFiles(dir: string, side: 'client' | 'server'): TlsFiles {
  return { dir, cert: join(dir, `${side}.crt`), key: join(dir, `${side}.key`), ca: join(dir, 'ca.crt') };
}

/** Every file init writes, for the completeness check of an existing consortium. */
export function consortiumFiles(layout: ConsortiumLayout): string[] {
  const files = [layout.manifest, layout.caBundle, layout.tlsCaBundle];
  for (const org of layout.orgs) {
    files.push(
      org.caCert,
      org.caKey,
      org.tlsCaCert,
      org.tlsCaKey,
      join(org.msp, MSP_FILES.cacert),
      join(org.msp, MSP_FILES.config),
    );
    for (const id of [org.peer, org.admin, ...Object.values(org.users)]) {
      files.push(id.cert, id.key, join(id.msp, MSP_FILES.cacert), join(id.msp, MSP_FILES.config));
      if (id.tls) files.push(id.tls.cert, id.tls.key, id.tls.ca);
    }
    if (org.gatewayTls) files.push(org.gatewayTls.cert, org.gatewayTls.key, org.gatewayTls.ca);
  }
  return files;
}

async function missingFiles(layout: ConsortiumLayout): Promise<string[]> {
  const missing: string[] = [];
  for (const f of consortiumFiles(layout)) if (!(await exists(f))) missing.push(f);
  return missing;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
