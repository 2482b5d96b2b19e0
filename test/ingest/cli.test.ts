import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerAll } from '../../node/cli/commands/index.js';
import type { IngestSummary, RecordProof } from '../../node/ingest/index.js';
import { jsonl, meta, record, tempDir, writeFiles } from './helpers.js';

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

function cli(args: readonly string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SHULIAN_HOME: home,
        SHULIAN_BLOCK_TIMEOUT_MS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The operator's commands as a person runs them: the real CLI in a child process. */
describe('ingest: CLI (ingest, verify, proof, rights, withdraw)', function () {
  this.timeout(300_000);
  let root: string;
  let home: string;
  let src: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir: root, cleanup } = await tempDir('shulian-cli-'));
    home = join(root, 'home');
    src = join(root, 'src');
    await writeFiles(src, {
      'scan.pdf': 'scan bytes',
      'scan.pdf.meta.json': meta('吉林通志', { id: 'cli-scan' }),
      'bad.txt': 'x',
      'bad.txt.meta.json': meta('Bad', { rights: ['all rights reserved'] }),
      'units.records.jsonl': jsonl([record('cli-scan:p1', 'cli-scan', 1), record('cli-scan:p2', 'cli-scan', 2)]),
    });
  });
  after(() => cleanup());

  it('ingests with a JSON summary, plain log lines on stderr, and exit 1 because one file failed', async () => {
    const out = await cli(['ingest', src, '--json'], home);
    expect(out.code, out.stderr).to.equal(1);
    const summary = JSON.parse(out.stdout) as IngestSummary;
    expect(summary).to.include({ created: 1, failed: 1 });
    expect(summary.records.anchored).to.equal(2);
    expect(summary.failures[0]).to.include({ file: 'bad.txt.meta.json', pointer: '/rights/0' });
    const plain = await cli(['sync', src], home);
    expect(plain.code).to.equal(1);
    expect(plain.stderr).to.match(/^unchanged\s+cli-scan v1 {2}scan\.pdf$/m);
    expect(plain.stdout).to.match(/unchanged 1/);
    expect(plain.stdout).to.match(/bad\.txt\.meta\.json: \/rights\/0: expected a rightsstatements\.org statement URI/);
  });

  it('verifies bytes against the chain: exit 0 on a match, 1 on a mismatch', async () => {
    const ok = await cli(['verify', join(src, 'scan.pdf'), '--resource', 'cli-scan@1', '--json'], home);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ ok: true, resourceId: 'cli-scan', version: 1 });
    await writeFile(join(root, 'other.pdf'), 'other bytes');
    const bad = await cli(['verify', join(root, 'other.pdf'), '--resource', 'cli-scan'], home);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.match(/^MISMATCH/);
  });

  it('prints a record proof that checks offline', async () => {
    const out = await cli(['proof', 'cli-scan:p2'], home);
    expect(out.code, out.stderr).to.equal(0);
    const proof = JSON.parse(out.stdout) as RecordProof;
    expect(proof).to.include({ format: 'shulian-record-proof-v1', recordId: 'cli-scan:p2', treeSize: 2 });
    await writeFile(join(root, 'proof.json'), out.stdout);
    const check = await cli(['proof', '--check', join(root, 'proof.json'), '--json'], home);
    expect(JSON.parse(check.stdout)).to.deep.equal({ recordId: 'cli-scan:p2', ok: true, reasons: [] });
    await writeFile(
      join(root, 'forged.json'),
      JSON.stringify({ ...proof, record: { ...(proof.record as object), keywords: ['x'] } }),
    );
    const forged = await cli(['proof', '--check', join(root, 'forged.json')], home);
    expect(forged.code).to.equal(1);
    const missing = await cli(['proof', 'no-such-record'], home);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.match(/\[NOT_FOUND\] no anchored indexing record no-such-record/);
  });

  it('grants, lists and revokes rights, and withdraws a resource', async () => {
    await writeFile(join(root, 'terms.txt'), 'confidential terms');
    const grant = await cli(
      [
        'rights',
        'grant',
        '--resource',
        'cli-scan',
        '--to',
        'NLCMSP',
        '--actions',
        'reproduce,archive',
        '--from',
        '2026-01-01',
        '--until',
        '2030-12-31',
        '--basis',
        'licence',
        '--terms',
        join(root, 'terms.txt'),
        '--id',
        'cli-r1',
        '--json',
      ],
      home,
    );
    expect(grant.code, grant.stderr).to.equal(0);
    const granted = JSON.parse(grant.stdout) as {
      rightsId: string;
      status: string;
      termsDigest: string;
      actions: string[];
    };
    expect(granted).to.include({ rightsId: 'cli-r1', status: 'granted' });
    expect(granted.actions).to.deep.equal(['reproduce', 'archive']);
    expect(granted.termsDigest).to.match(/^[0-9a-f]{64}$/);
    const list = await cli(['rights', 'list', '--resource', 'cli-scan', '--json'], home);
    expect((JSON.parse(list.stdout) as { rightsId: string }[]).map((r) => r.rightsId)).to.deep.equal(['cli-r1']);
    const revoke = await cli(['rights', 'revoke', 'cli-r1', '--reason', 'contract ended', '--json'], home);
    expect(JSON.parse(revoke.stdout)).to.include({ status: 'revoked', reason: 'contract ended' });
    const byAssignee = await cli(['rights', 'list', '--assignee', 'NLCMSP'], home);
    expect(byAssignee.stdout).to.match(/^cli-r1 {2}revoked/m);
    const badAction = await cli(
      [
        'rights',
        'grant',
        '--resource',
        'cli-scan',
        '--to',
        'NLCMSP',
        '--actions',
        'copy',
        '--from',
        '2026-01-01',
        '--basis',
        'licence',
      ],
      home,
    );
    expect(badAction.code).to.equal(1);
    expect(badAction.stderr).to.match(/\/actions\/0: expected one of reproduce/);

    const withdraw = await cli(
      ['withdraw', 'cli-scan', '--reason', 'copyright-claim', '--note', 'claim 42', '--json'],
      home,
    );
    expect(withdraw.code, withdraw.stderr).to.equal(0);
    expect(JSON.parse(withdraw.stdout)).to.include({
      resourceId: 'cli-scan',
      reasonCode: 'copyright-claim',
      note: 'claim 42',
      headVersion: 1,
    });
    const again = await cli(['withdraw', 'cli-scan', '--reason', 'error'], home);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/\[CONFLICT\] .*already withdrawn/);
  });

  it('has --help and --json for every command', () => {
    const program = new Command('shulian');
    registerAll(program);
    const find = (path: readonly string[]): Command => {
      let command = program;
      for (const name of path) command = command.commands.find((c) => c.name() === name) as Command;
      return command;
    };
    for (const path of [
      ['ingest'],
      ['sync'],
      ['withdraw'],
      ['rights', 'grant'],
      ['rights', 'revoke'],
      ['rights', 'list'],
      ['verify'],
      ['proof'],
    ]) {
      const help = find(path).helpInformation();
      expect(help, path.join(' ')).to.match(/--json/);
      expect(help, path.join(' ')).to.match(/-h, --help/);
    }
  });
});
