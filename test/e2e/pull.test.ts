import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { embeddedContentStore } from '../../node/content/index.js';
import { consortiumLayout } from '../../node/identity/index.js';
import type { PullReport } from '../../node/pull/index.js';
import { agentFor, call, tlsFrom } from '../gateway/client.js';
import { storedBlocksHolding, readStored, writeStored } from '../content/helpers/stored-blocks.js';
import { assertValidXml, ensureXmllint } from '../helpers/xmllint.js';
import { provisionWarehouse, runCli, startCli, startProvince, type Province } from './processes.js';

function patterned(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/**
 * The province and the national warehouse as separate processes with separate homes, over mutual TLS:
 * ingest, grant, pull, verify, receipt on the province's chain; refused grants; a withdrawal; a corrupted
 * block on the province's disk; a pull killed with SIGKILL mid-file that resumes.
 */
describe('e2e: the national warehouse pulls from a province', function () {
  this.timeout(300_000);
  let provinceHome: string;
  let warehouseHome: string;
  let province: Province;
  let operator: Agent;
  let warehouse: Agent;
  const payloads = {
    'e2e-a': patterned(300_000, 1),
    'e2e-big': patterned(4 * 1024 * 1024 + 12345, 2),
    'e2e-corrupt': patterned(700_000, 3),
    'e2e-revoked': patterned(5_000, 4),
    'e2e-expired': patterned(6_000, 5),
    'e2e-withdrawn': patterned(7_000, 6),
  } as const;
  type Id = keyof typeof payloads;
  const env = () => ({ SHULIAN_HOME: warehouseHome });
  const pullArgs = (...extra: string[]) => ['pull', '--from', province.url, '--json', ...extra];
  const reportOf = (run: { stdout: string; stderr: string }): PullReport => {
    if (!run.stdout.trim()) throw new Error(`the pull printed no report; stderr:\n${run.stderr}`);
    return JSON.parse(run.stdout) as PullReport;
  };

  const upload = async (id: Id) => {
    const metadata = { title: [`Title of ${id}`], class: 'document-scan', theme: ['local-culture'] };
    const r = await call(province.url, operator, 'POST', `/v1/resources/${id}/versions`, {
      headers: {
        'content-type': 'application/octet-stream',
        'shulian-metadata': Buffer.from(JSON.stringify(metadata)).toString('base64url'),
      },
      body: payloads[id],
    });
    expect(r.status, r.body.toString()).to.equal(201);
  };
  const grant = async (id: Id, notAfter: string | null = null) => {
    const r = await call(province.url, operator, 'POST', '/v1/rights', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rightsId: `grant-${id}`,
        target: { type: 'resource', id },
        rightsholder: 'Jilin Provincial Library',
        assignee: 'NLCMSP',
        actions: ['reproduce', 'archive'],
        constraints: { notBefore: '2020-01-01T00:00:00Z', notAfter },
        basis: 'licence',
      }),
    });
    expect(r.status, r.body.toString()).to.equal(201);
  };
  const json = async (path: string, agent = warehouse) => {
    const r = await call(province.url, agent, 'GET', path);
    return { status: r.status, body: JSON.parse(r.body.toString()) as Record<string, unknown> };
  };
  // polls, up to `tries` × 25 ms (a loaded machine starts processes slowly)
  const eventually = async <T>(fn: () => Promise<T | undefined>, what: string, tries = 400): Promise<T> => {
    for (let i = 0; i < tries; i++) {
      const v = await fn();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  before(async () => {
    ensureXmllint();
    provinceHome = await mkdtemp(join(tmpdir(), 'shulian-e2e-province-'));
    warehouseHome = await mkdtemp(join(tmpdir(), 'shulian-e2e-warehouse-'));
    province = await startProvince(provinceHome);
    await provisionWarehouse(provinceHome, warehouseHome);
    const layout = consortiumLayout(provinceHome);
    operator = agentFor(tlsFrom(layout.province.users.operator.tls!, layout.tlsCaBundle));
    warehouse = agentFor(tlsFrom(layout.national.users.warehouse.tls!, layout.tlsCaBundle));

    for (const id of Object.keys(payloads) as Id[]) await upload(id);
    for (const id of ['e2e-a', 'e2e-big', 'e2e-corrupt', 'e2e-revoked', 'e2e-withdrawn'] as const) await grant(id);
    await grant('e2e-expired', '2021-01-01T00:00:00Z');
    const revoke = await call(province.url, operator, 'POST', '/v1/rights/grant-e2e-revoked/revoke', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'licence ended' }),
    });
    expect(revoke.status, revoke.body.toString()).to.equal(200);
    const withdraw = await call(province.url, operator, 'POST', '/v1/resources/e2e-withdrawn/withdraw', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reasonCode: 'copyright-claim', note: 'rightsholder asked' }),
    });
    expect(withdraw.status, withdraw.body.toString()).to.equal(200);
    // the gateway's index follows the chain: wait until it has seen the last change
    await eventually(
      async () => ((await json('/v1/resources/e2e-withdrawn')).body.status === 'withdrawn' ? true : undefined),
      'the withdrawal in the index',
    );
    await eventually(async () => {
      const m = await json('/v1/resources/e2e-revoked/versions/1');
      return (m.body.access as { reproduce: { authorized: boolean } }).reproduce.authorized ? undefined : true;
    }, 'the revocation in the index');

    // one block of e2e-corrupt flipped on the province's disk (kubo-v1: raw leaves of 256 KiB, stored as is)
    const chunk = payloads['e2e-corrupt'].subarray(262_144, 524_288);
    const stored = await storedBlocksHolding(join(provinceHome, 'content'), chunk);
    for (const block of stored) {
      const bytes = await readStored(block);
      bytes[1000] = bytes[1000]! ^ 0xff;
      await writeStored(block, bytes);
    }
    const corrupted = stored.length;
    expect(corrupted, 'the stored block of the second chunk').to.equal(1);
  });

  after(async () => {
    operator?.destroy();
    warehouse?.destroy();
    await province?.stop();
    for (const home of [provinceHome, warehouseHome]) if (home) await rm(home, { recursive: true, force: true });
  });

  it('refuses content under a revoked or an expired grant (403) and serves a withdrawn resource as 410 and an OAI deleted record', async () => {
    for (const id of ['e2e-revoked', 'e2e-expired']) {
      const r = await call(province.url, warehouse, 'GET', `/v1/resources/${id}/versions/1/content`);
      expect(r.status, id).to.equal(403);
    }
    const gone = await call(province.url, warehouse, 'GET', '/v1/resources/e2e-withdrawn/versions/1/content');
    expect(gone.status).to.equal(410);
    const oai = await call(
      province.url,
      warehouse,
      'GET',
      '/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:jilinlibrarymsp.shulian:e2e-withdrawn',
    );
    expect(oai.status).to.equal(200);
    assertValidXml(oai.body.toString());
    expect(oai.body.toString()).to.contain('<header status="deleted">');
    const bad = await call(
      province.url,
      warehouse,
      'GET',
      '/oai?verb=ListRecords&resumptionToken=eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA',
    );
    assertValidXml(bad.body.toString());
    expect(bad.body.toString()).to.contain('<error code="badResumptionToken">');
  });

  it('a pull killed with SIGKILL in the middle of a file leaves a partial file that the next run resumes', async () => {
    const part = join(warehouseHome, 'pull', 'partial', 'e2e-big@1.part');
    // capped at 1 MiB/s so that the kill lands mid-file whatever the machine's speed
    const run = startCli(pullArgs('--parallel', '1', '--max-rate', '1M'), env());
    await eventually(
      async () => ((await sizeOf(part)) > 256 * 1024 || run.proc.exitCode !== null ? true : undefined),
      'the partial file to grow',
      4800,
    );
    run.proc.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal, killed.stderr).to.equal('SIGKILL');
    const have = await sizeOf(part);
    expect(have).to.be.greaterThan(0).and.lessThan(payloads['e2e-big'].length);
  });

  it('then pulls and verifies everything it may, stores it, records receipts, and refuses and quarantines the corrupted version', async () => {
    const partBefore = await sizeOf(join(warehouseHome, 'pull', 'partial', 'e2e-big@1.part'));
    const run = await runCli(pullArgs(), env());
    expect(run.code, run.stderr).to.equal(1); // a version failed verification
    const report = reportOf(run);
    const pulled = Object.fromEntries(report.pulled.map((p) => [p.resourceId, p]));
    // e2e-a went first (one at a time) and was complete, stored and acknowledged before the kill
    expect(Object.keys(pulled).sort()).to.deep.equal(['e2e-big']);
    // the big file resumed from the partial the killed run left
    expect(pulled['e2e-big']!.resumedFrom).to.equal(partBefore);
    expect(pulled['e2e-big']!.bytesDownloaded).to.equal(payloads['e2e-big'].length - partBefore);

    const skipped = Object.fromEntries(report.skipped.map((s) => [`${s.resourceId}:${s.reason}`, s]));
    expect(skipped).to.have.keys(
      'e2e-a:already-received',
      'e2e-revoked:not-authorized',
      'e2e-expired:not-authorized',
      'e2e-withdrawn:withdrawn',
    );
    const lines = (await readFile(join(warehouseHome, 'pull', 'received.jsonl'), 'utf8')).trim().split('\n');
    const journal = {
      received: Object.fromEntries(
        lines.map((l) => JSON.parse(l) as { key: string; cid: string; receiptTxId: string }).map((e) => [e.key, e]),
      ),
    };
    expect(Object.keys(journal.received).sort()).to.deep.equal(['e2e-a@1', 'e2e-big@1']);

    expect(report.failed).to.have.length(1);
    const failure = report.failed[0]!;
    expect(failure.resourceId).to.equal('e2e-corrupt');
    expect(failure.kind).to.equal('verification');
    expect(failure.quarantined, JSON.stringify(failure)).to.be.a('string');
    const reason = JSON.parse(await readFile(failure.quarantined!, 'utf8')) as {
      reason: string;
      resourceId: string;
      bytesFile: string | null;
      bytesReceived: number;
    };
    expect(reason.resourceId).to.equal('e2e-corrupt');
    expect(reason.reason).to.match(/integrity|verif/);
    // whatever arrived before the gateway cut the stream sits beside it, never in the store
    if (reason.bytesFile) expect(await sizeOf(reason.bytesFile)).to.equal(reason.bytesReceived);

    // what the warehouse kept is byte-identical to what the province ingested; nothing of the refused ones
    const store = await embeddedContentStore({ dir: join(warehouseHome, 'content') });
    try {
      for (const id of ['e2e-a', 'e2e-big'] as const) {
        const parts: Buffer[] = [];
        for await (const c of store.get(journal.received[`${id}@1`]!.cid)) parts.push(Buffer.from(c));
        expect(Buffer.concat(parts).equals(payloads[id]), id).to.equal(true);
      }
      for (const id of ['e2e-corrupt', 'e2e-revoked', 'e2e-expired', 'e2e-withdrawn']) {
        const m = await json(`/v1/resources/${id}/versions/1`);
        const cid = (m.body.record as { cid: string }).cid;
        expect(await store.has(cid), id).to.equal(false);
      }
    } finally {
      await store.close();
    }
    expect(await readdir(join(warehouseHome, 'pull', 'partial'))).to.deep.equal([]);

    // the receipts are on the province's chain, signed by the warehouse itself
    const histories = await Promise.all(
      ['e2e-a', 'e2e-big'].map((id) => runCli(['history', id, '--json'], { SHULIAN_HOME: provinceHome })),
    );
    for (const [i, id] of ['e2e-a', 'e2e-big'].entries()) {
      const history = histories[i]!;
      expect(history.code, history.stderr).to.equal(0);
      const { history: list } = JSON.parse(history.stdout) as {
        history: { kind: string; txId: string; record: { by: { mspId: string }; warehouse: string } }[];
      };
      const receipt = list.find((h) => h.kind === 'receipt');
      expect(receipt, `${id} receipt in the province's history`).to.not.equal(undefined);
      expect(receipt!.txId).to.equal(journal.received[`${id}@1`]!.receiptTxId);
      expect(receipt!.record.by.mspId).to.equal('NLCMSP');
    }
  });

  it('a second run pulls nothing new and retries only the refused and failed versions', async () => {
    const run = await runCli(pullArgs(), env());
    const report = reportOf(run);
    expect(report.pulled).to.deep.equal([]);
    expect(report.failed.map((f) => f.resourceId)).to.deep.equal(['e2e-corrupt']);
    expect(report.skipped.map((s) => s.resourceId).sort()).to.deep.equal(['e2e-expired', 'e2e-revoked']);
    expect(run.code).to.equal(1);
  });
});
