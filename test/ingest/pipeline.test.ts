import { expect } from 'chai';
import { createReadStream } from 'node:fs';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalize, loadConfig, sha256Hex } from '../../node/core/index.js';
import { verifyInclusion } from '../../node/core/merkle.js';
import { computeCid } from '../../node/content/index.js';
import {
  chainClient,
  checkRecordProof,
  recordProof,
  runIngest,
  verifyFile,
  type Chain,
  type IngestOptions,
  type IngestSummary,
} from '../../node/ingest/index.js';
import { openNode, type ShulianNode } from '../../node/runtime/index.js';
import { jsonl, meta, record, tempDir, writeFiles } from './helpers.js';

describe('ingest: pipeline through the embedded ledger and content store', function () {
  this.timeout(120_000);
  let node: ShulianNode;
  let chain: Chain;
  let root: string;
  let src: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ dir: root, cleanup } = await tempDir());
    node = await openNode({ config: loadConfig({ SHULIAN_HOME: join(root, 'home'), SHULIAN_BLOCK_TIMEOUT_MS: '1' }) });
    chain = chainClient(node.ledger);
  });
  after(async () => {
    await node?.close();
    await cleanup();
  });

  let n = 0;
  beforeEach(async () => {
    src = join(root, `src-${++n}`);
  });

  // as the CLI runs it: heads from the index, caught up at the start of each job
  const run = (options: Partial<IngestOptions> = {}): Promise<IngestSummary> =>
    runIngest(
      { ledger: node.ledger, content: node.content, index: node.index, home: node.home, catchUp: () => node.catchUp() },
      { source: src, concurrency: 3, registerBatchSize: 2, ...options },
    );
  // without an index: heads from the ledger (GetResource, GetVersion)
  const runOnLedger = (options: Partial<IngestOptions> = {}): Promise<IngestSummary> =>
    runIngest({ ledger: node.ledger, content: node.content, home: node.home }, { source: src, ...options });

  it('creates every resource once; a re-run creates nothing', async () => {
    await writeFiles(src, {
      'scans/gz.pdf': 'PDF bytes of a gazetteer',
      'scans/gz.pdf.meta.json': meta('吉林通志', { id: `gz-${n}` }),
      'audio/a.mp3': 'ID3 audio',
      'audio/a.mp3.meta.json': meta('评书', { class: 'audio', format: ['audio/mpeg'] }),
      'c.txt': 'text',
      'c.txt.meta.json': meta('C'),
    });
    const first = await run();
    expect(first).to.include({ created: 3, updated: 0, unchanged: 0, failed: 0, dryRun: false, resumed: false });
    const gz = await chain.head(`gz-${n}`);
    expect(gz?.version).to.include({
      version: 1,
      size: 24,
      mediaType: 'application/pdf',
      previous: null,
      cidProfile: 'kubo-v1',
    });
    expect(gz?.version.sha256).to.equal(sha256Hex('PDF bytes of a gazetteer'));
    expect(await node.content.has(gz?.version.cid as string)).to.equal(true);
    // the metadata is on chain by hash and in the store by CID, byte for byte the canonical JSON
    const metadata = meta('吉林通志', { id: `gz-${n}` });
    expect(gz?.version.metadataHash).to.equal(sha256Hex(canonicalize(metadata)));
    const chunks: Uint8Array[] = [];
    for await (const chunk of node.content.get(gz?.version.metadataCid as string)) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).to.equal(canonicalize(metadata));
    expect(node.index.getMetadata(gz?.version.metadataHash as string)).to.deep.equal(metadata);
    expect(first.resources.find((r) => r.file === 'audio/a.mp3')).to.include({ outcome: 'created', version: 1 });
    expect(
      (await chain.head(first.resources.find((r) => r.file === 'audio/a.mp3')?.resourceId as string))?.version
        .mediaType,
    ).to.equal('audio/mpeg');

    const height = await node.ledger.height();
    const second = await run();
    expect(second).to.include({ created: 0, updated: 0, unchanged: 3, failed: 0, bytes: 0 });
    expect(await node.ledger.height()).to.equal(height);
    const onLedger = await runOnLedger();
    expect(onLedger).to.include({ created: 0, updated: 0, unchanged: 3, failed: 0, bytes: 0 });
    expect(await node.ledger.height()).to.equal(height);
  });

  it('reads heads from the ledger when there is no index', async () => {
    const id = `ledger-${n}`;
    await writeFiles(src, { 'l.txt': 'one', 'l.txt.meta.json': meta('L', { id }) });
    expect(await runOnLedger()).to.include({ created: 1 });
    await writeFile(join(src, 'l.txt'), 'two');
    expect(await runOnLedger()).to.include({ updated: 1 });
    expect(await runOnLedger()).to.include({ unchanged: 1 });
    expect((await chain.head(id))?.version.version).to.equal(2);
  });

  it('makes a new version linked to the previous one when bytes or metadata change', async () => {
    const id = `doc-${n}`;
    await writeFiles(src, { 'd.txt': 'one', 'd.txt.meta.json': meta('D', { id }) });
    await run();
    await appendFile(join(src, 'd.txt'), ' two');
    const bytes = await run();
    expect(bytes).to.include({ created: 0, updated: 1, unchanged: 0 });
    const v2 = await chain.getVersion(id, 2);
    expect(v2?.sha256).to.equal(sha256Hex('one two'));
    const v1Raw = await node.ledger.evaluate({ fn: 'GetVersion', args: [id, '1'] });
    expect(v2?.previous).to.equal(sha256Hex(v1Raw));

    await writeFile(join(src, 'd.txt.meta.json'), JSON.stringify(meta('D, corrected title', { id })));
    const metadataOnly = await run();
    expect(metadataOnly).to.include({ updated: 1, unchanged: 0 });
    const v3 = await chain.getVersion(id, 3);
    expect(v3?.sha256).to.equal(v2?.sha256);
    expect(v3?.metadataHash).to.not.equal(v2?.metadataHash);
  });

  it('plans without changing anything in a dry run', async () => {
    const id = `dry-${n}`;
    await writeFiles(src, {
      'd.txt': 'v1',
      'd.txt.meta.json': meta('D', { id }),
      'd.records.jsonl': jsonl([record(`${id}:1`, id, 1), record(`${id}:2`, id, 2)]),
    });
    const plan0 = await run({ dryRun: true });
    expect(plan0).to.include({ dryRun: true, created: 1, failed: 0 });
    expect(plan0.records).to.deep.equal({ anchored: 2, unchanged: 0, failed: 0, batches: 0 });
    expect(await chain.getResource(id)).to.equal(undefined);
    await run();
    await writeFile(join(src, 'd.txt'), 'v2 bytes');
    await writeFiles(src, { 'new.txt': 'new', 'new.txt.meta.json': meta('N') });
    const height = await node.ledger.height();
    const plan = await run({ dryRun: true });
    expect(plan).to.include({ created: 1, updated: 1, unchanged: 0 });
    expect(plan.resources.map((r) => r.outcome).sort()).to.deep.equal(['planned-create', 'planned-update']);
    expect(await node.ledger.height()).to.equal(height);
    const wouldBe = await computeCid(createReadStream(join(src, 'd.txt')));
    expect(await node.content.has(wouldBe.cid)).to.equal(false);
  });

  it('withdraws resources gone from the source only when asked, and never one that is merely invalid now', async () => {
    await writeFiles(src, {
      'keep.txt': 'k',
      'keep.txt.meta.json': meta('K', { id: `keep-${n}` }),
      'gone.txt': 'g',
      'gone.txt.meta.json': meta('G', { id: `gone-${n}` }),
      'broken.txt': 'b',
      'broken.txt.meta.json': meta('B', { id: `broken-${n}` }),
    });
    await run();
    await rm(join(src, 'gone.txt'));
    await rm(join(src, 'gone.txt.meta.json'));
    await writeFile(join(src, 'broken.txt.meta.json'), '{"title": []}');
    const plain = await run();
    expect(plain).to.include({ withdrawn: 0, unchanged: 1, failed: 1 });
    expect((await chain.getResource(`gone-${n}`))?.status).to.equal('active');
    const plan = await run({ dryRun: true, withdrawMissing: { reason: 'superseded' } });
    expect(plan.withdrawn).to.equal(1);
    expect((await chain.getResource(`gone-${n}`))?.status).to.equal('active');
    const synced = await run({ withdrawMissing: { reason: 'superseded' } });
    expect(synced).to.include({ withdrawn: 1, failed: 1 });
    expect((await chain.getResource(`gone-${n}`))?.status).to.equal('withdrawn');
    expect((await chain.getResource(`broken-${n}`))?.status).to.equal('active');
    const again = await run({ withdrawMissing: { reason: 'superseded' } });
    expect(again.withdrawn).to.equal(0);
  });

  it('withdraws what a manifest no longer lists, even when the file is still on disk', async () => {
    await writeFiles(src, {
      'a.txt': 'a',
      'b.txt': 'b',
      'list.csv': `file,id,title\na.txt,ma-${n},A\nb.txt,mb-${n},B\n`,
    });
    const manifest = join(src, 'list.csv');
    expect(await run({ source: manifest })).to.include({ created: 2 });
    await writeFile(manifest, `file,id,title\na.txt,ma-${n},A\n`);
    expect(await run({ source: manifest, withdrawMissing: { reason: 'error' } })).to.include({
      withdrawn: 1,
      unchanged: 1,
    });
    expect((await chain.getResource(`mb-${n}`))?.status).to.equal('withdrawn');
    expect((await chain.getResource(`ma-${n}`))?.status).to.equal('active');
  });

  it('registers derived resources after what they derive from, and isolates a bad input in a batch', async () => {
    await writeFiles(src, {
      'a-ocr.txt': 'ocr text',
      'a-ocr.txt.meta.json': meta('OCR', { id: `ocr-${n}`, class: 'ocr-text', derivedFrom: [`scan-${n}`] }),
      'z-scan.tif': 'scan',
      'z-scan.tif.meta.json': meta('Scan', { id: `scan-${n}` }),
      'b.txt': 'b',
      'b.txt.meta.json': meta('B', { id: `b-${n}`, derivedFrom: ['no-such-resource@1'] }),
      'c.txt': 'c',
      'c.txt.meta.json': meta('C', { id: `c-${n}` }),
    });
    const summary = await run({ registerBatchSize: 10 });
    expect(summary).to.include({ created: 3, failed: 1 });
    expect((await chain.head(`ocr-${n}`))?.version.derivedFrom).to.deep.equal([
      { resourceId: `scan-${n}`, version: 1 },
    ]);
    expect(summary.failures[0]).to.include({ file: 'b.txt', resourceId: `b-${n}`, code: 'VALIDATION' });
    expect(summary.failures[0]?.reason).to.match(/derivedFrom\/0.*existing resource version/);
  });

  it('reports one bad file and goes on with the others', async () => {
    await writeFiles(src, {
      'ok.txt': 'fine',
      'ok.txt.meta.json': meta('OK'),
      'bad.txt': 'bad',
      'bad.txt.meta.json': meta('Bad', { identifiers: { isbn: '978-0-306-40615-6' } }),
      'none.txt': 'no sidecar',
    });
    const summary = await run();
    expect(summary).to.include({ created: 1, failed: 2 });
    expect(summary.failures.map((f) => [f.file, f.pointer])).to.deep.include.members([
      ['bad.txt.meta.json', '/identifiers/isbn'],
      ['none.txt', undefined],
    ]);
  });

  it('anchors indexing records per parent with proofs anyone can check; unchanged records are not re-anchored', async () => {
    const parent = `book-${n}`;
    await writeFiles(src, {
      'book.txt': 'chapter text',
      'book.txt.meta.json': meta('Book', { id: parent }),
      'units.records.jsonl': jsonl([
        ...Array.from({ length: 37 }, (_, i) => record(`${parent}:p${i + 1}`, parent, i + 1)),
        record(`${parent}:orphan`, `missing-${n}`, 1),
        record(`${parent}:p1`, parent, 99),
        '{"id": "x"}',
      ]),
    });
    const summary = await run();
    expect(summary.records).to.deep.equal({ anchored: 37, unchanged: 0, failed: 3, batches: 1 });
    expect(summary.failures.map((f) => [f.file, f.line, f.pointer])).to.have.deep.members([
      ['units.records.jsonl', 38, '/resource'],
      ['units.records.jsonl', 39, '/id'],
      ['units.records.jsonl', 40, '/resource'],
    ]);
    const proof = await recordProof({ index: node.index, chain }, `${parent}:p5`);
    expect(checkRecordProof(proof)).to.deep.equal({ ok: true, reasons: [] });
    expect(proof.record).to.deep.equal({ ...record(`${parent}:p5`, parent, 5), version: 1 });
    expect(proof.batch).to.include({ count: 37, kind: 'indexing-records' });
    expect(proof.batch.parent).to.deep.equal({ resourceId: parent, version: 1 });
    expect(
      verifyInclusion(
        { data: Buffer.from(proof.recordHash, 'hex') },
        proof.leafIndex,
        proof.treeSize,
        proof.proof,
        proof.root,
      ),
    ).to.equal(true);
    expect(proof.ledger?.txId).to.equal(proof.batch.txId);
    // a tampered record no longer verifies
    expect(checkRecordProof({ ...proof, record: { ...(proof.record as object), keywords: ['改'] } }).ok).to.equal(
      false,
    );

    const again = await run();
    expect(again.records).to.deep.equal({ anchored: 0, unchanged: 37, failed: 3, batches: 0 });

    await writeFile(
      join(src, 'units.records.jsonl'),
      jsonl([record(`${parent}:p1`, parent, 1, { keywords: ['修订'] }), record(`${parent}:p2`, parent, 2)]),
    );
    const changed = await run();
    expect(changed.records).to.deep.equal({ anchored: 1, unchanged: 1, failed: 0, batches: 1 });
    const newer = await recordProof({ index: node.index, chain, withLedgerProof: false }, `${parent}:p1`);
    expect(newer.treeSize).to.equal(1);
    expect(checkRecordProof(newer).ok).to.equal(true);
  });

  it('verifies a file against the chain: CID under the recorded profile, SHA-256, SM3 and size', async () => {
    const id = `v-${n}`;
    await writeFiles(src, { 'v.bin': 'exact bytes', 'v.bin.meta.json': meta('V', { id }), 'other.bin': 'other bytes' });
    await run({ profile: 'unixfs-v1-2025' });
    const ok = await verifyFile(chain, join(src, 'v.bin'), id);
    expect(ok).to.include({ ok: true, version: 1 });
    expect(ok.expected.cidProfile).to.equal('unixfs-v1-2025');
    const bad = await verifyFile(chain, join(src, 'other.bin'), id, 1);
    expect(bad.ok).to.equal(false);
    expect(bad.mismatches).to.deep.equal(['cid', 'sha256', 'sm3']);
    try {
      await verifyFile(chain, join(src, 'v.bin'), id, 9);
      expect.fail('should throw');
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('NOT_FOUND');
    }
  });
});
