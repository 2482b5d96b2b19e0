import { createHash, X509Certificate } from 'node:crypto';
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect } from 'node:tls';
import { expect } from 'chai';
import { pino } from 'pino';
import { CarBlockIterator } from '@ipld/car';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  startNodeGateway,
  gatewayFiles,
  createAjv,
  componentRef,
  OPENAPI_DOCUMENT,
  type RunningGateway,
} from '../../gateway/index.js';
import { consortiumLayout, createDevCa, loadDevCa } from '../../node/identity/index.js';
import { tempNode } from '../runtime/helpers.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { agentFor, call, problemOf, tlsFrom, type Reply } from './client.js';
import { checkBag } from './bag-check.js';
import { makeCrl } from './crl.js';
import type { Agent } from 'node:https';

const ajv = createAjv();
const validate = (name: string, value: unknown): void => {
  const v = ajv.compile(componentRef(name));
  if (!v(value))
    throw new Error(
      `${name} does not match the OpenAPI schema: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 400)}`,
    );
};
const jsonOf = (r: Reply): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

async function eventually<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

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

describe('gateway over mTLS, on a real node', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let base: string;
  const logs: Record<string, unknown>[] = [];
  let operator: Agent;
  let warehouse: Agent;
  let auditor: Agent;
  let caFile: string;
  const bytes = {
    a: patterned(700_000, 1),
    b: Buffer.from('not granted'),
    c: Buffer.from('to be withdrawn'),
    d: patterned(600_000, 4),
    e: patterned(8 << 20, 5),
  };

  const upload = (id: string, payload: Buffer, agent = operator, metadata: unknown = { title: [`Title of ${id}`] }) =>
    call(base, agent, 'POST', `/v1/resources/${id}/versions`, {
      headers: {
        'content-type': 'application/pdf',
        'shulian-metadata': Buffer.from(JSON.stringify(metadata)).toString('base64url'),
      },
      body: payload,
    });
  const grant = (rightsId: string, resourceId: string, actions = ['reproduce']) =>
    call(base, operator, 'POST', '/v1/rights', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        rightsId,
        target: { type: 'resource', id: resourceId },
        rightsholder: 'Jilin Provincial Library',
        assignee: 'NLCMSP',
        actions,
        constraints: { notBefore: '2020-01-01T00:00:00Z', notAfter: null },
        basis: 'licence',
      }),
    });
  const indexed = (id: string, v = 1) =>
    eventually(async () => node.index.getVersion(id, v), `${id} v${v} in the index`);

  before(async () => {
    ({ node, home, cleanup } = await tempNode());
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    gw = await startNodeGateway({
      node,
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'info' }, sink),
      timeouts: { shutdownGraceMs: 10_000 },
      limits: { maxUploadBytes: 10 << 20 },
    });
    base = gw.url;
    const layout = consortiumLayout(home);
    caFile = layout.tlsCaBundle;
    operator = agentFor(tlsFrom(layout.province.users.operator.tls!, caFile));
    auditor = agentFor(tlsFrom(layout.province.users.auditor.tls!, caFile));
    warehouse = agentFor(tlsFrom(layout.national.users.warehouse.tls!, caFile));

    for (const [id, payload] of [
      ['res-a', bytes.a],
      ['res-b', bytes.b],
      ['res-c', bytes.c],
      ['res-d', bytes.d],
      ['res-e', bytes.e],
    ] as const) {
      const r = await upload(id, payload);
      expect(r.status, r.body.toString()).to.equal(201);
    }
    for (const id of ['res-a', 'res-c', 'res-d', 'res-e'])
      expect((await grant(`grant-${id}`, id)).status).to.equal(201);
    for (const id of ['res-a', 'res-b', 'res-c', 'res-d', 'res-e']) await indexed(id);
    await eventually(async () => (node.index.getRights('grant-res-e') ? true : undefined), 'grants in the index');
  });

  after(async () => {
    for (const a of [operator, warehouse, auditor]) a?.destroy();
    await gw?.close();
    await cleanup?.();
  });

  describe('transport', () => {
    const handshake = (options: { cert?: Buffer; key?: Buffer }) =>
      new Promise<string>((resolve) => {
        const socket = connect({
          host: '127.0.0.1',
          port: gw.port,
          ca: [readFileSyncSafe(caFile)],
          servername: 'localhost',
          ...options,
        });
        socket.on('secureConnect', () => {
          // TLS 1.3: the server's verdict on the client certificate arrives after the handshake
          socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        socket.on('data', () => resolve('answered'));
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        socket.on('close', () => resolve('closed'));
      });
    let ca: Buffer;
    const readFileSyncSafe = (p: string) => ca ?? p;
    before(async () => {
      ca = await readFile(caFile);
    });

    it('refuses a client without a certificate at the TLS layer, and logs it', async () => {
      const outcome = await handshake({});
      expect(outcome).to.not.equal('answered');
      await eventually(
        async () =>
          logs.some((l) => l.event === 'tls-refused' && l.reason === 'NO_CLIENT_CERTIFICATE') ? true : undefined,
        'tls-refused log',
      );
    });

    it('refuses a certificate from a CA outside the consortium', async () => {
      const foreign = await createDevCa({ mspId: 'NLCMSP' });
      const issued = await foreign.issue({ commonName: 'warehouse@NLCMSP', kind: 'tls-client', role: 'warehouse' });
      const outcome = await handshake({ cert: Buffer.from(issued.certPem), key: Buffer.from(issued.keyPem) });
      expect(outcome).to.not.equal('answered');
      await eventually(
        async () =>
          logs.some(
            (l) =>
              l.event === 'tls-refused' && /UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|SELF_SIGNED/.test(String(l.reason)),
          )
            ? true
            : undefined,
        'unknown-CA refusal logged',
      );
    });

    it('refuses an expired certificate of a consortium CA at the TLS layer', async () => {
      const org = consortiumLayout(home).national;
      const tlsCa = await loadDevCa({
        mspId: org.mspId,
        certPem: await readFile(org.tlsCaCert, 'utf8'),
        keyPem: await readFile(org.tlsCaKey, 'utf8'),
      });
      const day = 86_400_000;
      const expired = await tlsCa.issue({
        commonName: 'warehouse@NLCMSP',
        kind: 'tls-client',
        role: 'warehouse',
        notBefore: new Date(Date.now() - 10 * day),
        notAfter: new Date(Date.now() - day),
      });
      const before = logs.filter((l) => l.event === 'tls-refused').length;
      const outcome = await handshake({ cert: Buffer.from(expired.certPem), key: Buffer.from(expired.keyPem) });
      expect(outcome).to.not.equal('answered');
      await eventually(
        async () => (logs.filter((l) => l.event === 'tls-refused').length > before ? true : undefined),
        'tls-refused log',
      );
      expect(logs.some((l) => l.event === 'tls-refused' && l.reason === 'CERT_HAS_EXPIRED')).to.equal(true);
      // the same CA's valid certificate is accepted: it is the expiry that was refused
      const valid = await tlsCa.issue({ commonName: 'warehouse@NLCMSP', kind: 'tls-client', role: 'warehouse' });
      expect(await handshake({ cert: Buffer.from(valid.certPem), key: Buffer.from(valid.keyPem) })).to.equal(
        'answered',
      );
    });

    it('answers 403 certificate-revoked for a certificate on the revocation list, per connection', async () => {
      const layout = consortiumLayout(home);
      const certPem = await readFile(layout.province.users.auditor.tls!.cert, 'utf8');
      const serial = new X509Certificate(certPem).serialNumber;
      const ok = await call(base, auditor, 'GET', '/v1/changes');
      expect(ok.status).to.equal(200);
      await writeFile(gatewayFiles(home).revocationList, `# test\nserial ${serial}\n`);
      try {
        const fresh = agentFor(tlsFrom(layout.province.users.auditor.tls!, caFile), false);
        const r = await call(base, fresh, 'GET', '/v1/changes');
        expect(r.status).to.equal(403);
        expect(problemOf(r).type).to.equal('urn:shulian:problem:certificate-revoked');
        fresh.destroy();
        // the same revocation as an X.509 CRL signed by the province's TLS CA
        const org = layout.province;
        const crl = await makeCrl(
          { certPem: await readFile(org.tlsCaCert, 'utf8'), keyPem: await readFile(org.tlsCaKey, 'utf8') },
          [serial],
        );
        await writeFile(gatewayFiles(home).revocationList, crl);
        const again = agentFor(tlsFrom(layout.province.users.auditor.tls!, caFile), false);
        const r2 = await call(base, again, 'GET', '/v1/changes');
        expect(r2.status).to.equal(403);
        expect(String(problemOf(r2).detail)).to.match(/revoked by the CRL/);
        again.destroy();
        const other = agentFor(tlsFrom(layout.province.users.operator.tls!, caFile), false);
        expect((await call(base, other, 'GET', '/v1/changes')).status).to.equal(200);
        other.destroy();
      } finally {
        await writeFile(gatewayFiles(home).revocationList, '');
      }
    });
  });

  describe('OpenAPI document', () => {
    it('lists exactly the routes the app serves', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/openapi.json');
      expect(r.status).to.equal(200);
      const doc = jsonOf(r) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).to.equal('3.1.0');
      const documented = Object.entries(doc.paths)
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
        .sort();
      const served = gw.app.routes.map((r) => `${r.method} ${r.path}`).sort();
      expect(served).to.deep.equal(documented);
      expect(doc).to.deep.equal(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    });
  });

  describe('harvest', () => {
    it('pages the changes feed with an opaque cursor, and refuses a tampered one', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const r = await call(base, warehouse, 'GET', `/v1/changes?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).to.equal(200);
        const page = jsonOf(r) as { changes: { resourceId: string }[]; next: string; caughtUp: boolean };
        validate('ChangesPage', page);
        seen.push(...page.changes.map((c) => c.resourceId));
        cursor = page.next;
        if (page.caughtUp) break;
      }
      expect(seen).to.include.members(['res-a', 'res-b', 'res-c', 'res-d', 'res-e']);
      const again = jsonOf(await call(base, warehouse, 'GET', `/v1/changes?cursor=${cursor}`)) as {
        changes: unknown[];
        next: string;
      };
      expect(again.changes).to.deep.equal([]);
      expect(again.next).to.equal(cursor);
      const tampered = cursor!.slice(0, -2) + (cursor!.endsWith('AA') ? 'BB' : 'AA');
      const bad = await call(base, warehouse, 'GET', `/v1/changes?cursor=${tampered}`);
      expect(bad.status).to.equal(400);
      const p = problemOf(bad);
      validate('Problem', p);
      expect(p).to.include({ type: 'urn:shulian:problem:invalid-cursor', pointer: '/cursor' });
    });

    it('serves the resource and a manifest carrying the proof bundle and rights', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-a');
      expect(r.status).to.equal(200);
      validate('Resource', jsonOf(r));
      const m = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1', {
        headers: { 'x-request-id': 'manifest-res-a-1' },
      });
      expect(m.status).to.equal(200);
      expect(m.headers['x-request-id']).to.equal('manifest-res-a-1');
      expect(m.headers['content-type']).to.equal('application/json; charset=utf-8');
      const line = await eventually(
        async () => logs.find((l) => l.reqId === 'manifest-res-a-1' && l.msg === 'request completed'),
        'the access log line of the manifest',
      );
      expect(line).to.deep.include({
        org: 'NLCMSP',
        req: { method: 'GET', url: '/v1/resources/res-a/versions/1', remoteAddress: '127.0.0.1' },
        res: { statusCode: 200 },
      });
      const head = await call(base, warehouse, 'HEAD', '/v1/resources/res-a/versions/1');
      expect(head.status).to.equal(200);
      expect(head.body.length).to.equal(0);
      expect(Number(head.headers['content-length'])).to.equal(m.body.length);
      const manifest = jsonOf(m) as {
        digests: { sha256: string; sm3: string; size: number };
        proof: { txId: string; format: string };
        record: { txId: string };
        rights: { rightsId: string }[];
        access: { reproduce: { authorized: boolean; rightsId: string } };
      };
      validate('Manifest', manifest);
      expect(manifest.digests.sha256).to.equal(createHash('sha256').update(bytes.a).digest('hex'));
      expect(manifest.digests.sm3).to.equal(createHash('sm3').update(bytes.a).digest('hex'));
      expect(manifest.proof.txId).to.equal(manifest.record.txId);
      expect(manifest.proof.format).to.equal('shulian-embedded-v1');
      expect(manifest.rights.map((x) => x.rightsId)).to.include('grant-res-a');
      expect(manifest.access.reproduce).to.include({ authorized: true, rightsId: 'grant-res-a' });
    });

    it('serves the metadata schemas', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/schemas/resource');
      expect(r.status).to.equal(200);
      expect(r.headers['content-type']).to.match(/^application\/schema\+json/);
      expect(jsonOf(r).$schema).to.equal('https://json-schema.org/draft/2020-12/schema');
      expect((await call(base, warehouse, 'GET', '/v1/schemas/indexing-record.schema.json')).status).to.equal(200);
      expect((await call(base, warehouse, 'GET', '/v1/schemas/nope')).status).to.equal(404);
    });
  });

  describe('content', () => {
    it('streams authorised content with ETag = CID, Repr-Digest and Content-Length, and logs the grant relied on', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/content');
      expect(r.status).to.equal(200);
      expect(r.body.equals(bytes.a)).to.equal(true);
      const manifest = jsonOf(await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1')) as {
        digests: { cid: string };
      };
      expect(r.headers.etag).to.equal(`"${manifest.digests.cid}"`);
      expect(r.headers['content-length']).to.equal(String(bytes.a.length));
      expect(r.headers['repr-digest']).to.equal(`sha-256=:${createHash('sha256').update(bytes.a).digest('base64')}:`);
      const decision = logs.find(
        (l) => l.event === 'authorization' && l.resourceId === 'res-a' && l.authorized === true,
      );
      expect(decision).to.include({ org: 'NLCMSP', action: 'reproduce', rightsId: 'grant-res-a' });
    });

    it('refuses content without a grant in force (403), logging the decision', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-b/versions/1/content');
      expect(r.status).to.equal(403);
      const p = problemOf(r);
      validate('Problem', p);
      expect(p.type).to.equal('urn:shulian:problem:no-rights-grant');
      expect(
        logs.some(
          (l) =>
            l.event === 'authorization' && l.resourceId === 'res-b' && l.authorized === false && l.rightsId === null,
        ),
      ).to.equal(true);
      expect(
        (await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/content?intent=display')).status,
      ).to.equal(403);
    });

    it('answers a single Range with 206, If-None-Match with 304, and unsatisfiable ranges with 416', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/content', {
        headers: { range: 'bytes=300000-300099' },
      });
      expect(r.status).to.equal(206);
      expect(r.headers['content-range']).to.equal(`bytes 300000-300099/${bytes.a.length}`);
      expect(r.body.equals(bytes.a.subarray(300000, 300100))).to.equal(true);
      const etag = String(r.headers.etag);
      const nm = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/content', {
        headers: { 'if-none-match': etag },
      });
      expect(nm.status).to.equal(304);
      expect(nm.body.length).to.equal(0);
      const bad = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/content', {
        headers: { range: `bytes=${bytes.a.length}-` },
      });
      expect(bad.status).to.equal(416);
      expect(bad.headers['content-range']).to.equal(`bytes */${bytes.a.length}`);
    });

    it('exports a CARv1 whose root is the CID and whose blocks all hash to their CIDs', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/car');
      expect(r.status).to.equal(200);
      const iter = await CarBlockIterator.fromBytes(r.body);
      const roots = await iter.getRoots();
      expect(roots.map(String)).to.deep.equal([String(r.headers.etag).slice(1, -1)]);
      let n = 0;
      for await (const { cid, bytes: b } of iter) {
        const digest = await sha256.digest(b);
        expect(CID.create(cid.version, cid.code, digest).equals(cid)).to.equal(true);
        n++;
      }
      expect(n).to.be.greaterThan(2);
    });

    it('exports a BagIt bag with SHA-256 and SM3 manifests and the chain records as tag files', async () => {
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1/bag');
      expect(r.status).to.equal(200);
      const bag = await checkBag(r.body);
      const payload = [...bag.files].find(([k]) => k.startsWith('data/'))!;
      expect(payload[1].equals(bytes.a)).to.equal(true);
      expect(bag.info.get('Source-Organization')).to.equal(node.config.orgMsp);
      expect(bag.info.get('External-Identifier')).to.equal('res-a version 1');
      expect(bag.info.get('Payload-Oxum')).to.equal(`${bytes.a.length}.1`);
      const proof = JSON.parse(bag.files.get('shulian/proof.json')!.toString()) as { txId: string };
      const version = JSON.parse(bag.files.get('shulian/version.json')!.toString()) as { txId: string };
      expect(proof.txId).to.equal(version.txId);
    });

    it('keeps a withdrawn resource as a tombstone and answers 410 for its content', async () => {
      type Manifest = {
        status: string;
        withdrawal: { reasonCode: string } | null;
        access: { reproduce: { authorized: boolean } };
      };
      // the manifest is served once before the withdrawal, so that the gateway holds its parts
      const before = jsonOf(await call(base, warehouse, 'GET', '/v1/resources/res-c/versions/1')) as Manifest;
      expect(before).to.deep.include({ status: 'active', withdrawal: null });
      expect(before.access.reproduce.authorized).to.equal(true);
      const w = await call(base, operator, 'POST', '/v1/resources/res-c/withdraw', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reasonCode: 'copyright-claim', note: 'test' }),
      });
      expect(w.status, w.body.toString()).to.equal(200);
      validate('SubmitResult', jsonOf(w));
      await eventually(
        async () => (node.index.getResource('res-c')?.status === 'withdrawn' ? true : undefined),
        'withdrawal in the index',
      );
      const meta = await call(base, warehouse, 'GET', '/v1/resources/res-c');
      expect(meta.status).to.equal(200);
      const resource = jsonOf(meta) as { status: string; withdrawal: { reasonCode: string } };
      validate('Resource', resource);
      expect(resource.status).to.equal('withdrawn');
      expect(resource.withdrawal.reasonCode).to.equal('copyright-claim');
      const after = jsonOf(await call(base, warehouse, 'GET', '/v1/resources/res-c/versions/1')) as Manifest;
      validate('Manifest', after);
      expect(after.status).to.equal('withdrawn');
      expect(after.withdrawal?.reasonCode).to.equal('copyright-claim');
      expect(after.access.reproduce.authorized).to.equal(false);
      for (const part of ['content', 'car', 'bag']) {
        const r = await call(base, warehouse, 'GET', `/v1/resources/res-c/versions/1/${part}`);
        expect(r.status, part).to.equal(410);
        expect(problemOf(r).type).to.equal('urn:shulian:problem:withdrawn');
      }
    });

    it('cuts the stream when a block on disk is corrupt, and flags the version', async () => {
      const files = await listFiles(join(home, 'content'));
      const marker = bytes.d.subarray(300_000, 300_064);
      let corrupted: { file: string; original: Buffer } | undefined;
      for (const f of files) {
        const s = await stat(f);
        if (s.size < 1000) continue;
        const data = await readFile(f);
        const at = data.indexOf(marker);
        if (at >= 0) {
          corrupted = { file: f, original: Buffer.from(data) };
          data[at]! ^= 0xff;
          await writeFile(f, data);
          break;
        }
      }
      expect(corrupted, 'found the block file to corrupt').to.not.equal(undefined);
      const r = await call(base, warehouse, 'GET', '/v1/resources/res-d/versions/1/content');
      const cut = r.error !== undefined || r.status >= 500;
      expect(cut, `status ${r.status}, ${r.body.length} bytes`).to.equal(true);
      expect(r.body.equals(bytes.d)).to.equal(false);
      const m = jsonOf(await call(base, warehouse, 'GET', '/v1/resources/res-d/versions/1')) as {
        integrityAlert?: { detail: string };
      };
      expect(m.integrityAlert).to.be.an('object');
      expect(logs.some((l) => l.event === 'integrity-failure' && l.resourceId === 'res-d')).to.equal(true);
      // a range inside the corrupt block: the store's block check fails it before any byte goes out
      const ranged = await call(base, warehouse, 'GET', '/v1/resources/res-d/versions/1/content', {
        headers: { range: 'bytes=300000-300099' },
      });
      expect(ranged.status).to.equal(500);
      expect(problemOf(ranged).type).to.equal('urn:shulian:problem:integrity');
      // a range in an intact block is served: every byte of it was checked against its block's CID
      const intact = await call(base, warehouse, 'GET', '/v1/resources/res-d/versions/1/content', {
        headers: { range: 'bytes=0-99' },
      });
      expect(intact.status).to.equal(206);
      expect(intact.body.equals(bytes.d.subarray(0, 100))).to.equal(true);

      // The flag is journaled in the home, so that a restart does not make the payload look sound...
      const journal = gatewayFiles(home).integrityAlerts;
      const raised = (await readFile(journal, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as object);
      expect(raised.at(-1)).to.have.nested.property('raise.resourceId', 'res-d');
      // ...and it stays until a complete read verifies again, once the operator has repaired the block.
      await writeFile(corrupted!.file, corrupted!.original);
      const repaired = await call(base, warehouse, 'GET', '/v1/resources/res-d/versions/1/content');
      expect(repaired.status).to.equal(200);
      expect(repaired.body.equals(bytes.d)).to.equal(true);
      const after = jsonOf(await call(base, warehouse, 'GET', '/v1/resources/res-d/versions/1')) as {
        integrityAlert?: unknown;
      };
      expect(after.integrityAlert).to.equal(undefined);
      await eventually(
        async () => ((await readFile(journal, 'utf8')).includes('"clear":{"resourceId":"res-d"') ? true : undefined),
        'the clear in the journal',
      );
    });
  });

  describe('manifests stay current', () => {
    it('show a revocation as soon as the index has it, though their immutable parts are kept', async () => {
      type Manifest = {
        rights: { rightsId: string; status: string }[];
        access: { reproduce: { authorized: boolean; rightsId: string | null } };
        proof: unknown;
        record: unknown;
      };
      expect((await upload('res-r', Buffer.from('revocable'))).status).to.equal(201);
      expect((await grant('grant-res-r', 'res-r')).status).to.equal(201);
      await eventually(async () => node.index.getRights('grant-res-r'), 'the grant in the index');
      const url = '/v1/resources/res-r/versions/1';
      const first = jsonOf(await call(base, warehouse, 'GET', url)) as Manifest;
      expect(first.access.reproduce).to.include({ authorized: true, rightsId: 'grant-res-r' });
      expect(first.rights.map((r) => [r.rightsId, r.status])).to.deep.equal([['grant-res-r', 'granted']]);
      const again = jsonOf(await call(base, warehouse, 'GET', url)) as Manifest;
      expect(again.rights).to.deep.equal(first.rights);

      const r = await call(base, operator, 'POST', '/v1/rights/grant-res-r/revoke', {
        headers: { 'content-type': 'application/json' },
        body: '{"reason":"licence ended"}',
      });
      expect(r.status, r.body.toString()).to.equal(200);
      await eventually(
        async () => (node.index.getRights('grant-res-r')?.record.status === 'revoked' ? true : undefined),
        'the revocation in the index',
      );
      const revoked = jsonOf(await call(base, warehouse, 'GET', url)) as Manifest;
      validate('Manifest', revoked);
      expect(revoked.rights.map((x) => [x.rightsId, x.status])).to.deep.equal([['grant-res-r', 'revoked']]);
      expect(revoked.access.reproduce.authorized).to.equal(false);
      expect(revoked.proof).to.deep.equal(first.proof);
      expect(revoked.record).to.deep.equal(first.record);
      expect((await call(base, warehouse, 'GET', `${url}/content`)).status).to.equal(403);
    });
  });

  describe('operator endpoints', () => {
    it('refuse callers without the operator role of the node org', async () => {
      const r = await upload('res-x', Buffer.from('x'), warehouse);
      expect(r.status).to.equal(403);
      expect(problemOf(r).type).to.equal('urn:shulian:problem:role-required');
      const g = await call(base, auditor, 'POST', '/v1/rights/grant-res-a/revoke', {
        headers: { 'content-type': 'application/json' },
        body: '{"reason":"x"}',
      });
      expect(g.status).to.equal(403);
    });
    it('treat an identical re-upload of the head version as a no-op', async () => {
      const r = await upload('res-a', bytes.a);
      expect(r.status).to.equal(200);
      expect((jsonOf(r) as { record: { version: number } }).record.version).to.equal(1);
    });
    it('refuse uploads over the configured maximum (declared or streamed) with 413', async () => {
      const declared = await call(base, operator, 'POST', '/v1/resources/res-big/versions', {
        headers: {
          'content-type': 'application/pdf',
          'content-length': String(11 << 20),
          'shulian-metadata': Buffer.from('{"title":["t"]}').toString('base64url'),
        },
      }).catch((err: Error) => ({ status: -1, headers: {}, body: Buffer.from(err.message) }));
      expect(declared.status).to.equal(413);
      const { request } = await import('node:https');
      const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { hostname, port } = new URL(base);
        const req = request(
          {
            host: hostname,
            port,
            path: '/v1/resources/res-big/versions',
            method: 'POST',
            agent: operator,
            headers: {
              'content-type': 'application/pdf',
              'transfer-encoding': 'chunked',
              'shulian-metadata': Buffer.from('{"title":["t"]}').toString('base64url'),
            },
          },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
          },
        );
        req.on('error', reject);
        const chunk = Buffer.alloc(1 << 20, 1);
        let sent = 0;
        const pump = (): void => {
          while (sent < 12) {
            sent++;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(streamed.status).to.equal(413);
      expect(JSON.parse(streamed.body).type).to.equal('urn:shulian:problem:payload-too-large');
      expect(node.index.getResource('res-big')).to.equal(undefined);
    });
    it('validate upload metadata against the resource schema, naming the field', async () => {
      const r = await upload('res-y', Buffer.from('y'), operator, { title: 'not an array' });
      expect(r.status).to.equal(400);
      expect(String(problemOf(r).detail)).to.contain('/header/Shulian-Metadata/title');
    });
  });

  describe('bad input', () => {
    const expectProblem = async (r: Reply, status: number, type: string) => {
      expect(r.status, r.body.toString()).to.equal(status);
      const p = problemOf(r);
      validate('Problem', p);
      expect(p.type).to.equal(`urn:shulian:problem:${type}`);
      expect(JSON.stringify(p)).not.to.match(/\bat .*\.(ts|js):\d+/);
      return p;
    };
    it('refuses traversal and malformed path parameters with 400 naming the parameter', async () => {
      const p = await expectProblem(
        await call(base, warehouse, 'GET', '/v1/resources/..%2F..%2Fetc%2Fpasswd'),
        400,
        'validation',
      );
      expect(p.pointer).to.equal('/path/id');
      await expectProblem(
        await call(base, warehouse, 'GET', '/v1/resources/%2E%2E/versions/1/content'),
        400,
        'validation',
      );
      await expectProblem(await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/0'), 400, 'validation');
      await expectProblem(await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/1e3'), 400, 'validation');
      await expectProblem(await call(base, warehouse, 'GET', `/v1/resources/${'a'.repeat(129)}`), 400, 'validation');
      await expectProblem(await call(base, warehouse, 'GET', '/v1/resources/%ZZ'), 400, 'validation');
    });
    it('refuses bad query parameters', async () => {
      expect(
        (await expectProblem(await call(base, warehouse, 'GET', '/v1/changes?limit=5000'), 400, 'validation')).pointer,
      ).to.equal('/query/limit');
      expect(
        (await expectProblem(await call(base, warehouse, 'GET', '/v1/changes?since=1'), 400, 'validation')).pointer,
      ).to.equal('/query/since');
      await expectProblem(await call(base, warehouse, 'GET', '/v1/changes?limit=1&limit=2'), 400, 'validation');
    });
    it('answers 404, 405, 414 and 431 as problems', async () => {
      await expectProblem(await call(base, warehouse, 'GET', '/v1/nothing'), 404, 'route-not-found');
      await expectProblem(await call(base, warehouse, 'GET', '/v1/resources/nope'), 404, 'not-found');
      await expectProblem(await call(base, warehouse, 'GET', '/v1/resources/res-a/versions/9'), 404, 'not-found');
      const m = await expectProblem(
        await call(base, warehouse, 'DELETE', '/v1/resources/res-a'),
        405,
        'method-not-allowed',
      );
      expect(m.status).to.equal(405);
      await expectProblem(
        await call(base, warehouse, 'GET', `/v1/changes?cursor=${'a'.repeat(3000)}`),
        414,
        'uri-too-long',
      );
      const big = await call(
        base,
        agentFor(tlsFrom(consortiumLayout(home).national.users.warehouse.tls!, caFile), false),
        'GET',
        '/healthz',
        { headers: { 'x-big': 'a'.repeat(20_000) } },
      );
      expect(big.status).to.equal(431);
      expect(problemOf(big).type).to.equal('urn:shulian:problem:headers-too-large');
    });
    it('refuses oversized and malformed JSON bodies', async () => {
      const headers = { 'content-type': 'application/json' };
      await expectProblem(
        await call(base, operator, 'POST', '/v1/rights', {
          headers,
          body: JSON.stringify({ pad: 'x'.repeat(100_000) }),
        }),
        413,
        'payload-too-large',
      );
      await expectProblem(
        await call(base, operator, 'POST', '/v1/rights', { headers, body: '{"rightsId":' }),
        400,
        'malformed-json',
      );
      const p = await expectProblem(
        await call(base, operator, 'POST', '/v1/rights', { headers, body: JSON.stringify({ rightsId: 'r1' }) }),
        400,
        'validation',
      );
      expect(p.pointer).to.equal('/target');
      await expectProblem(
        await call(base, operator, 'POST', '/v1/rights', { headers: { 'content-type': 'text/plain' }, body: 'x' }),
        415,
        'unsupported-media-type',
      );
    });
  });

  describe('operations', () => {
    it('answers /healthz, /readyz and /metrics', async () => {
      const h = await call(base, auditor, 'GET', '/healthz');
      validate('Health', jsonOf(h));
      const r = await call(base, auditor, 'GET', '/readyz');
      expect(r.status).to.equal(200);
      validate('Readiness', jsonOf(r));
      expect((jsonOf(r) as { status: string }).status).to.equal('ready');
      const m = await call(base, auditor, 'GET', '/metrics');
      const text = m.body.toString();
      expect(m.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
      expect(text).to.match(
        /shulian_gateway_requests_total\{method="GET",route="\/v1\/resources\/\{id\}\/versions\/\{v\}\/content",status="200"\} \d+/,
      );
      expect(text).to.match(/shulian_gateway_content_bytes_out_total\{kind="content"\} \d+/);
      expect(text).to.match(/shulian_gateway_verification_failures_total\{kind="content"\} 1/);
      expect(text).to.match(/shulian_gateway_authorization_refusals_total\{action="reproduce"\} \d+/);
      expect(text).to.match(/^shulian_gateway_requests_in_flight [1-9]\d*$/m);
      expect(text).to.match(/shulian_gateway_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} \d+/);
    });
  });

  describe('graceful shutdown', () => {
    it('lets a stream in flight finish, refuses new connections, then closes', async () => {
      const { request } = await import('node:https');
      const got: Buffer[] = [];
      const finished = new Promise<{ complete: boolean }>((resolve, reject) => {
        const req = request(new URL('/v1/resources/res-e/versions/1/content', base), { agent: warehouse }, (res) => {
          res.once('data', (c: Buffer) => {
            got.push(c);
            res.pause();
            closing = gw.close();
            setTimeout(() => {
              res.on('data', (d: Buffer) => got.push(d));
              res.resume();
            }, 200);
          });
          res.on('end', () => resolve({ complete: res.complete }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      let closing: Promise<void> | undefined;
      const outcome = await finished;
      expect(outcome.complete).to.equal(true);
      expect(Buffer.concat(got).equals(bytes.e)).to.equal(true);
      await closing;
      const refused = await call(
        base,
        agentFor(tlsFrom(consortiumLayout(home).national.users.warehouse.tls!, caFile), false),
        'GET',
        '/healthz',
      ).then(
        () => 'answered',
        (err: NodeJS.ErrnoException) => err.code,
      );
      expect(refused).to.equal('ECONNREFUSED');
    });
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
