import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig } from '../../node/core/index.js';
import { initConsortium } from '../../node/identity/index.js';
import {
  DB_FILE,
  ledgerDir,
  openHomeLedger,
  splitPemBundle,
  verifyProofBundle,
  type EmbeddedProofBundle,
} from '../../node/ledger/index.js';
import { tempDir } from './helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'cli.ts');

function shulian(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, SHULIAN_HOME: home } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('shulian ledger (CLI)', function () {
  this.timeout(120_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let txIds: string[];

  before(async () => {
    ({ dir: home, cleanup } = await tempDir('shulian-ledger-cli-'));
    await initConsortium(home);
    const config = { ...loadConfig({ ...process.env, SHULIAN_HOME: home }) };
    const h = await openHomeLedger(config);
    try {
      const ledger = h.runtime.connect(await h.identity('operator'));
      txIds = [];
      for (let i = 0; i < 4; i++) {
        const r = await ledger.submit({
          fn: 'AnchorBatch',
          args: [
            JSON.stringify({
              batchId: `cli-batch-${i}`,
              root: 'ab'.repeat(32),
              count: 10 + i,
              kind: 'indexing-records',
            }),
          ],
        });
        txIds.push(r.txId);
      }
    } finally {
      await h.runtime.close();
    }
  });
  after(async () => {
    await cleanup();
  });

  // each CLI run is a fresh process (tsx, chaincode load): few of them, each checking much
  it('info reports the ledger', async () => {
    const info = await shulian(home, 'ledger', 'info', '--json');
    expect(info.code, info.stderr).to.equal(0);
    expect(JSON.parse(info.stdout)).to.include({ channel: 'smartlibrary', height: 4, transactions: 4 });
  });

  it('writes a proof bundle that check-proof verifies offline, and refuses a tampered one', async () => {
    const out = join(home, 'proof.json');
    const proof = await shulian(home, 'ledger', 'proof', txIds[1] as string, '--out', out);
    expect(proof.code, proof.stderr).to.equal(0);
    const { readFile, writeFile } = await import('node:fs/promises');
    const bundle = JSON.parse(await readFile(out, 'utf8')) as EmbeddedProofBundle;
    expect(
      verifyProofBundle(bundle, splitPemBundle(await readFile(join(home, 'consortium', 'ca-bundle.pem'), 'utf8'))).ok,
    ).to.equal(true);
    const records = bundle.records as unknown as { key: string; value?: string }[];
    const batch = records.find((r) => r.value?.includes('"count":11'));
    if (!batch) throw new Error('no batch record in the bundle');
    batch.value = batch.value?.replace('"count":11', '"count":12');
    await writeFile(out, JSON.stringify(bundle));
    const bad = await shulian(home, 'ledger', 'check-proof', out, '--ca', join(home, 'consortium', 'ca-bundle.pem'));
    expect(bad.code).to.equal(1);
    // the output of `shulian verify-proof` (one implementation, node/cli/commands/verify-offline.ts)
    expect(bad.stdout).to.match(/^INVALID: 1 of \d+ checks fail/m);
    expect(bad.stdout).to.match(/✗ records: record \d+ .* differs/);
    expect(bad.stdout).to.contain('✓ block signature');
  });

  it('verify names the block in which one stored byte changed', async () => {
    const db = new Database(join(ledgerDir(home), DB_FILE));
    try {
      const row = db.prepare('SELECT envelope FROM txs WHERE block = 2').get() as { envelope: Buffer };
      const bytes = Buffer.from(row.envelope);
      const at = bytes.indexOf(Buffer.from('cli-batch-2'));
      bytes[at] = (bytes[at] as number) ^ 0x01;
      db.prepare('UPDATE txs SET envelope = ? WHERE block = 2').run(bytes);
    } finally {
      db.close();
    }
    const verify = await shulian(home, 'ledger', 'verify');
    expect(verify.code, verify.stderr).to.equal(1);
    expect(verify.stdout).to.contain('first bad block: 2');
    expect(verify.stdout).to.match(/block 2 tx 0: /);
  });
});
