import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../node/core/index.js';
import { chainClient, type IngestSummary } from '../../node/ingest/index.js';
import { openNode } from '../../node/runtime/index.js';
import { jsonl, meta, record, tempDir, writeFiles } from './helpers.js';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));
const FILES = 7;
const RECORDS = 30;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI; `killOn` kills it with SIGKILL as soon as stderr matches (a non-deterministic kill). */
function cli(args: readonly string[], env: Record<string, string>, killOn?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (killOn && killOn.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * kill -9 at every stage of a job, then the same command again: the job finishes, every file has exactly
 * one version, every record points at content that is there, and the summary still counts the files
 * the killed run registered as created (the journal remembers its submits).
 */
describe('ingest: kill -9 at any point, then re-run', function () {
  this.timeout(300_000);
  let root: string;
  let home: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir: root, cleanup } = await tempDir('shulian-crash-'));
    home = join(root, 'home');
  });
  after(() => cleanup());

  const sourceFor = async (name: string): Promise<string> => {
    const src = join(root, name);
    const files: Record<string, string | object> = {};
    for (let i = 0; i < FILES; i++) {
      files[`f${i}.bin`] = `${name} payload ${i} `.repeat(2000 * (i + 1));
      files[`f${i}.bin.meta.json`] = meta(`${name} ${i}`, { id: `${name}-f${i}` });
    }
    files['units.records.jsonl'] = jsonl(
      Array.from({ length: RECORDS }, (_, i) => record(`${name}-r${i}`, `${name}-f${i % 2}`, i + 1)),
    );
    await writeFiles(src, files);
    return src;
  };

  const env = (crashAt?: string): Record<string, string> => ({
    SHULIAN_HOME: home,
    SHULIAN_BLOCK_TIMEOUT_MS: '1',
    ...(crashAt ? { SHULIAN_TEST_CRASH_AT: crashAt } : {}),
  });

  const check = async (name: string): Promise<void> => {
    const node = await openNode({ config: loadConfig({ SHULIAN_HOME: home }) });
    try {
      const chain = chainClient(node.ledger);
      for (let i = 0; i < FILES; i++) {
        const versions = JSON.parse(
          Buffer.from(await node.ledger.evaluate({ fn: 'ListVersions', args: [`${name}-f${i}`] })).toString(),
        ) as { cid: string; metadataCid: string }[];
        expect(versions, `${name}-f${i}`).to.have.length(1);
        for (const v of versions) {
          expect((await node.content.verify(v.cid)).ok, `content of ${name}-f${i}`).to.equal(true);
          expect(await node.content.has(v.metadataCid), `metadata of ${name}-f${i}`).to.equal(true);
        }
      }
      for (let i = 0; i < RECORDS; i++) {
        const stored = node.index.getBatchRecord(`${name}-r${i}`);
        expect(stored, `proof of ${name}-r${i}`).to.not.equal(undefined);
        expect((await chain.getBatch(stored?.batchId as string))?.count).to.equal(stored?.treeSize);
      }
    } finally {
      await node.close();
    }
  };

  const scenarios: [string, string][] = [
    ['stored', 'stored:3'],
    ['before-submit', 'submit:2'],
    ['after-commit-before-ack', 'submitted:1'],
    ['before-anchor', 'anchor:1'],
    ['anchored-no-proofs', 'anchored:1'],
  ];
  for (const [name, crashAt] of scenarios) {
    it(`finishes the job after a kill at ${crashAt}`, async () => {
      const src = await sourceFor(name);
      const killed = await cli(['ingest', src, '--batch-size', '2', '--concurrency', '2'], env(crashAt));
      expect(killed.signal, killed.stderr).to.equal('SIGKILL');
      const rerun = await cli(['ingest', src, '--batch-size', '2', '--json'], env());
      expect(rerun.code, rerun.stderr).to.equal(0);
      const summary = JSON.parse(rerun.stdout) as IngestSummary;
      expect(summary).to.include({ resumed: true, created: FILES, updated: 0, failed: 0 });
      expect(summary.records.anchored + summary.records.unchanged).to.equal(RECORDS);
      expect(summary.records.anchored, 'records anchored by this job count as anchored').to.equal(RECORDS);
      await check(name);
      // and once finished, the next run is a fresh job that finds nothing to do
      if (crashAt !== 'submitted:1') return;
      const third = await cli(['ingest', src, '--json'], env());
      expect(third.code, third.stderr).to.equal(0);
      expect(JSON.parse(third.stdout)).to.include({ resumed: false, created: 0, unchanged: FILES });
      expect((JSON.parse(third.stdout) as IngestSummary).records.unchanged).to.equal(RECORDS);
    });
  }

  it('finishes the job after a kill at an arbitrary moment (first file registered)', async () => {
    const src = await sourceFor('arbitrary');
    const killed = await cli(['ingest', src, '--batch-size', '1'], env(), /^created/m);
    expect(killed.signal, killed.stderr).to.equal('SIGKILL');
    const rerun = await cli(['ingest', src, '--json'], env());
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(JSON.parse(rerun.stdout)).to.include({ resumed: true, created: FILES, failed: 0 });
    await check('arbitrary');
  });

  for (const crashAt of ['withdrawn:1']) {
    it(`finishes a sync --withdraw-missing killed at ${crashAt}`, async () => {
      const name = `wd-${crashAt.replace(':', '')}`;
      const src = await sourceFor(name);
      const first = await cli(['ingest', src], env());
      expect(first.code, first.stderr).to.equal(0);
      await rm(join(src, 'f6.bin'));
      await rm(join(src, 'f6.bin.meta.json'));
      const args = ['sync', src, '--withdraw-missing', '--reason', 'superseded', '--json'];
      const killed = await cli(args, env(crashAt));
      expect(killed.signal, killed.stderr).to.equal('SIGKILL');
      const rerun = await cli(args, env());
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(JSON.parse(rerun.stdout)).to.include({
        resumed: true,
        withdrawn: 1,
        created: 0,
        unchanged: FILES - 1,
        failed: 0,
      });
      const node = await openNode({ config: loadConfig({ SHULIAN_HOME: home }) });
      try {
        expect((await chainClient(node.ledger).getResource(`${name}-f6`))?.status).to.equal('withdrawn');
      } finally {
        await node.close();
      }
    });
  }
});
