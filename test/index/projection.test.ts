import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openIndex, type LocalIndex } from '../../node/index/index.js';
import { ShulianError, UnavailableError, ValidationError } from '../../node/core/index.js';
import { ChainFixture, metadataHash } from './fixtures.js';
import { dumpIndex } from './dump.js';

describe('index: projection of chain events', () => {
  let dir: string;
  let index: LocalIndex;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shulian-index-'));
    index = openIndex({ path: join(dir, 'index.sqlite') });
  });
  afterEach(() => {
    index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('projects registrations, new versions and withdrawals with their chain placement', () => {
    const chain = new ChainFixture(2);
    const [a1] = chain.register([{ id: 'lunyu' }, { id: 'gazetteer' }]);
    const [a2] = chain.register([{ id: 'lunyu', version: 2 }]);
    chain.withdraw('gazetteer', 1);
    expect(index.apply(chain.events)).to.deep.equal({ applied: 3, skipped: 0 });

    const lunyu = index.getResource('lunyu');
    expect(lunyu?.headVersion).to.equal(2);
    expect(lunyu?.status).to.equal('active');
    expect(lunyu?.created).to.equal(a1?.timestamp);
    expect(lunyu?.updated).to.equal(a2?.timestamp);
    expect(lunyu?.versions.map((v) => [v.record.version, v.blockNumber, v.txIndex, v.txId])).to.deep.equal([
      [1, 1, 0, chain.events[0]?.txId],
      [2, 1, 1, chain.events[1]?.txId],
    ]);
    expect(lunyu?.versions[1]?.committed).to.equal(chain.events[1]?.timestamp);
    expect(index.getVersion('lunyu', 1)?.record).to.deep.equal(a1);

    const gazetteer = index.getResource('gazetteer');
    expect(gazetteer?.status).to.equal('withdrawn');
    expect(gazetteer?.withdrawal?.record.reasonCode).to.equal('copyright-claim');
    expect(gazetteer?.changed.blockNumber).to.equal(2);
    expect(index.getResource('nope')).to.equal(undefined);
  });

  it('serves a changes feed in chain order, one entry per resource per transaction, paged by cursor', () => {
    const chain = new ChainFixture(2);
    chain.register([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    chain.register([{ id: 'a', version: 2 }]);
    chain.withdraw('b', 1);
    index.apply(chain.events);
    const seen: string[] = [];
    const pages: number[] = [];
    let after = { blockNumber: -1, txIndex: 0 };
    for (;;) {
      const page = index.changesSince(after, 2);
      if (page.changes.length === 0) break;
      pages.push(page.changes.length);
      seen.push(...page.changes.map((c) => `${c.kind}:${c.resourceId}@${c.version}`));
      after = page.next;
    }
    expect(seen).to.deep.equal(['version:a@1', 'version:b@1', 'version:c@1', 'version:a@2', 'withdrawal:b@1']);
    // a page never splits a transaction: the first one (3 registrations) is finished past the limit of 2
    expect(pages).to.deep.equal([3, 2]);
    expect(index.changesSince({ blockNumber: 1, txIndex: 0 }).changes.map((c) => c.resourceId)).to.deep.equal([
      'a',
      'b',
    ]);
    const mid = chain.events[1]?.timestamp ?? '';
    expect(
      index.changesSince({ blockNumber: -1, txIndex: 0 }, { from: mid }).changes.map((c) => c.resourceId),
    ).to.deep.equal(['a', 'b']);
    const latest = index.changesSince({ blockNumber: -1, txIndex: 0 }, { latestOnly: true }).changes;
    expect(latest.map((c) => `${c.kind}:${c.resourceId}@${c.version}`)).to.deep.equal([
      'version:c@1',
      'version:a@2',
      'withdrawal:b@1',
    ]);
  });

  it('applies each event exactly once, across restarts, however the stream is replayed', () => {
    const chain = new ChainFixture(3);
    for (let i = 0; i < 10; i++) chain.register([{ id: `r${i}` }]);
    const r = chain.grant({ rightsId: 'g1', target: { type: 'resource', id: 'r1' }, assignee: 'NLCMSP' });
    chain.revoke(r);
    chain.withdraw('r2', 1);
    const path = join(dir, 'index.sqlite');

    // first run stops part-way through block 2
    expect(index.apply(chain.events.slice(0, 5)).applied).to.equal(5);
    index.close();
    // the restarted follower replays from the start of the checkpoint's block
    index = openIndex({ path });
    expect(index.status().position).to.deep.include({ blockNumber: 2, txIndex: 1 });
    expect(index.apply(chain.events.slice(3))).to.deep.equal({ applied: chain.events.length - 5, skipped: 2 });
    expect(index.apply(chain.events)).to.deep.equal({ applied: 0, skipped: chain.events.length });
    index.close();

    const once = join(dir, 'once.sqlite');
    const reference = openIndex({ path: once });
    reference.apply(chain.events);
    reference.close();
    expect(dumpIndex(path)).to.deep.equal(dumpIndex(once));
    index = openIndex({ path });
    expect(index.status().eventsApplied).to.equal(chain.events.length);
  });

  it('applies nothing of a call that fails part-way: rows and checkpoint stay together', () => {
    const chain = new ChainFixture(5);
    chain.register([{ id: 'ok' }]);
    chain.register([{ id: 'also-ok' }]);
    const bad = { ...chain.events[1]!, payload: new TextEncoder().encode('{not json') };
    expect(() => index.apply([chain.events[0]!, bad])).to.throw(ShulianError, /not JSON/);
    expect(index.status().position).to.equal(null);
    expect(index.getResource('ok')).to.equal(undefined);
    index.apply(chain.events);
    expect(index.status().counts.resources).to.equal(2);
  });

  it('keeps rights, batches and receipts with their placement and serves rights queries', () => {
    const chain = new ChainFixture(4);
    const [v] = chain.register([{ id: 'lunyu' }, { id: 'other' }]);
    chain.anchor('lunyu-records-1', 'ab'.repeat(32), 10, { resourceId: 'lunyu', version: 1 });
    const g1 = chain.grant({ rightsId: 'g1', target: { type: 'resource', id: 'lunyu' }, assignee: 'NLCMSP' });
    chain.grant({
      rightsId: 'g2',
      target: { type: 'collection', id: 'JilinLibraryMSP' },
      assignee: 'public',
      actions: ['display'],
      constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter: '2026-04-01T00:00:00Z' },
    });
    chain.grant({
      rightsId: 'g3',
      target: { type: 'resource', id: 'other' },
      assignee: 'NLCMSP',
      constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter: null },
    });
    chain.revoke(g1);
    chain.receipt(v!);
    index.apply(chain.events);

    const g1View = index.getRights('g1');
    expect(g1View?.record.status).to.equal('revoked');
    expect(g1View?.grantedBlockNumber).to.equal(1);
    expect(g1View?.blockNumber).to.equal(2);
    const ids = (q: Parameters<LocalIndex['listRights']>[0]): string[] =>
      index.listRights(q).items.map((r) => r.record.rightsId);
    expect(ids({ resourceId: 'lunyu' })).to.deep.equal(['g1', 'g2']);
    expect(ids({ assignee: 'NLCMSP' })).to.deep.equal(['g1', 'g3']);
    expect(ids({ status: 'revoked' })).to.deep.equal(['g1']);
    expect(ids({ status: 'in-force', at: '2026-03-15T00:00:00Z' })).to.deep.equal(['g2', 'g3']);
    expect(ids({ status: 'expired', at: '2026-05-01T00:00:00Z' })).to.deep.equal(['g2']);
    expect(ids({ expiringWithinDays: 30, at: '2026-03-15T00:00:00Z' })).to.deep.equal(['g2']);
    expect(ids({ expiringWithinDays: 5, at: '2026-03-15T00:00:00Z' })).to.deep.equal([]);
    expect(index.listRights({ limit: 1 })).to.deep.include({ total: 3, limit: 1, offset: 0 });
    expect(() => index.listRights({ at: 'yesterday' })).to.throw(ValidationError, /\/at/);

    expect(index.getBatch('lunyu-records-1')?.record.parent).to.deep.equal({ resourceId: 'lunyu', version: 1 });
    expect(index.receipts('lunyu').map((r) => [r.record.warehouse, r.record.version])).to.deep.equal([['NLCMSP', 1]]);
  });

  it('keeps metadata by its canonical hash and refuses a hash that does not match', () => {
    const metadata = { title: '论语', subject: ['儒家'] };
    const hash = metadataHash(metadata);
    index.putMetadata(hash, metadata);
    expect(index.getMetadata(hash)).to.deep.equal(metadata);
    expect(() => index.putMetadata('0'.repeat(64), metadata)).to.throw(ValidationError, /metadataHash/);
    expect(index.getMetadata('0'.repeat(64))).to.equal(undefined);
  });

  it('keeps many metadata documents in one go, or none of them when one hash does not match', () => {
    const a = { title: '史记' };
    const b = { title: '汉书' };
    expect(() =>
      index.putMetadataMany([
        { metadataHash: metadataHash(a), metadata: a },
        { metadataHash: metadataHash(a), metadata: b },
      ]),
    ).to.throw(ValidationError, /^\/1\/metadataHash/);
    expect(index.getMetadata(metadataHash(a))).to.equal(undefined);
    index.putMetadataMany([
      { metadataHash: metadataHash(a), metadata: a },
      { metadataHash: metadataHash(b), metadata: b },
    ]);
    expect([index.getMetadata(metadataHash(a)), index.getMetadata(metadataHash(b))]).to.deep.equal([a, b]);
  });

  it('stores inclusion proofs by record id and validates them', () => {
    const chain = new ChainFixture();
    chain.anchor('b1', 'cd'.repeat(32), 2);
    const leaf = 'ef'.repeat(32);
    index.putBatchRecords('b1', 2, [{ recordId: 'rec-1', leafIndex: 0, leafHash: leaf, proof: ['01'.repeat(32)] }]);
    expect(index.getBatchRecord('rec-1')).to.deep.include({ batchId: 'b1', leafIndex: 0, treeSize: 2, batch: null });
    index.apply(chain.events);
    expect(index.getBatchRecord('rec-1')?.batch?.record.root).to.equal('cd'.repeat(32));
    expect(() =>
      index.putBatchRecords('b1', 2, [{ recordId: 'rec-2', leafIndex: 2, leafHash: leaf, proof: [] }]),
    ).to.throw(ValidationError, /\/records\/0\/leafIndex/);
    expect(() =>
      index.putBatchRecords('b1', 2, [{ recordId: 'rec-2', leafIndex: 1, leafHash: 'XYZ', proof: [] }]),
    ).to.throw(ValidationError, /leafHash/);
    for (const [proof, pointer] of [
      [['01'.repeat(32), 'AB'.repeat(32)], '/records/0/proof/1'],
      [['01'.repeat(31), '02'.repeat(33)], '/records/0/proof/0'],
      [['0g'.repeat(32)], '/records/0/proof/0'],
    ] as const) {
      expect(() => index.putBatchRecords('b1', 2, [{ recordId: 'rec-2', leafIndex: 1, leafHash: leaf, proof }]))
        .to.throw(ValidationError)
        .with.property('message')
        .that.matches(new RegExp(`^${pointer}: expected 64 lowercase hex digits`));
    }
    expect(index.getBatchRecord('rec-2')).to.equal(undefined);
    // JSON text the caller already holds is stored as given
    const record = { id: 'rec-3', title: '学而' };
    index.putBatchRecords('b1', 2, [
      {
        recordId: 'rec-3',
        leafIndex: 1,
        leafHash: leaf,
        proof: ['02'.repeat(32)],
        record,
        recordJson: '{"id":"rec-3","title":"学而"}',
      },
    ]);
    expect(index.getBatchRecord('rec-3')).to.deep.include({ record, proof: ['02'.repeat(32)] });
  });
});

describe('index: two processes, one index file', () => {
  it('a follower blocked by a rebuild in progress gets UNAVAILABLE (retryable) and nothing half-applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shulian-index-'));
    const path = join(dir, 'index.sqlite');
    const chain = new ChainFixture(2);
    chain.register([{ id: 'a' }]);
    chain.register([{ id: 'b' }]);
    const rebuilding = openIndex({ path });
    const follower = openIndex({ path, busyTimeoutMs: 20 });
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    // a ledger double whose stream pauses mid-replay, keeping the rebuild's transaction open
    const ledger = {
      async *events() {
        yield chain.events[0]!;
        await held;
        yield chain.events[1]!;
      },
    } as unknown as Parameters<LocalIndex['rebuild']>[0];
    try {
      const rebuild = rebuilding.rebuild(ledger);
      await new Promise((r) => setTimeout(r, 20));
      expect(() => follower.apply(chain.events)).to.throw(UnavailableError, /locked by another process/);
      release();
      await rebuild;
      expect(follower.apply(chain.events)).to.deep.equal({ applied: 0, skipped: 2 });
      expect(follower.status().counts.resources).to.equal(2);
    } finally {
      release();
      rebuilding.close();
      follower.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
