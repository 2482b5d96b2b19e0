import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDevCa, signingIdentity, type DevCa, type SigningIdentity } from '../../node/identity/index.js';

export const KV_CONTRACT_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kv-contract');

/** A signing identity that also keeps its PEMs (to hand to a child process). */
export type TestIdentity = SigningIdentity & { readonly certPem: string; readonly keyPem: string };

export interface TestConsortium {
  readonly caCertsPem: readonly string[];
  readonly org1: DevCa;
  readonly org2: DevCa;
  readonly peer: TestIdentity;
  readonly operator: TestIdentity;
  readonly rightsAdmin: TestIdentity;
  readonly auditor: TestIdentity;
  readonly otherOperator: TestIdentity;
  readonly warehouse: TestIdentity;
}

let cached: Promise<TestConsortium> | undefined;

async function issue(ca: DevCa, commonName: string, kind: 'client' | 'peer', role?: string): Promise<TestIdentity> {
  const cert = await ca.issue(role === undefined ? { commonName, kind } : { commonName, kind, role });
  return { ...signingIdentity(ca.mspId, cert.certPem, cert.keyPem), certPem: cert.certPem, keyPem: cert.keyPem };
}

/** Two orgs (the province and the national library) with the identities the tests use; made once per process. */
export function testConsortium(): Promise<TestConsortium> {
  cached ??= (async () => {
    const org1 = await createDevCa({ mspId: 'JilinLibraryMSP' });
    const org2 = await createDevCa({ mspId: 'NLCMSP' });
    return {
      caCertsPem: [org1.certPem, org2.certPem],
      org1,
      org2,
      peer: await issue(org1, 'peer0.jilin', 'peer'),
      operator: await issue(org1, 'operator.jilin', 'client', 'operator'),
      rightsAdmin: await issue(org1, 'rights.jilin', 'client', 'rights-admin'),
      auditor: await issue(org1, 'auditor.jilin', 'client', 'auditor'),
      otherOperator: await issue(org2, 'operator.nlc', 'client', 'operator'),
      warehouse: await issue(org2, 'warehouse.nlc', 'client', 'warehouse'),
    };
  })();
  return cached;
}

export async function tempDir(prefix = 'shulian-ledger-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
export const json = <T = unknown>(bytes: Uint8Array): T => JSON.parse(text(bytes)) as T;
