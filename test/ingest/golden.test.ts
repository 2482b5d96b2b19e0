import { expect } from 'chai';
import { join } from 'node:path';
import { loadConfig } from '../../node/core/index.js';
import { batchIdFor, chainClient, checkRecordProof, recordProof, runIngest } from '../../node/ingest/index.js';
import { openNode, type ShulianNode } from '../../node/runtime/index.js';
import { dumpIndex } from '../index/dump.js';
import { jsonl, meta, tempDir, writeFiles } from './helpers.js';

// Batch roots and inclusion proofs of the records below as the pipeline computed them before its fast paths
// (canonical JSON without sort builtin, leaf hashes as strings, the tree from one buffer, proofs as bytes):
// the same records must always give the same batches, and the proofs stored before stay valid.
const ROOTS = {
  'golden-a': '468568e887a6e0fa2fdd67cb05717d16113bbc71001b0245f82157e297ac0f57',
  'golden-b': 'bd4aaa49e9225de4ee2bda3c6b00e372cc2aed729fab7ae23c9356d5343b502e',
};
const PROOFS: Record<string, { leafIndex: number; leafHash: string; proof: string[] }> = {
  'golden-a:u0': {
    leafIndex: 0,
    leafHash: '8a5e87422e08c8309e77d53ac1fde6a0b2bbc314ee45bd877deb2b778c14c3d5',
    proof: [
      'b0ad291743fe4fbf6ca0a5eb1b80ab8548efbbeceddc2d7bd2869460df390a55',
      '2ac59ee55449b3266f467069c56244d7570f11a8ea4dcb88732263204e89da4d',
      '95e0b81ed22bbf428a5c4e757176d12c4fc58b51b1adf8672be2b91e95019a14',
      '49defc5609acd442f8729af5c8b1820db614496570b252b43e8f1238889b176f',
      '974f5a7940e395ad93f83e9c584a27385fbb5e30d2180b9fb313f8099e98bf99',
      '396bae719fefc0229d93792dfcb7651631086050b0adc24d3dbf6fe2a627a8b4',
      'e02ab2b93645ea3e3dc421201bad39938930551a11449c23dbf491ea2d850eb8',
      'ed1b64858aee6e5b8d7ed8b177dcad0c55105eb32132fe18097f500aff0144e5',
      'ee7f8d13261b131aa6daeea188cfd5132fff3f0508436e4e43ad6352f5e4f4bb',
    ],
  },
  'golden-a:u233': {
    leafIndex: 150,
    leafHash: 'c41142c53ab20ddeac240032dfc19d28525815f32946a106e740f579c3b46a89',
    proof: [
      'ca8eab32f7dd107126d3687a9a51229b605567e8b965f8d61e2ccac58a809506',
      'b6ec7684215ce890cc93aa5d1fc4a1163f7a20f0d13f8f503e06d1d06f58cd12',
      'e566c3c8e4518eca3eeaa6e837086830247556641e71d2ebbef547782d18a823',
      'dfdc79897ea172b8592d2f0c76cf97ffd8e512f176a36b9d4031a7d8d814c1da',
      '0e2f148f9036e852373affb06783747d292bbdc2f51b72ede300619516d7b252',
      '58f8b4310809486d8e08523327aa1c751f373207596e5b5005821106112a3386',
      '36cdadf8b5d5e0aea2dc70dc1f712a02588a30efa2f4db4ebe7f3b3e44079734',
      'f01e54a699fc926c63d41a7317cd41ad227979a3393fb038ef55bbcb46330968',
      'ee7f8d13261b131aa6daeea188cfd5132fff3f0508436e4e43ad6352f5e4f4bb',
    ],
  },
  'golden-b:t4': {
    leafIndex: 4,
    leafHash: '164093218b6f8db7c4cda35ec42ec8297fb8b950acad7260e3c37dedf79a605b',
    proof: ['24f00e19a0e294671bc30cb4e23d9cba5cf7db8f6762c89bd33cf2afb323fbd9'],
  },
};

/** Indexing records of many shapes for two parents: member order, escapes, surrogate pairs, numbers. */
function goldenRecords(a: string, b: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 299; i >= 0; i--) {
    const record: Record<string, unknown> = {
      textSpan: { start: i * 37, end: i * 37 + (i % 5), ...(i % 3 === 0 ? { page: 1 + i, pageEnd: 2 + i } : {}) },
      keywords: ['吉林', `词${i % 7}`, i % 2 === 0 ? 'Ω≈ç√' : '📚 书'],
      id: `${a}:u${i}`,
      path: [
        { n: 1 + (i % 4), level: 'chapter', ...(i % 10 === 0 ? { title: `第${i}章 "引" \\ 文` } : {}) },
        { level: 'paragraph', n: 1 + i },
      ],
      resource: a,
      ...(i % 4 === 0 ? { version: 1 } : {}),
      ...(i % 5 === 0
        ? { abstract: `摘要\u0007\t\n\u2028\u2029\u007f "q" ${'\ud83d\ude00'.repeat(1 + (i % 3))}` }
        : {}),
      ...(i % 6 === 0
        ? {
            subjects: [
              '地方志',
              { term: '吉林地方史', scheme: 'CLC', code: 'K293.4' },
              { uri: 'http://example.org/s/1', term: 'Jilin' },
            ],
          }
        : {}),
      ...(i % 7 === 0
        ? { links: [{ target: 'http://www.wikidata.org/entity/Q45208', relation: 'schema:mentions', label: '吉林省' }] }
        : {}),
      ...(i % 11 === 0 ? { title: `é and e\u0301 ${i}` } : {}),
    };
    out.push(record);
  }
  for (let i = 0; i < 5; i++) {
    out.push({
      id: `${b}:t${i}`,
      resource: b,
      path: [{ level: 'segment', n: i + 1 }],
      timeSpan: { start: i * 0.1 + 0.2, end: i * 1e-7 + 3e21 },
      title: `片段 ${i}`,
    });
  }
  return out;
}

describe('ingest: indexing records give the same batches and proofs as before (golden)', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let root: string;

  before(async () => {
    ({ dir: root, cleanup } = await tempDir());
    node = await openNode({ config: loadConfig({ SHULIAN_HOME: join(root, 'home'), SHULIAN_BLOCK_TIMEOUT_MS: '1' }) });
  });
  after(async () => {
    await node?.close();
    await cleanup();
  });

  it('anchors them under the known roots, stores the known proofs, and search finds them', async () => {
    const records = goldenRecords('golden-a', 'golden-b');
    const src = join(root, 'src');
    await writeFiles(src, {
      'a.txt': 'a',
      'a.txt.meta.json': meta('甲', { id: 'golden-a' }),
      'b.txt': 'b',
      'b.txt.meta.json': meta('乙', { id: 'golden-b' }),
      'units.records.jsonl': jsonl(records),
    });
    const deps = { ledger: node.ledger, content: node.content, index: node.index, home: node.home };
    const summary = await runIngest({ ...deps, catchUp: () => node.catchUp() }, { source: src });
    await node.catchUp();
    expect(summary.failures).to.deep.equal([]);
    expect(summary.records).to.deep.equal({ anchored: 305, unchanged: 0, failed: 0, batches: 2 });
    const chain = chainClient(node.ledger);
    let batchOwner = '';
    for (const [parent, hex] of Object.entries(ROOTS)) {
      const batch = await chain.getBatch(batchIdFor(hex));
      batchOwner = batch?.owner ?? '';
      expect(batch, parent).to.include({ root: hex, count: parent === 'golden-a' ? 300 : 5 });
      expect(batch?.parent).to.deep.equal({ resourceId: parent, version: 1 });
    }
    for (const [recordId, expected] of Object.entries(PROOFS)) {
      const stored = node.index.getBatchRecord(recordId);
      expect(stored, recordId).to.deep.include(expected);
      const original = records.find((r) => r.id === recordId);
      expect(stored?.record).to.deep.equal({ ...original, version: 1 });
      const proof = await recordProof({ index: node.index, chain }, recordId);
      expect(checkRecordProof(proof)).to.deep.equal({ ok: true, reasons: [] });
    }
    expect(node.index.search('吉林', { kind: 'record', limit: 1 }).total).to.equal(300);
    expect(node.index.search('吉林地方史', { kind: 'record', limit: 1 }).total).to.equal(50);
    const hit = node.index.search('片段 3', { kind: 'record' }).items[0];
    expect(hit).to.include({ id: 'golden-b:t3', resourceId: 'golden-b', version: 1, title: '片段 3' });

    const again = await runIngest({ ...deps, catchUp: () => node.catchUp() }, { source: src });
    expect(again.records).to.deep.equal({ anchored: 0, unchanged: 305, failed: 0, batches: 0 });

    // `index rebuild` over the live index gives back the same rows, proofs and records' search documents included
    const live = dumpIndex(node.index.path);
    expect(live.batch_records).to.have.length(305);
    await node.index.rebuild(node.ledger, { content: node.content });
    expect(dumpIndex(node.index.path)).to.deep.equal(live);
    expect(node.index.search('吉林地方史', { kind: 'record', owner: batchOwner, limit: 1 }).total).to.equal(50);
  });
});
