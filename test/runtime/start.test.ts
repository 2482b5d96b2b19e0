import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** Starts `node scripts/start.mjs`; `ready` resolves at its ready line, `exit` when it ends. */
function start(env: Record<string, string>): {
  ready: Promise<string>;
  exit: Promise<Run>;
  kill: (s: NodeJS.Signals) => void;
} {
  const child = spawn(process.execPath, [join(repo, 'scripts', 'start.mjs')], {
    cwd: repo,
    env: { ...process.env, SHULIAN_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: (out: string) => void = () => {};
  const ready = new Promise<string>((r) => (onReady = r));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (/^ready: /m.test(out)) onReady(out);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<Run>((r) => child.on('exit', (code, signal) => r({ code, signal, out, err })));
  const readyOrExit = Promise.race([
    ready,
    exit.then((run) =>
      Promise.reject(new Error(`start.mjs exited (${run.code}) before ready:\n${run.out}\n${run.err}`)),
    ),
  ]);
  readyOrExit.catch(() => {}); // a run expected to fail is awaited through `exit` only
  return { ready: readyOrExit, exit, kill: (s) => child.kill(s) };
}

describe('npm start (scripts/start.mjs)', function () {
  this.timeout(60_000);
  let home: string;

  before(function () {
    if (!existsSync(join(repo, 'node', 'dist', 'runtime', 'index.js'))) {
      throw new Error('npm start runs the compiled node: build it first (`npm run build`; `npm test` does it)');
    }
  });
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'shulian-start-'));
  });
  afterEach(async () => rm(home, { recursive: true, force: true }));

  it('initialises a fresh home, prints the configuration and where the data lives, serves until SIGTERM, exits 0', async () => {
    const node = start({ SHULIAN_HOME: home, SHULIAN_GATEWAY_PORT: '0', CLUSTER_BASIC_AUTH: 'admin:s3cret' });
    const out = await node.ready;
    expect(out).to.include(`SHULIAN_HOME=${home}`);
    expect(out).to.include('CLUSTER_BASIC_AUTH=****');
    expect(out).to.not.include('s3cret');
    expect(out).to.include(`initialised a new node home: ${home}`);
    expect(out).to.match(/ledger +\S+ledger +\(embedded, channel smartlibrary, 0 block\(s\)\)/);
    expect(out).to.include('npx shulian ingest sample/collection');
    if (existsSync(join(repo, 'gateway', 'dist', 'index.js')))
      expect(out).to.match(/gateway: https:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(existsSync(join(home, 'consortium', 'consortium.json'))).to.equal(true);
    expect(existsSync(join(home, 'index', 'index.sqlite'))).to.equal(true);
    node.kill('SIGTERM');
    const run = await node.exit;
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.match(/shutting down \(SIGTERM\) …\nstopped\.\n$/);

    // a second start keeps the home as it is
    const again = start({ SHULIAN_HOME: home, SHULIAN_GATEWAY_PORT: '0' });
    expect(await again.ready).to.not.include('initialised a new node home');
    again.kill('SIGINT');
    expect((await again.exit).code).to.equal(0);
  });

  it('refuses a bad configuration with one clear line and exit 1, before touching the home', async () => {
    const bad = await start({ SHULIAN_HOME: home, SHULIAN_GATEWAY_PORT: 'eighty', SHULIAN_LEDGER: 'paper' }).exit;
    expect(bad.code).to.equal(1);
    expect(bad.err).to.equal(
      'shulian: [CONFIG] invalid configuration: SHULIAN_LEDGER: expected one of embedded | fabric, got "paper"; SHULIAN_GATEWAY_PORT: expected an integer from 0 to 65535, got "eighty"\n',
    );
    expect(existsSync(join(home, 'consortium'))).to.equal(false);
  });

  it('reports an unreachable Fabric peer in one line and exits 1', async () => {
    const fabric = await start({ SHULIAN_HOME: home, SHULIAN_LEDGER: 'fabric', PEER_ENDPOINT: '127.0.0.1:1' }).exit;
    expect(fabric.code).to.equal(1);
    expect(fabric.err).to.match(/^shulian: cannot start: \[UNAVAILABLE\] [^\n]*127\.0\.0\.1:1[^\n]*\n$/);
  });
});
