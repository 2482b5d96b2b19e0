import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../node/core/config.js';
import { openFabricFromConfig, splitPemBundle, type FabricConnection } from '../../node/ledger/index.js';
import { ledgerContractSuite } from './contract-suite.js';

/**
 * The Ledger port contract against a live Fabric network, when the fabric-samples connection variables are
 * set (e.g. `set -a; . network/.run/connection-jilin.env; set +a` after `network.sh up && network.sh deploy`).
 * Proofs are checked against SHULIAN_FABRIC_CA_BUNDLE (every org's CA, the orderer org's included).
 */
const configured = Boolean(process.env.PEER_ENDPOINT && process.env.CERT_PATH && process.env.KEY_DIRECTORY_PATH);

describe('Fabric ledger with the Shulian chaincode (live network)', function () {
  if (!configured) {
    it(
      'SKIPPED: set PEER_ENDPOINT, CERT_PATH, KEY_DIRECTORY_PATH (network/.run/connection-<org>.env) to run the Ledger contract against Fabric',
    );
    return;
  }
  let connection: FabricConnection | undefined;
  let caCertsPem: readonly string[] = [];
  before(async () => {
    const bundle = process.env.SHULIAN_FABRIC_CA_BUNDLE;
    if (bundle) caCertsPem = splitPemBundle(await readFile(bundle, 'utf8'));
  });
  after(async () => {
    await connection?.close();
  });
  ledgerContractSuite(
    'fabric',
    async () => {
      const opened = await openFabricFromConfig(loadConfig(process.env));
      connection = opened.connection;
      if (!opened.identity) throw new Error('CERT_PATH and KEY_DIRECTORY_PATH must name the operator identity');
      return connection.connect(opened.identity);
    },
    {
      timeoutMs: 60_000,
      get caCertsPem() {
        return caCertsPem;
      },
    },
  );
});
