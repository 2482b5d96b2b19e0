import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { main } from '../../node/cli/index.js';
import { embeddedContentStore } from '../../node/content/index.js';
import { kuboDeterministicBytes, sha256Hex, sm3Hex } from './fixtures.js';

const CLI = join(import.meta.dirname, 'helpers', 'cli.ts');

function spawnCli(
  args: string[],
  options: { stdin?: Buffer; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? Buffer.alloc(0));
  });
}

/** Runs the CLI in this process (fast); `spawnCli` is for what needs a real stdin. */
async function run(
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(options.env ?? {})) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const exitCode = process.exitCode;
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (stdout += chunk.toString()),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (stderr += chunk.toString()),
    true
  )) as typeof process.stderr.write;
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'shulian', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = exitCode;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('content: shulian cid and shulian content', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-cli-'));
    await writeFile(join(dir, 'hello.txt'), 'hello world');
    await writeFile(join(dir, 'chunk.bin'), kuboDeterministicBytes('chunk-v0-seed', 262145));
    await writeFile(join(dir, 'secret.txt'), 'no');
    await chmod(join(dir, 'secret.txt'), 0o000);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints CID  FILE per file like sha256sum; "-" reads stdin; --profile picks the profile', async () => {
    const a = await spawnCli(['cid', join(dir, 'hello.txt'), '-'], { stdin: Buffer.from('hello world') });
    expect(a.code).to.equal(0);
    expect(a.stdout).to.equal(
      `bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e  ${join(dir, 'hello.txt')}\n` +
        'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e  -\n',
    );
    const b = await run(['cid', '--profile', 'kubo-legacy', join(dir, 'chunk.bin')]);
    // Published by Kubo (test/cli/cid_profiles_test.go, FileOverChunkSizeCID for unixfs-v0-2015)
    expect(b.stdout).to.equal(`QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ  ${join(dir, 'chunk.bin')}\n`);
  });

  it('--json adds the digests and size', async () => {
    const r = await run(['cid', '--json', join(dir, 'hello.txt')]);
    expect(JSON.parse(r.stdout)).to.deep.equal({
      file: join(dir, 'hello.txt'),
      cid: 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e',
      profile: 'kubo-v1',
      sha256: sha256Hex('hello world'),
      sm3: sm3Hex('hello world'),
      size: 11,
    });
  });

  it('reports unreadable files, exits non-zero, and still prints the others', async () => {
    const r = await run([
      'cid',
      join(dir, 'missing.txt'),
      join(dir, 'hello.txt'),
      dir,
      ...(process.getuid?.() === 0 ? [] : [join(dir, 'secret.txt')]),
    ]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal(
      `bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e  ${join(dir, 'hello.txt')}\n`,
    );
    expect(r.stderr).to.contain(`${join(dir, 'missing.txt')}: no such file`);
    expect(r.stderr).to.contain(`${dir}: is a directory`);
    if (process.getuid?.() !== 0) expect(r.stderr).to.contain('permission denied');
    expect(r.stderr).not.to.match(/\n\s+at /); // no stack trace
  });

  it('refuses an unknown profile, naming it and the valid ones', async () => {
    const r = await run(['cid', '--profile', 'kubo-v9', join(dir, 'hello.txt')]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain('"kubo-v9"').and.contain('kubo-v1, kubo-legacy, unixfs-v1-2025');
  });

  it('content stat, verify and gc work on SHULIAN_HOME/content', async () => {
    const home = join(dir, 'home');
    const store = await embeddedContentStore({ dir: join(home, 'content') });
    const { cid } = await store.put(Readable.from([kuboDeterministicBytes('cli', 300_000)]));
    await store.close();
    const env = { SHULIAN_HOME: home };
    const stat = await run(['content', 'stat', cid], { env });
    expect(stat.stdout).to.equal(`${cid}  size 300000  blocks 3\n`);
    const verify = await run(['content', 'verify', '--json', cid], { env });
    expect(JSON.parse(verify.stdout)).to.deep.include({ cid, ok: true, blocks: 3 });
    const gc = await run(['content', 'gc', '--json'], { env });
    expect(JSON.parse(gc.stdout)).to.deep.include({ removedBlocks: 0, keptBlocks: 3 });
    const missing = await run(['content', 'stat', 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'], {
      env,
    });
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('NOT_FOUND');
    const nohome = await run(['content', 'gc'], { env: { SHULIAN_HOME: join(dir, 'nowhere') } });
    expect(nohome.code).to.equal(1);
    expect(nohome.stderr).to.contain('no content store');
  });
});
