import { readFile, mkdtemp, rm, readdir, stat } from 'node:fs/promises';
import { createServer, request, type Server, type Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { startNodeGateway, type RunningGateway } from '../../gateway/index.js';
import { computeCid, embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import { consortiumLayout } from '../../node/identity/index.js';
import { splitPemBundle } from '../../node/ledger/index.js';
import {
  GatewayClient,
  peerVerifier,
  proofBundleVerifier,
  pull,
  relayedReceipts,
  type PullReport,
  type VersionManifest,
} from '../../node/pull/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { agentFor, call, tlsFrom } from '../gateway/client.js';
import { registerText, tempNode } from '../runtime/helpers.js';

/**
 * The pull's verification against a gateway that lies: a tampering proxy (test double) in front of a real
 * gateway changes the bytes of one version, the manifest record of another, the proof bundle of a third.
 * Nothing of them may reach the warehouse's store; the honest version must.
 */
describe('pull: verification before anything is kept', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let proxy: Server;
  let proxyUrl: string;
  let upstream: Agent;
  let warehouseHome: string;
  let store: EmbeddedContentStore;
  let report: PullReport;
  const text = (seed: string) => Array.from({ length: 20_000 }, (_, i) => `${seed}-${i}`).join(' ');
  const ids = ['honest', 'bytes-tampered', 'manifest-lies', 'proof-tampered', 'cut-then-resume'] as const;
  let cutting = true;
  let runPull: () => Promise<PullReport>;

  before(async () => {
    ({ node, home, cleanup } = await tempNode());
    for (const id of ids) {
      await registerText(node, id, id === 'cut-then-resume' ? text(id).repeat(4) : text(id), { title: [id] });
      await node.ledger.submit({
        fn: 'GrantRights',
        args: [
          JSON.stringify({
            rightsId: `g-${id}`,
            target: { type: 'resource', id },
            rightsholder: 'Jilin Provincial Library',
            assignee: 'NLCMSP',
            actions: ['reproduce'],
            constraints: { notBefore: '2020-01-01T00:00:00Z', notAfter: null },
            basis: 'licence',
          }),
        ],
      });
    }
    await node.catchUp();
    gw = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    const layout = consortiumLayout(home);
    const wh = layout.national.users.warehouse;
    upstream = agentFor(tlsFrom(wh.tls!, layout.tlsCaBundle));
    const gwTls = layout.province.gatewayTls!;
    proxy = createServer({ cert: await readFile(gwTls.cert), key: await readFile(gwTls.key) }, (req, res) => {
      const url = new URL(gw.url);
      const up = request(
        {
          host: url.hostname,
          port: url.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          agent: upstream,
          servername: 'localhost',
        },
        (r) => {
          const path = req.url ?? '';
          const tamperJson = (edit: (m: Record<string, unknown>) => void) => {
            const parts: Buffer[] = [];
            r.on('data', (c: Buffer) => parts.push(c));
            r.on('end', () => {
              const m = JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown>;
              edit(m);
              const body = JSON.stringify(m);
              res.writeHead(r.statusCode ?? 500, { ...r.headers, 'content-length': String(Buffer.byteLength(body)) });
              res.end(body);
            });
          };
          if (path === '/v1/resources/manifest-lies/versions/1') {
            return tamperJson((m) => {
              (m.record as Record<string, unknown>).sha256 = '0'.repeat(64);
            });
          }
          if (path === '/v1/resources/proof-tampered/versions/1') {
            return tamperJson((m) => {
              const proof = m.proof as { header: { timestamp: string } };
              proof.header.timestamp = '2001-01-01T00:00:00.000Z';
            });
          }
          res.writeHead(r.statusCode ?? 500, r.headers);
          // every response is cut after 100,000 bytes while `cutting`: each attempt resumes a little further
          if (cutting && path.startsWith('/v1/resources/cut-then-resume/versions/1/content')) {
            let sent = 0;
            r.on('data', (c: Buffer) => {
              const room = 100_000 - sent;
              if (room <= 0) return;
              sent += Math.min(room, c.length);
              if (sent < 100_000) res.write(c);
              else res.write(c.subarray(0, room), () => res.socket?.destroy());
            });
            return;
          }
          if (path.startsWith('/v1/resources/bytes-tampered/versions/1/content')) {
            let seen = 0;
            r.on('data', (c: Buffer) => {
              const b = Buffer.from(c);
              if (seen <= 100_000 && seen + b.length > 100_000) b[100_000 - seen] = b[100_000 - seen]! ^ 0x01;
              seen += b.length;
              res.write(b);
            });
            r.on('end', () => res.end());
            return;
          }
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    warehouseHome = await mkdtemp(join(tmpdir(), 'shulian-pull-'));
    store = await embeddedContentStore({ dir: join(warehouseHome, 'content') });
    const tls = {
      cert: await readFile(wh.tls!.cert),
      key: await readFile(wh.tls!.key),
      ca: await readFile(layout.tlsCaBundle),
    };
    const caCerts = splitPemBundle(await readFile(layout.caBundle, 'utf8'));
    const signer = await node.identities.load('NLCMSP/warehouse');
    runPull = async () => {
      const client = new GatewayClient(proxyUrl, tls);
      try {
        return await pull({
          from: proxyUrl,
          home: warehouseHome,
          client,
          verifier: proofBundleVerifier(caCerts),
          content: store,
          receipts: relayedReceipts(client, signer),
        });
      } finally {
        client.close();
      }
    };
    report = await runPull();
  });

  after(async () => {
    upstream?.destroy();
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
    await store?.close();
    await gw?.close();
    await cleanup?.();
    if (warehouseHome) await rm(warehouseHome, { recursive: true, force: true });
  });

  const failureOf = (id: string) => report.failed.find((f) => f.resourceId === id);

  it('keeps the honest version, with a receipt on the chain', async () => {
    expect(report.pulled.map((p) => p.resourceId)).to.deep.equal(['honest']);
    const v = node.index.getVersion('honest', 1)!;
    expect(await store.has(v.record.cid)).to.equal(true);
    const receipt = JSON.parse(
      Buffer.from(await node.ledger.evaluate({ fn: 'GetReceipts', args: ['honest'] })).toString(),
    ) as { txId: string; warehouse: string }[];
    expect(receipt.map((r) => r.txId)).to.deep.equal([report.pulled[0]!.receiptTxId]);
    expect(receipt[0]!.warehouse).to.equal('NLCMSP');
  });

  it('refuses bytes that differ from the chain record, and quarantines them', async () => {
    const f = failureOf('bytes-tampered')!;
    expect(f.kind).to.equal('verification');
    expect(f.reason)
      .to.match(/sha256 [0-9a-f]{64} ≠ /)
      .and.match(/sm3/)
      .and.match(/cid/);
    const reason = JSON.parse(await readFile(f.quarantined!, 'utf8')) as { bytesFile: string; bytesReceived: number };
    const kept = await readFile(reason.bytesFile);
    expect(kept.length)
      .to.equal(reason.bytesReceived)
      .and.equal(Buffer.byteLength(text('bytes-tampered')));
    expect(kept.equals(Buffer.from(text('bytes-tampered')))).to.equal(false);
    expect(await store.has(node.index.getVersion('bytes-tampered', 1)!.record.cid)).to.equal(false);
    // Nor under the CID of the bytes that came: the store checked them against the chain before keeping.
    expect(await store.has((await computeCid([kept])).cid)).to.equal(false);
  });

  it('refuses a manifest whose record disagrees with its proof, before downloading', async () => {
    const f = failureOf('manifest-lies')!;
    expect(f.kind).to.equal('verification');
    expect(f.reason).to.match(/manifest says sha256 0{64}, the chain says/);
  });

  it('refuses a proof bundle that does not verify against the pinned CAs', async () => {
    const f = failureOf('proof-tampered')!;
    expect(f.kind).to.equal('verification');
    expect(f.reason).to.match(/proof bundle does not verify/);
    expect(await store.has(node.index.getVersion('proof-tampered', 1)!.record.cid)).to.equal(false);
  });

  it('consortium mode: the peer verifier asks the chain itself and holds the manifest to it', async () => {
    // the warehouse's own connection to the channel (here the same embedded ledger, as the warehouse)
    const verifier = peerVerifier(await node.ledgerAs('NLCMSP/warehouse'), 'smartlibrary');
    const layout = consortiumLayout(home);
    const agent = agentFor(tlsFrom(layout.national.users.warehouse.tls!, layout.tlsCaBundle));
    try {
      const r = await call(gw.url, agent, 'GET', '/v1/resources/honest/versions/1');
      const manifest = JSON.parse(r.body.toString()) as VersionManifest;
      const v = await verifier.verifyVersion(manifest);
      expect(v.cid).to.equal(node.index.getVersion('honest', 1)!.record.cid);
      expect(v.channel).to.equal('smartlibrary');
      const lie = { ...manifest, record: { ...manifest.record, sm3: '1'.repeat(64) } };
      await verifier.verifyVersion(lie).then(
        () => expect.fail('a lying manifest must be refused'),
        (err: { kind: string; message: string }) => {
          expect(err.kind).to.equal('verification');
          expect(err.message).to.match(/the manifest says sm3 1{64}, the peer says/);
        },
      );
      await verifier.verifyVersion({ ...manifest, version: 9 }).then(
        () => expect.fail('an unknown version must be refused'),
        (err: { kind: string; message: string }) => expect(err.message).to.match(/no such version/),
      );
    } finally {
      agent.destroy();
    }
  });

  it('keeps a cut download as a resumable partial file, pending; the next run resumes it and keeps it', async () => {
    const f = failureOf('cut-then-resume')!;
    expect(f.kind).to.equal('transport');
    expect(f.quarantined).to.equal(undefined);
    const part = join(warehouseHome, 'pull', 'partial', 'cut-then-resume@1.part');
    const have = (await stat(part)).size;
    // three attempts, each resumed where the last was cut (a cut may lose what was in flight)
    expect(have).to.be.greaterThan(100_000).and.at.most(300_000);
    const journal = JSON.parse(await readFile(join(warehouseHome, 'pull', 'journal.json'), 'utf8')) as {
      sources: Record<string, { pending: Record<string, unknown> }>;
    };
    expect(Object.keys(journal.sources[proxyUrl]!.pending).sort()).to.deep.equal([
      'bytes-tampered@1',
      'cut-then-resume@1',
      'manifest-lies@1',
      'proof-tampered@1',
    ]);

    cutting = false;
    const second = await runPull();
    const resumed = second.pulled.find((p) => p.resourceId === 'cut-then-resume')!;
    const expected = Buffer.from(text('cut-then-resume').repeat(4));
    expect(resumed.resumedFrom).to.equal(have);
    expect(resumed.bytesDownloaded).to.equal(expected.length - have);
    const parts: Buffer[] = [];
    for await (const c of store.get(resumed.cid)) parts.push(Buffer.from(c));
    expect(Buffer.concat(parts).equals(expected)).to.equal(true);
    expect(second.failed.map((x) => x.resourceId).sort()).to.deep.equal([
      'bytes-tampered',
      'manifest-lies',
      'proof-tampered',
    ]);
    expect(await readdir(join(warehouseHome, 'pull', 'partial'))).to.deep.equal([]);
  });
});
