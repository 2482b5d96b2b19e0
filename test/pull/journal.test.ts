import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PullJournal } from '../../node/pull/index.js';

describe('pull: journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-journal-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('keeps checkpoint, pending versions and receipts across reopenings', async () => {
    const path = join(dir, 'pull', 'journal.json');
    const j = await PullJournal.open(path);
    const src = j.source('https://a.example');
    src.cursor = 'abc';
    src.pending['r@1'] = { resourceId: 'r', version: 1, reason: 'refused: 403' };
    await j.markReceived('s@2', { cid: 'bafy', receiptTxId: 'f'.repeat(64), at: '2026-01-01T00:00:00.000Z' });
    await j.save();
    const again = await PullJournal.open(path);
    expect(again.source('https://a.example')).to.deep.equal({
      cursor: 'abc',
      pending: { 'r@1': { resourceId: 'r', version: 1, reason: 'refused: 403' } },
    });
    expect(again.source('https://b.example')).to.deep.equal({ cursor: null, pending: {} });
    expect(again.received('s@2')?.receiptTxId).to.equal('f'.repeat(64));
  });

  it('ignores a receipt line torn by a crash and appends the next one on a line of its own', async () => {
    await mkdir(join(dir, 'pull'));
    const good = JSON.stringify({ key: 'a@1', cid: 'c1', receiptTxId: '1'.repeat(64), at: 't' });
    await writeFile(join(dir, 'pull', 'received.jsonl'), `${good}\n{"key":"b@1","cid":"c2","rec`);
    const j = await PullJournal.open(join(dir, 'pull', 'journal.json'));
    expect(j.received('a@1')?.cid).to.equal('c1');
    expect(j.received('b@1')).to.equal(undefined);
    await j.markReceived('b@1', { cid: 'c2', receiptTxId: '2'.repeat(64), at: 't' });
    const reopened = await PullJournal.open(join(dir, 'pull', 'journal.json'));
    expect(reopened.received('b@1')?.cid).to.equal('c2');
    expect((await readFile(join(dir, 'pull', 'received.jsonl'), 'utf8')).split('\n').filter(Boolean)).to.have.length(3);
  });

  it('refuses a journal it cannot read, naming the file', async () => {
    const path = join(dir, 'journal.json');
    await writeFile(path, '{not json');
    try {
      await PullJournal.open(path);
      expect.fail('should refuse');
    } catch (err) {
      expect((err as Error).message).to.contain(path);
    }
  });
});
