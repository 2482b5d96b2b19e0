import { execFileSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { openIndex } from '../../node/index/index.js';
import { chainClient, checkRecordProof, recordProof, runIngest } from '../../node/ingest/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { dumpIndex } from '../index/dump.js';
import { tempNode } from './helpers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const collection = join(repo, 'sample', 'collection');

describe('the sample collection, ingested into a node', function () {
  this.timeout(120_000);
  let node: ShulianNode;
  let home: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    execFileSync(process.execPath, [join(repo, 'scripts', 'make-sample.mjs'), '--quiet']);
    ({ node, home, cleanup } = await tempNode());
    const summary = await runIngest(
      { ledger: node.ledger, content: node.content, index: node.index, home: node.home },
      { source: collection },
    );
    expect(summary.failures, JSON.stringify(summary.failures)).to.deep.equal([]);
    await node.catchUp();
  });
  after(async () => cleanup());

  it('holds the five resources with their metadata, and about 1,000 indexing records', () => {
    const status = node.index.status();
    expect(status.counts.resources).to.equal(5);
    expect(status.counts.batchRecords).to.be.within(900, 1100);
    const ocr = node.index.getResource('jl-lunyu-xueer-ocr');
    expect(ocr?.metadata).to.deep.include({ class: 'ocr-text' });
    expect(ocr?.versions[0]?.record.derivedFrom).to.deep.equal([{ resourceId: 'jl-lunyu-xueer-scan', version: 1 }]);
  });

  it('finds resources and records by Chinese terms of one, two and more characters', () => {
    const ids = (q: string, kind?: 'resource' | 'record') =>
      node.index.search(q, { limit: 1000, ...(kind ? { kind } : {}) }).items.map((h) => h.id);
    expect(ids('论语', 'resource')).to.have.members(['jl-lunyu-xueer-ocr', 'jl-lunyu-xueer-scan']);
    expect(ids('天池', 'resource')).to.deep.equal(['jl-changbaishan-image']);
    expect(ids('徵', 'record')).to.deep.equal(['jl-pentatonic-4']);
    expect(ids('温故而知新')).to.include('jl-lunyu-2-5');
    expect(ids('地方志 人参', 'record').length).to.be.greaterThan(0);
    const hit = node.index.search('有朋自远方来', { kind: 'record' }).items.find((h) => h.id === 'jl-lunyu-1-1-2');
    expect(hit).to.deep.include({ resourceId: 'jl-lunyu-xueer-ocr', version: 1 });
  });

  it('keeps inclusion proofs that verify offline against the anchored root', async () => {
    const proof = await recordProof({ index: node.index, chain: chainClient(node.ledger) }, 'jl-gz-4-3-3-1');
    expect(checkRecordProof(proof).ok).to.equal(true);
  });

  it('rebuilds from the ledger alone into the same index', async () => {
    node.index.flushSearch();
    const rebuiltPath = join(home, 'rebuilt.sqlite');
    const rebuilt = openIndex({ path: rebuiltPath });
    try {
      await rebuilt.rebuild(node.ledger, { content: node.content });
    } finally {
      rebuilt.close();
    }
    const live = dumpIndex(node.index.path);
    const fresh = dumpIndex(rebuiltPath);
    // everything the ledger (and the content store, for metadata) holds; proofs are the ingest pipeline's, kept off chain
    for (const table of [
      'resources',
      'versions',
      'withdrawals',
      'changes',
      'rights',
      'rights_events',
      'batches',
      'receipts',
      'metadata',
      'checkpoint',
    ]) {
      expect(fresh[table], table).to.deep.equal(live[table]);
    }
  });
});
