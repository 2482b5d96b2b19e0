import { openEmbeddedRuntime, type EmbeddedRuntime } from '../../node/ledger/index.js';
import { ledgerContractSuite } from './contract-suite.js';
import { tempDir, testConsortium } from './helpers.js';

// the Ledger port contract against the embedded runtime executing the real Shulian chaincode (chaincode/dist)
describe('embedded ledger with the Shulian chaincode', () => {
  let runtime: EmbeddedRuntime | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let caCertsPem: readonly string[] = [];

  before(async () => {
    caCertsPem = (await testConsortium()).caCertsPem;
  });
  after(async () => {
    await runtime?.close();
    await cleanup?.();
  });

  ledgerContractSuite(
    'embedded',
    async () => {
      const c = await testConsortium();
      const t = await tempDir();
      cleanup = t.cleanup;
      runtime = await openEmbeddedRuntime({ dir: t.dir, peer: c.peer, trustedCaCertsPem: c.caCertsPem });
      return runtime.connect(c.operator);
    },
    {
      get caCertsPem() {
        return caCertsPem;
      },
    },
  );
});
