import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import {
  consortiumLayout,
  findIdentity,
  loadMspFolder,
  type ConsortiumLayout,
  type SigningIdentity,
} from '../identity/index.js';
import { openEmbeddedRuntime, termsCollections, type EmbeddedRuntime } from './embedded/index.js';

/** What the node and the CLI need from a home for the embedded ledger. */
export type HomeConfig = Pick<
  Config,
  'home' | 'orgMsp' | 'nationalMsp' | 'chaincodeDir' | 'blockMaxTx' | 'blockTimeoutMs'
>;

export interface HomeLedger {
  readonly runtime: EmbeddedRuntime;
  readonly layout: ConsortiumLayout;
  /** Every org's CA certificate (consortium/ca-bundle.pem): what proofs and verify are checked against. */
  readonly caCertsPem: readonly string[];
  /** A signing identity of this library's org from the home (operator, rights-admin, auditor, warehouse, admin). */
  identity(name: string, mspId?: string): Promise<SigningIdentity>;
}

/** The ledger directory of a home: `<home>/ledger`. */
export function ledgerDir(home: string): string {
  return join(home, 'ledger');
}

/** Splits a PEM bundle into its certificates. */
export function splitPemBundle(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((pem) => `${pem}\n`) ?? [];
}

/**
 * Opens the embedded ledger of a node home laid out by `shulian init`: blocks are signed by the
 * province org's peer0, creators must belong to the consortium's CAs.
 */
export async function openHomeLedger(config: Readonly<HomeConfig>): Promise<HomeLedger> {
  const layout = consortiumLayout(config.home, { provinceMsp: config.orgMsp, nationalMsp: config.nationalMsp });
  try {
    await access(layout.manifest);
  } catch {
    throw new ConfigError(`no consortium in ${config.home} (run \`shulian init\` first, or set SHULIAN_HOME)`, {
      file: layout.manifest,
    });
  }
  const caCertsPem = splitPemBundle(await readFile(layout.caBundle, 'utf8'));
  const peer = await loadMspFolder(layout.province.peer.msp, layout.province.mspId);
  const runtime = await openEmbeddedRuntime({
    dir: ledgerDir(config.home),
    peer,
    ...(config.chaincodeDir ? { chaincodeDir: config.chaincodeDir } : {}),
    blockMaxTransactions: config.blockMaxTx,
    blockTimeoutMs: config.blockTimeoutMs,
    trustedCaCertsPem: caCertsPem,
    // the confidential-terms collections between the consortium's orgs, as the Fabric network defines them
    collections: termsCollections(layout.orgs.map((o) => o.mspId)),
  });
  return {
    runtime,
    layout,
    caCertsPem,
    identity: async (name, mspId = layout.province.mspId) =>
      loadMspFolder(findIdentity(layout, mspId, name).msp, mspId),
  };
}
