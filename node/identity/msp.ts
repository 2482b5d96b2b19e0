import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { writeFileAtomic } from './files.js';
import { assertKeyMatchesCert, signingIdentity } from './signer.js';
import type { SigningIdentity } from './types.js';

export interface MspMaterial {
  readonly certPem: string;
  readonly keyPem: string;
  readonly caCertPem: string;
  readonly tlsCaCertPem?: string;
}

export type LoadedMsp = SigningIdentity & {
  readonly certPem: string;
  readonly keyPem: string;
  /** Every certificate in cacerts/, the trust anchors of this MSP. */
  readonly caCertsPem: readonly string[];
};

/** File names inside an MSP folder, as Fabric's cryptogen lays it out. */
export const MSP_FILES = {
  signcert: join('signcerts', 'cert.pem'),
  key: join('keystore', 'priv_sk'),
  cacert: join('cacerts', 'ca.pem'),
  tlscacert: join('tlscacerts', 'tlsca.pem'),
  config: 'config.yaml',
} as const;

/**
 * config.yaml enabling NodeOUs, as cryptogen writes it: the OU in a certificate's subject
 * (client, peer, admin, orderer) says what the identity is, so no admincerts folder is needed.
 */
export function nodeOusConfig(caCertFile = 'cacerts/ca.pem'): string {
  const ou = (key: string, value: string): string =>
    `  ${key}:\n    Certificate: ${caCertFile}\n    OrganizationalUnitIdentifier: ${value}\n`;
  return `NodeOUs:\n  Enable: true\n${ou('ClientOUIdentifier', 'client')}${ou('PeerOUIdentifier', 'peer')}${ou('AdminOUIdentifier', 'admin')}${ou('OrdererOUIdentifier', 'orderer')}`;
}

/**
 * Writes a local MSP folder: signcerts/cert.pem, keystore/priv_sk (0600), cacerts/ca.pem,
 * tlscacerts/tlsca.pem (when given) and config.yaml with NodeOUs. Each file is written atomically.
 */
export async function writeMspFolder(dir: string, material: Readonly<MspMaterial>): Promise<void> {
  assertKeyMatchesCert(material.certPem, material.keyPem);
  await writeOrgMspFolder(dir, material);
  await writeFileAtomic(join(dir, MSP_FILES.signcert), material.certPem, 0o644);
  await writeFileAtomic(join(dir, MSP_FILES.key), material.keyPem, 0o600);
}

/** An org's verifying MSP (no signing identity): what a channel configuration or a verifier needs. */
export async function writeOrgMspFolder(
  dir: string,
  material: Readonly<{ caCertPem: string; tlsCaCertPem?: string }>,
): Promise<void> {
  if (!material.caCertPem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ValidationError('caCertPem must be a PEM certificate', { pointer: '/caCertPem' });
  }
  await writeFileAtomic(join(dir, MSP_FILES.cacert), material.caCertPem);
  if (material.tlsCaCertPem !== undefined) await writeFileAtomic(join(dir, MSP_FILES.tlscacert), material.tlsCaCertPem);
  await writeFileAtomic(join(dir, MSP_FILES.config), nodeOusConfig());
}

/**
 * Loads a signing identity from an MSP folder written by Shulian, cryptogen or fabric-ca-client: the
 * *.pem in signcerts/ and the one private key in keystore/ that matches it.
 */
export async function loadMspFolder(dir: string, mspId: string): Promise<LoadedMsp> {
  const certFiles = (await list(dir, 'signcerts')).filter((f) => f.endsWith('.pem'));
  const certFile = certFiles[0];
  if (certFile === undefined)
    throw new NotFoundError(`no certificate (*.pem) in ${join(dir, 'signcerts')}`, { file: join(dir, 'signcerts') });
  if (certFiles.length > 1) {
    throw new ValidationError(`more than one certificate in ${join(dir, 'signcerts')}: ${certFiles.join(', ')}`, {
      file: join(dir, 'signcerts'),
    });
  }
  const certPem = await readFile(join(dir, 'signcerts', certFile), 'utf8');
  const keyFiles = (await list(dir, 'keystore')).filter((f) => !f.startsWith('.'));
  if (keyFiles.length === 0)
    throw new NotFoundError(`no private key in ${join(dir, 'keystore')}`, { file: join(dir, 'keystore') });
  let keyPem: string | undefined;
  for (const f of keyFiles) {
    const pem = await readFile(join(dir, 'keystore', f), 'utf8');
    try {
      assertKeyMatchesCert(certPem, pem);
      keyPem = pem;
      break;
    } catch (err) {
      if (keyFiles.length === 1)
        throw new ValidationError(`${join(dir, 'keystore', f)}: ${(err as Error).message}`, {
          file: join(dir, 'keystore', f),
          cause: err,
        });
    }
  }
  if (keyPem === undefined) {
    throw new ValidationError(`no key in ${join(dir, 'keystore')} belongs to ${join(dir, 'signcerts', certFile)}`, {
      file: join(dir, 'keystore'),
    });
  }
  const caFiles = (await list(dir, 'cacerts', true)).filter((f) => f.endsWith('.pem'));
  const caCertsPem = await Promise.all(caFiles.map((f) => readFile(join(dir, 'cacerts', f), 'utf8')));
  return { ...signingIdentity(mspId, certPem, keyPem), certPem, keyPem, caCertsPem };
}

async function list(dir: string, sub: string, optional = false): Promise<string[]> {
  try {
    return (await readdir(join(dir, sub))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (optional) return [];
      throw new NotFoundError(`MSP folder has no ${sub}/: ${join(dir, sub)}`, { file: join(dir, sub), cause: err });
    }
    throw err;
  }
}
