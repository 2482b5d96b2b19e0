import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openEmbeddedRuntime } from '../../node/ledger/index.js';
import { KV_CONTRACT_DIR, tempDir, testConsortium, text } from './helpers.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'crash-child.ts');

describe('embedded ledger crash safety', function () {
  this.timeout(120_000);

  it('after kill -9 in the middle of a stream of commits: verify passes and every acknowledged transaction is there', async () => {
    const c = await testConsortium();
    const { dir, cleanup } = await tempDir();
    try {
      const identities = join(dir, 'identities.json');
      await writeFile(
        identities,
        JSON.stringify({
          mspId: 'JilinLibraryMSP',
          peer: { certPem: c.peer.certPem, keyPem: c.peer.keyPem },
          operator: { certPem: c.operator.certPem, keyPem: c.operator.keyPem },
        }),
      );
      const ledgerDir = join(dir, 'ledger');
      const acked = new Map<string, string>();
      for (const round of [1, 2]) {
        const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
          env: { ...process.env, LEDGER_DIR: ledgerDir, IDENTITIES_FILE: identities, CHAINCODE_DIR: KV_CONTRACT_DIR },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, signal) => resolve(signal)),
        );
        const target = acked.size + 60 + round * 17;
        for await (const line of createInterface({ input: child.stdout })) {
          const [tag, txId, key] = line.split(' ');
          if (tag === 'ACK' && txId && key) acked.set(txId, key);
          // kill while the writer is mid-stream: 8 submits in flight, a block being built or written
          if (acked.size >= target) {
            child.kill('SIGKILL');
            break;
          }
        }
        const signal = await exited;
        expect(signal, `child exited on its own: ${stderr}`).to.equal('SIGKILL');
      }

      const runtime = await openEmbeddedRuntime({ dir: ledgerDir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
      try {
        const report = await runtime.verify({ caCertsPem: c.caCertsPem });
        expect(report.ok, JSON.stringify(report.problems)).to.equal(true);
        expect(report.validTransactions).to.be.at.least(acked.size);
        const ledger = runtime.connect(c.operator);
        for (const [txId, key] of acked) {
          const bundle = (await ledger.proof(txId)) as unknown as { envelope: { validationCode: string } };
          expect(bundle.envelope.validationCode, txId).to.equal('VALID');
          expect(text(await ledger.evaluate({ fn: 'Get', args: [key] }))).to.equal(`value of ${key}`);
        }
        // and the ledger keeps working on top of the crashed writer's last block
        const r = await ledger.submit({ fn: 'Put', args: ['after-crash', 'ok'] });
        expect(r.blockNumber).to.equal(report.height);
      } finally {
        await runtime.close();
      }
    } finally {
      await cleanup();
    }
  });
});
