import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { extract } from 'tar-stream';
import { startNodeGateway, type RunningGateway } from '../../gateway/index.js';
import { verifyBag, verifyProofDocument, type VerifyReport } from '../../node/audit/index.js';
import { merkleRoot, inclusionProof, sha256Hex, sm3Hex, toHex, leafHash } from '../../node/core/index.js';
import { consortiumLayout, createDevCa } from '../../node/identity/index.js';
import { chainClient, recordProof } from '../../node/ingest/index.js';
import { recordDigest } from '../../node/ingest/anchor.js';
import { splitPemBundle } from '../../node/ledger/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { tempNode } from '../runtime/helpers.js';
import { agentFor, call, tlsFrom } from '../gateway/client.js';
import { eventually, grant } from './fixture.js';

const CLI = join('test', 'ingest', 'cli-entry.ts');

function shulian(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { ...process.env, SHULIAN_HOME: home } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
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

async function untar(bytes: Buffer, into: string): Promise<string> {
  const ex = extract();
  let base = '';
  const done = (async () => {
    for await (const entry of ex) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      base = entry.header.name.split('/')[0]!;
      await mkdir(dirname(join(into, entry.header.name)), { recursive: true });
      await writeFile(join(into, entry.header.name), Buffer.concat(parts));
    }
  })();
  Readable.from([bytes]).pipe(ex);
  await done;
  return join(into, base);
}

const failed = (r: VerifyReport) => r.checks.filter((c) => !c.ok).map((c) => c.name);

describe('offline verifier: verify-proof, verify-bag', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let warehouse: Agent;
  let work: string;
  let cas: string[];
  let foreign: string[];
  let tarBytes: Buffer;
  let bundle: Record<string, unknown>;
  let recProof: Record<string, unknown>;
  const payload = patterned(600_000, 7);

  before(async () => {
    ({ node, home, cleanup } = await tempNode());
    work = await mkdtemp(join(tmpdir(), 'shulian-verify-'));
    gw = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    const layout = consortiumLayout(home);
    warehouse = agentFor(tlsFrom(layout.national.users.warehouse.tls!, layout.tlsCaBundle));
    const operator = agentFor(tlsFrom(layout.province.users.operator.tls!, layout.tlsCaBundle));
    const up = await call(gw.url, operator, 'POST', '/v1/resources/res-v/versions', {
      headers: {
        'content-type': 'application/pdf',
        'shulian-metadata': Buffer.from(JSON.stringify({ title: ['Verified'] })).toString('base64url'),
      },
      body: payload,
    });
    operator.destroy();
    expect(up.status, up.body.toString()).to.equal(201);
    await grant(node.ledger, 'g-v', { type: 'resource', id: 'res-v' }, 'NLCMSP', null, ['reproduce']);
    await eventually(() => node.index.getRights('g-v'), 'the grant in the index');
    const bag = await call(gw.url, warehouse, 'GET', '/v1/resources/res-v/versions/1/bag');
    expect(bag.status).to.equal(200);
    tarBytes = bag.body;
    await writeFile(join(work, 'bag.tar'), tarBytes);
    const version = node.index.getVersion('res-v', 1)!;
    bundle = (await node.ledger.proof(version.txId)) as unknown as Record<string, unknown>;
    await writeFile(join(work, 'bundle.json'), JSON.stringify(bundle));

    // an anchored batch of three indexing records
    const records = [0, 1, 2].map((i) => ({ id: `rec-${i}`, resource: 'res-v', title: `paragraph ${i}` }));
    const digests = records.map((r) => recordDigest(r));
    const root = toHex(merkleRoot(digests));
    await node.ledger.submit({
      fn: 'AnchorBatch',
      args: [JSON.stringify({ batchId: 'batch-v', root, count: 3, kind: 'indexing-records' })],
    });
    node.index.putBatchRecords(
      'batch-v',
      3,
      records.map((r, i) => ({
        recordId: r.id,
        leafIndex: i,
        leafHash: toHex(leafHash(digests[i]!)),
        proof: inclusionProof(digests, i).map(toHex),
        record: r,
      })),
    );
    recProof = (await recordProof(
      { index: node.index, chain: chainClient(node.ledger) },
      'rec-1',
    )) as unknown as Record<string, unknown>;
    await writeFile(join(work, 'record-proof.json'), JSON.stringify(recProof));

    cas = splitPemBundle(await readFile(layout.caBundle, 'utf8'));
    foreign = [(await createDevCa({ mspId: 'ForeignMSP' })).certPem];
    await writeFile(join(work, 'foreign-ca.pem'), foreign[0]!);
  });
  after(async () => {
    warehouse?.destroy();
    await gw?.close();
    await cleanup?.();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('proofs', () => {
    it('a ledger proof bundle holds with the consortium CAs, and not with a foreign CA', () => {
      const good = verifyProofDocument(bundle, cas);
      expect(good.ok, failed(good).join()).to.equal(true);
      expect(good.kind).to.equal('proof-bundle');
      expect(good.checks.map((c) => c.name)).to.include.members([
        'peer certificate',
        'block signature',
        'inclusion',
        'records',
      ]);
      const bad = verifyProofDocument(bundle, foreign);
      expect(bad.ok).to.equal(false);
      expect(failed(bad)).to.include.members(['peer certificate', 'creator certificate']);
    });

    it('a tampered record in the bundle fails', () => {
      const copy = structuredClone(bundle) as { records: { value?: string }[] };
      const rec = copy.records.find((r) => r.value?.includes('"docType":"version"'))!;
      rec.value = rec.value!.replace('"size":600000', '"size":600001');
      const r = verifyProofDocument(copy, cas);
      expect(r.ok).to.equal(false);
      expect(failed(r)).to.deep.equal(['records']);
    });

    it("a record proof holds: its Merkle path, the batch transaction's proof and the batch record on chain", () => {
      const good = verifyProofDocument(recProof, cas);
      expect(good.ok, failed(good).join()).to.equal(true);
      expect(good.kind).to.equal('record-proof');
      expect(good.checks.map((c) => c.name)).to.include('batch record on chain');
      const tampered = structuredClone(recProof) as { record: { title: string } };
      tampered.record.title = 'paragraph one, rewritten';
      expect(failed(verifyProofDocument(tampered, cas))).to.deep.equal([
        'record inclusion (RFC 9162 audit path to the batch root)',
      ]);
      const otherBatch = structuredClone(recProof) as { batch: { count: number }; treeSize: number };
      otherBatch.batch.count = 4;
      otherBatch.treeSize = 4;
      expect(failed(verifyProofDocument(otherBatch, cas))).to.include('batch record on chain');
    });
  });

  describe('bags', () => {
    it('a bag from the gateway holds, as a tar and unpacked, payload CID included', async () => {
      const tar = await verifyBag(join(work, 'bag.tar'), cas);
      expect(tar.ok, failed(tar).join()).to.equal(true);
      expect(tar.checks.map((c) => c.name)).to.include.members([
        'Payload-Oxum',
        'manifest-sha256.txt',
        'manifest-sm3.txt',
        'tagmanifest-sha256.txt',
        'tagmanifest-sm3.txt',
        'version record on chain',
        'payload SHA-256 = chain record',
        'payload SM3 = chain record',
        'payload CID = chain record',
      ]);
      const dir = await untar(tarBytes, join(work, 'good'));
      const unpacked = await verifyBag(dir, cas);
      expect(unpacked.ok, failed(unpacked).join()).to.equal(true);
    });

    it('a changed payload byte fails the manifests and the chain record', async () => {
      const at = tarBytes.indexOf(payload.subarray(300_000, 300_032));
      expect(at).to.be.greaterThan(0);
      const bytes = Buffer.from(tarBytes);
      bytes[at] = bytes[at]! ^ 0x01;
      await writeFile(join(work, 'bad-payload.tar'), bytes);
      const r = await verifyBag(join(work, 'bad-payload.tar'), cas);
      expect(r.ok).to.equal(false);
      expect(failed(r)).to.deep.equal([
        'manifest-sha256.txt',
        'manifest-sm3.txt',
        'payload SHA-256 = chain record',
        'payload SM3 = chain record',
        'payload CID = chain record',
      ]);
    });

    it('a changed manifest fails', async () => {
      const dir = await untar(tarBytes, join(work, 'bad-manifest'));
      const m = await readFile(join(dir, 'manifest-sha256.txt'), 'utf8');
      await writeFile(
        join(dir, 'manifest-sha256.txt'),
        m.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
      );
      expect(failed(await verifyBag(dir, cas))).to.deep.equal([
        'manifest-sha256.txt',
        'tagmanifest-sha256.txt',
        'tagmanifest-sm3.txt',
      ]);
    });

    it('a changed version record fails against the chain, even with consistent tag manifests', async () => {
      const dir = await untar(tarBytes, join(work, 'bad-record'));
      const version = JSON.parse(await readFile(join(dir, 'shulian/version.json'), 'utf8')) as { mediaType: string };
      version.mediaType = 'text/plain';
      const text = JSON.stringify(version, null, 2) + '\n';
      await writeFile(join(dir, 'shulian/version.json'), text);
      for (const [alg, hash] of [
        ['sha256', sha256Hex],
        ['sm3', sm3Hex],
      ] as const) {
        const file = join(dir, `tagmanifest-${alg}.txt`);
        const lines = (await readFile(file, 'utf8')).replace(
          /^[0-9a-f]{64}(?= {2}shulian\/version\.json$)/m,
          hash(text),
        );
        await writeFile(file, lines);
      }
      expect(failed(await verifyBag(dir, cas))).to.deep.equal(['version record on chain']);
    });

    it('a foreign CA does not vouch for the bag', async () => {
      const r = await verifyBag(join(work, 'bag.tar'), foreign);
      expect(r.ok).to.equal(false);
      expect(failed(r)).to.include.members(['proof: peer certificate', 'version record on chain']);
    });
  });

  describe('audit API without a fixity store', () => {
    it('answers the fixity routes 503 and the rest as usual', async () => {
      const layout = consortiumLayout(home);
      const auditor = agentFor(tlsFrom(layout.province.users.auditor.tls!, layout.tlsCaBundle));
      try {
        const r = await call(gw.url, auditor, 'GET', '/v1/audit/fixity');
        expect(r.status).to.equal(503);
        expect(JSON.parse(r.body.toString()).type).to.equal('urn:shulian:problem:unavailable');
        expect((await call(gw.url, auditor, 'GET', '/v1/audit/fixity/runs')).status).to.equal(503);
        expect((await call(gw.url, auditor, 'GET', '/v1/audit/resources/res-v/timeline')).status).to.equal(200);
      } finally {
        auditor.destroy();
      }
    });
  });

  describe('CLI', () => {
    it('verify-proof and verify-bag print ✓/✗ lines and exit 0 only when everything holds', async () => {
      const proof = await shulian(home, 'verify-proof', join(work, 'bundle.json'));
      expect(proof.code, proof.stderr).to.equal(0);
      expect(proof.stdout).to.match(/✓ block signature/);
      expect(proof.stdout).to.match(/^VALID/m);
      const rec = await shulian(home, 'verify-proof', join(work, 'record-proof.json'), '--json');
      expect(rec.code, rec.stderr).to.equal(0);
      expect((JSON.parse(rec.stdout) as VerifyReport).kind).to.equal('record-proof');
      const bytes = Buffer.from(tarBytes);
      const at = bytes.indexOf(payload.subarray(400_000, 400_032));
      bytes[at] = bytes[at]! ^ 0x80;
      await writeFile(join(work, 'cli-bad-payload.tar'), bytes);
      const bad = await shulian(home, 'verify-bag', join(work, 'cli-bad-payload.tar'));
      expect(bad.code, bad.stderr).to.equal(1);
      expect(bad.stdout).to.match(/✗ payload SHA-256 = chain record/);
      expect(bad.stdout).to.match(/^INVALID: 5 of \d+ checks fail/m);
      const alien = await shulian(home, 'verify-bag', join(work, 'bag.tar'), '--ca', join(work, 'foreign-ca.pem'));
      expect(alien.code).to.equal(1);
      const noCa = await shulian(join(work, 'no-home'), 'verify-proof', join(work, 'bundle.json'));
      expect(noCa.code).to.not.equal(0);
      expect(noCa.stderr).to.contain('--ca');
    });
  });
});
