import { expect } from 'chai';
import { openIndex, type LocalIndex } from '../../node/index/index.js';
import { ValidationError } from '../../node/core/index.js';
import { ChainFixture, metadataHash } from './fixtures.js';

const LUNYU = {
  title: ['论语·学而篇'],
  creator: ['孔子弟子及再传弟子'],
  subject: ['儒家', '先秦哲学'],
  description: ['记录孔子及其弟子言行的语录体散文集。'],
  class: 'ocr-text',
  toc: [
    { title: '学而第一', page: 1 },
    { title: '为政第二', page: 5 },
  ],
};
const GAZETTEER = {
  title: ['吉林通志（节选）'],
  subject: ['地方志', '吉林'],
  description: ['光绪年间修纂的吉林省志书，记山川、建置、风俗。'],
  class: 'document-scan',
};

describe('index: full-text search (Chinese included)', () => {
  let index: LocalIndex;
  const ids = (q: string, o?: Parameters<LocalIndex['search']>[1]): string[] =>
    index.search(q, o).items.map((h) => h.id);

  beforeEach(() => {
    index = openIndex({ path: ':memory:' });
    const chain = new ChainFixture();
    // metadata of lunyu is known before its version is projected, that of the gazetteer only after
    const AUDIO = { title: ['古琴曲《流水》'] };
    index.putMetadata(metadataHash(LUNYU), LUNYU);
    index.putMetadata(metadataHash(AUDIO), AUDIO);
    chain.register([
      { id: 'lunyu', metadata: LUNYU },
      { id: 'jilin-tongzhi', metadata: GAZETTEER },
      { id: 'audio-1', metadata: AUDIO },
    ]);
    chain.anchor('lunyu-records', 'aa'.repeat(32), 3, { resourceId: 'lunyu', version: 1 });
    index.apply(chain.events);
    index.putMetadata(metadataHash(GAZETTEER), GAZETTEER);
    const records = [
      {
        id: 'lunyu-1-1',
        resource: 'lunyu',
        version: 1,
        path: [{ level: 'chapter', n: 1, title: '学而' }],
        title: '学而时习之',
        subjects: [{ term: '学习', scheme: 'CCT' }],
        keywords: ['学', '习', '朋友'],
        textSpan: { start: 0, end: 30 },
      },
      {
        id: 'lunyu-1-2',
        resource: 'lunyu',
        version: 1,
        path: [{ level: 'chapter', n: 1 }],
        title: '其为人也孝弟',
        subjects: ['孝道'],
        keywords: ['孝', '仁之本'],
        textSpan: { start: 30, end: 80 },
      },
      {
        id: 'lunyu-2-1',
        resource: 'lunyu',
        version: 1,
        path: [{ level: 'chapter', n: 2, title: '为政' }],
        title: '为政以德',
        subjects: ['德治'],
        keywords: ['北辰'],
        textSpan: { start: 80, end: 120 },
      },
    ];
    index.putBatchRecords(
      'lunyu-records',
      3,
      records.map((record, i) => ({
        recordId: record.id,
        leafIndex: i,
        leafHash: String(i).repeat(64),
        proof: [],
        record,
      })),
    );
  });
  afterEach(() => index.close());

  it('finds resources by 3+ character substrings of title, subject, description and table of contents', () => {
    expect(ids('论语·学而')).to.deep.equal(['lunyu']);
    expect(ids('先秦哲学')).to.deep.equal(['lunyu']);
    expect(ids('语录体')).to.deep.equal(['lunyu']);
    expect(ids('为政第二')).to.deep.equal(['lunyu']);
    expect(ids('吉林通志')).to.deep.equal(['jilin-tongzhi']);
  });

  it('finds 1- and 2-character Chinese terms, which a trigram index cannot match', () => {
    expect(ids('吉林')).to.deep.equal(['jilin-tongzhi']);
    expect(ids('孝道')).to.deep.equal(['lunyu-1-2']);
    expect(ids('琴')).to.deep.equal(['audio-1']);
    expect(ids('为政')).to.deep.equal(['lunyu', 'lunyu-2-1']);
  });

  it('requires every term, mixing long and short ones, and puts resources before their records', () => {
    expect(ids('学而 孔子')).to.deep.equal(['lunyu']);
    expect(ids('学而时习 朋友')).to.deep.equal(['lunyu-1-1']);
    expect(ids('地方志 论语')).to.deep.equal([]);
    const hit = index.search('仁之本').items[0];
    expect(hit).to.deep.include({
      kind: 'record',
      id: 'lunyu-1-2',
      resourceId: 'lunyu',
      version: 1,
      title: '其为人也孝弟',
    });
    expect(hit?.snippet).to.include('仁之本');
  });

  it('reads metadata stored after the version was projected', () => {
    expect(index.search('光绪年间').items[0]).to.deep.include({
      id: 'jilin-tongzhi',
      kind: 'resource',
      status: 'active',
      title: '吉林通志（节选）',
    });
  });

  it("filters by owner: a record by its batch's, stored before or after the batch is projected", () => {
    expect(ids('学而时习', { owner: 'JilinLibraryMSP' })).to.deep.equal(['lunyu-1-1']);
    expect(ids('学而时习', { owner: 'OtherLibraryMSP' })).to.deep.equal([]);
    expect(ids('论语', { owner: 'JilinLibraryMSP' })).to.deep.equal(['lunyu']);
    const fresh = openIndex({ path: ':memory:' });
    try {
      const chain = new ChainFixture();
      chain.register([{ id: 'a', metadata: GAZETTEER }]);
      fresh.apply(chain.events);
      chain.anchor('b1', 'bb'.repeat(32), 1, { resourceId: 'a', version: 1 });
      chain.anchor('b2', 'cc'.repeat(32), 1, { resourceId: 'a', version: 1 });
      const put = (batchId: string, id: string): void =>
        fresh.putBatchRecords(batchId, 1, [
          { recordId: id, leafIndex: 0, leafHash: 'a'.repeat(64), proof: [], record: { id, title: '山川形胜' } },
        ]);
      put('b1', 'r1'); // as ingest stores them: before the batch's event is projected
      expect(fresh.search('山川形胜').total).to.equal(1);
      expect(fresh.search('山川形胜', { owner: 'JilinLibraryMSP' }).total).to.equal(0);
      fresh.apply(chain.events);
      put('b2', 'r2'); // after
      expect(fresh.search('山川形胜', { owner: 'JilinLibraryMSP' }).items.map((h) => h.id)).to.deep.equal(['r1', 'r2']);
      expect(fresh.search('山川形胜', { owner: 'OtherLibraryMSP' }).total).to.equal(0);
    } finally {
      fresh.close();
    }
  });

  it('pages results and reports the total', () => {
    const first = index.search('学', { limit: 1 });
    expect(first.total).to.equal(2);
    expect(first.items.map((h) => h.id)).to.deep.equal(['lunyu']);
    expect(index.search('学', { limit: 1, offset: 1 }).items.map((h) => h.id)).to.deep.equal(['lunyu-1-1']);
    expect(ids('学', { kind: 'record' })).to.deep.equal(['lunyu-1-1']);
  });

  it('takes query syntax and LIKE wildcards literally', () => {
    expect(ids('"学而" OR')).to.deep.equal([]);
    expect(ids('%')).to.deep.equal([]);
    expect(ids('_')).to.deep.equal([]);
  });

  it('hides withdrawn resources unless asked', () => {
    // a withdrawal event positioned after everything applied so far
    const w = new ChainFixture(1);
    w.withdraw('jilin-tongzhi', 1);
    index.apply(w.events.map((e) => ({ ...e, blockNumber: 100 })));
    expect(ids('吉林通志')).to.deep.equal([]);
    expect(index.search('吉林通志', { includeWithdrawn: true }).items[0]?.status).to.equal('withdrawn');
  });

  it('names the field of a bad query', () => {
    expect(() => index.search('   ')).to.throw(ValidationError, /\/query/);
    expect(() => index.search('书', { limit: 0 })).to.throw(ValidationError, /\/limit/);
  });
});

describe('index: full-text index stays consistent', () => {
  it('passes FTS5 integrity-check after inserts, replacements, metadata refreshes and withdrawals', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { default: Database } = await import('better-sqlite3');
    const dir = mkdtempSync(join(tmpdir(), 'shulian-fts-'));
    const path = join(dir, 'index.sqlite');
    const index = openIndex({ path });
    try {
      const chain = new ChainFixture();
      const meta = (n: number) => ({ title: [`吉林通志 第${n}版`], subject: ['地方志'] });
      chain.register([
        { id: 'a', metadata: meta(1) },
        { id: 'b', metadata: meta(1) },
      ]);
      index.apply(chain.events);
      index.putMetadata(metadataHash(meta(1)), meta(1));
      const rec = (id: string, title: string) => ({
        recordId: id,
        leafIndex: 0,
        leafHash: 'a'.repeat(64),
        proof: [],
        record: { id, resource: 'a', title },
      });
      index.putBatchRecords('b1', 1, [rec('r1', '长白山天池')]);
      expect(index.search('长白山').total).to.equal(1);
      index.putBatchRecords('b1', 1, [rec('r1', '松花江源头')]); // replaced before and after indexing
      index.putBatchRecords('b1', 1, [rec('r1', '松花江上游')]);
      const more = new ChainFixture(1);
      more.register([{ id: 'a', version: 2, metadata: meta(2) }]);
      more.withdraw('b', 1);
      index.apply(more.events.map((e, i) => ({ ...e, blockNumber: 10 + i })));
      index.putMetadata(metadataHash(meta(2)), meta(2));
      expect(index.status().searchPending).to.equal(1);
      expect(index.search('长白山').total).to.equal(0);
      expect(index.search('松花江上游').items.map((h) => h.id)).to.deep.equal(['r1']);
      expect(index.search('第2版').items.map((h) => h.id)).to.deep.equal(['a']);
      expect(index.search('第1版', { includeWithdrawn: true }).items.map((h) => h.id)).to.deep.equal(['b']);
    } finally {
      index.close();
    }
    const db = new Database(path);
    try {
      expect(() => db.exec(`INSERT INTO search_fts (search_fts) VALUES ('integrity-check')`)).to.not.throw();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
