import { expect } from 'chai';
import type { HistoryEntry, Page, Resource, ResourceVersion, Rights, Withdrawal } from '../../chaincode/src/records.js';
import { harness, rejects, type Harness } from './harness.js';
import { grantInput, versionInput } from './fixtures.js';

describe('chaincode: history, pagination, events', function () {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  it('GetHistory returns every committed value of a resource, newest first, with tx ids and times', async () => {
    const op = h.as('jilin.operator');
    const v1 = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-h', 'one'));
    const v2 = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-h', 'two'));
    const w = await op.submit<Withdrawal>('WithdrawResource', 'jl-h', 'error', 'mis-scanned');
    const history = await h.as('jilin.auditor').evaluate<HistoryEntry[]>('GetHistory', 'resource', 'jl-h');
    expect(history.map((e) => e.txId)).to.deep.equal([w.txId, v2.txId, v1.txId]);
    expect(history.map((e) => e.timestamp)).to.deep.equal([w.timestamp, v2.timestamp, v1.timestamp]);
    expect(history.map((e) => e.isDelete)).to.deep.equal([false, false, false]);
    expect(history.map((e) => (e.value as Resource).status)).to.deep.equal(['withdrawn', 'active', 'active']);
    expect(history.map((e) => (e.value as Resource).headVersion)).to.deep.equal([2, 2, 1]);
    expect(await h.as('jilin.auditor').evaluate('GetHistory', 'resource', 'never')).to.deep.equal([]);
  });

  it('GetHistory of rights shows the grant and the revocation; of a batch, its one anchoring', async () => {
    await h.as('jilin.operator').submit('RegisterVersion', versionInput('jl-h2', 'x'));
    const g = await h
      .as('jilin.rights-admin')
      .submit<Rights>('GrantRights', grantInput({ rightsId: 'h-r', target: { type: 'resource', id: 'jl-h2' } }));
    const r = await h.as('jilin.rights-admin').submit<Rights>('RevokeRights', 'h-r', 'ended');
    const history = await h.as('jilin.auditor').evaluate<HistoryEntry[]>('GetHistory', 'rights', 'h-r');
    expect(history.map((e) => e.value)).to.deep.equal([r, g]);
    const b = await h
      .as('jilin.operator')
      .submit<{ txId: string }>('AnchorBatch', { batchId: 'h-b', root: 'ef'.repeat(32), count: 1 });
    const bh = await h.as('jilin.auditor').evaluate<HistoryEntry[]>('GetHistory', 'batch', 'h-b');
    expect(bh.map((e) => e.txId)).to.deep.equal([b.txId]);
  });

  it('ListResourcesByOwner pages through one owner’s resources with bookmarks, no gaps, no repeats', async () => {
    const jilin = Array.from({ length: 23 }, (_, i) => versionInput(`jl-${String(i).padStart(3, '0')}`, `j${i}`));
    await h.as('jilin.operator').submit('RegisterVersions', jilin);
    await h
      .as('hebei.operator')
      .submit('RegisterVersions', [versionInput('hb-001', 'h1'), versionInput('hb-002', 'h2')]);
    const seen: string[] = [];
    const sizes: number[] = [];
    let bookmark = '';
    for (let page = 0; page < 10; page++) {
      const p = await h
        .as('jilin.auditor')
        .evaluate<Page<Resource>>('ListResourcesByOwner', 'JilinLibraryMSP', '10', bookmark);
      sizes.push(p.records.length);
      expect(p.fetchedRecordsCount).to.equal(p.records.length);
      for (const r of p.records) expect(r.owner).to.equal('JilinLibraryMSP');
      seen.push(...p.records.map((r) => r.id));
      bookmark = p.bookmark;
      if (bookmark === '' || p.records.length === 0) break;
    }
    expect(sizes.filter((n) => n > 0)).to.deep.equal([10, 10, 3]);
    expect(seen).to.deep.equal(jilin.map((v) => v.resourceId));
    const hebei = await h
      .as('jilin.auditor')
      .evaluate<Page<Resource>>('ListResourcesByOwner', 'HebeiLibraryMSP', '1000', '');
    expect(hebei.records.map((r) => r.id)).to.deep.equal(['hb-001', 'hb-002']);
    const nobody = await h.as('jilin.auditor').evaluate<Page<Resource>>('ListResourcesByOwner', 'NLCMSP', '5', '');
    expect(nobody).to.deep.equal({ records: [], bookmark: '', fetchedRecordsCount: 0 });
  });

  it('ListResourcesByOwner shows the current head and status of each resource', async () => {
    const op = h.as('jilin.operator');
    await op.submit('RegisterVersions', [
      versionInput('jl-a', 'a'),
      versionInput('jl-b', 'b'),
      versionInput('jl-b', 'b2'),
    ]);
    await op.submit('WithdrawResource', 'jl-a', 'duplicate', '');
    const p = await h.as('jilin.auditor').evaluate<Page<Resource>>('ListResourcesByOwner', 'JilinLibraryMSP', '10', '');
    expect(p.records.map((r) => [r.id, r.status, r.headVersion])).to.deep.equal([
      ['jl-a', 'withdrawn', 1],
      ['jl-b', 'active', 2],
    ]);
  });

  it('every write emits exactly one event carrying the records written; failures and no-ops emit none', async () => {
    const op = h.as('jilin.operator');
    const v = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-e', 'e'));
    await op.submit('RegisterVersion', versionInput('jl-e', 'e')); // no-op
    await rejects(op.submit('RegisterVersion', { ...versionInput('jl-e', 'e2'), size: -1 }), 'VALIDATION', '/size');
    await rejects(h.as('hebei.operator').submit('WithdrawResource', 'jl-e', 'error', ''), 'ACCESS_DENIED');
    const g = await h
      .as('jilin.rights-admin')
      .submit<Rights>('GrantRights', grantInput({ rightsId: 'e-r', target: { type: 'resource', id: 'jl-e' } }));
    const r = await h.as('jilin.rights-admin').submit<Rights>('RevokeRights', 'e-r', 'x');
    const b = await op.submit<{ txId: string }>('AnchorBatch', { batchId: 'e-b', root: '01'.repeat(32), count: 1 });
    const rc = await h.as('nlc.warehouse').submit<{ txId: string }>('RecordReceipt', {
      resourceId: 'jl-e',
      version: 1,
      cid: v.cid,
      sha256: v.sha256,
      sm3: v.sm3,
    });
    const w = await op.submit<Withdrawal>('WithdrawResource', 'jl-e', 'error', '');
    // queries emit nothing
    await h.as('jilin.auditor').evaluate('GetResource', 'jl-e');
    const events = await h.events();
    expect(events.map((e) => e.eventName)).to.deep.equal([
      'ResourceRegistered',
      'RightsGranted',
      'RightsRevoked',
      'BatchAnchored',
      'ReceiptRecorded',
      'ResourceWithdrawn',
    ]);
    expect(events.map((e) => e.txId)).to.deep.equal([v.txId, g.grantedTxId, r.revokedTxId, b.txId, rc.txId, w.txId]);
    expect(events[0]?.payload).to.deep.equal([v]);
    expect(events[5]?.payload).to.deep.equal([w]);
    for (const e of events) expect(e.payload).to.be.an('array').with.length(1);
  });
});
