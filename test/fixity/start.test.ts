import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { registerText, tempNode } from '../runtime/helpers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** GET over mutual TLS with one of the home's identities. */
async function get(url: string, home: string, who: string): Promise<string> {
  const tls = join(home, 'consortium', who, 'tls');
  const [ca, cert, key] = await Promise.all([
    readFile(join(home, 'consortium', 'tls-ca-bundle.pem')),
    readFile(join(tls, 'client.crt')),
    readFile(join(tls, 'client.key')),
  ]);
  return new Promise((ok, fail) => {
    const req = request(url, { ca, cert, key }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? ok(body) : fail(new Error(`${res.statusCode}: ${body}`))));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('npm start: scheduled fixity audits', function () {
  this.timeout(90_000);
  let home: string;

  before(async function () {
    if (!existsSync(join(repo, 'node', 'dist', 'fixity', 'index.js')) || !existsSync(join(repo, 'gateway', 'dist')))
      throw new Error('npm start runs the compiled node and gateway: build them first (`npm run build`)');
    const t = await tempNode();
    home = t.home;
    try {
      await registerText(t.node, 'st-a', '吉林 fixity start a', { title: ['a'] });
      await registerText(t.node, 'st-b', '吉林 fixity start b', { title: ['b'] });
    } finally {
      await t.node.close();
    }
    // one stored block no longer matches its CID
    const blocks = join(home, 'content', 'blocks');
    for (const entry of await readdir(blocks, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (entry.isFile() && (await readFile(path)).toString('utf8') === '吉林 fixity start b')
        await writeFile(path, '吉林 fixity start B');
    }
  });
  after(async () => rm(home, { recursive: true, force: true }));

  it('runs audits on the configured interval, logs the failure, and the gateway shows it in /metrics and the audit API', async () => {
    const child = spawn(process.execPath, [join(repo, 'scripts', 'start.mjs')], {
      cwd: repo,
      env: {
        ...process.env,
        SHULIAN_HOME: home,
        SHULIAN_GATEWAY_PORT: '0',
        SHULIAN_LOG_LEVEL: 'silent',
        SHULIAN_FIXITY_INTERVAL: '1s',
        SHULIAN_FIXITY_SAMPLE: '1',
        SHULIAN_BLOCK_TIMEOUT_MS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      // the first run is a second after start; wait for its failure to be said
      for (let i = 0; i < 300 && !/check\(s\) FAILED/.test(err); i++) {
        if (child.exitCode !== null) throw new Error(`start.mjs exited:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).to.match(/fixity audits: every .* 100% of the versions/);
      expect(err).to.match(/fixity check failed: st-b v1: .*corrupt block/);
      expect(err).to.match(/fixity audit fx-\S+: 1 of 2 check\(s\) FAILED/);
      const url = /^gateway: (https:\/\/\S+)\/v1 /m.exec(out)?.[1];
      expect(url, out).to.be.a('string');
      const metrics = await get(`${url}/metrics`, home, 'NLCMSP/users/warehouse');
      expect(Number(/^shulian_fixity_failures_total (\d+)$/m.exec(metrics)?.[1])).to.be.greaterThanOrEqual(1);
      expect(metrics).to.match(/^shulian_fixity_last_run_failures 1$/m);
      const page = JSON.parse(
        await get(`${url}/v1/audit/fixity?outcome=fail&resource=st-b`, home, 'JilinLibraryMSP/users/auditor'),
      ) as { items: { resourceId: string; outcome: string; anchor: { root: string } | null }[] };
      expect(page.items[0]).to.include({ resourceId: 'st-b', outcome: 'fail' });
      expect(page.items[0]?.anchor?.root).to.match(/^[0-9a-f]{64}$/);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
  });
});
