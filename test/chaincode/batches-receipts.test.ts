import { expect } from 'chai';
import { merkleRoot, toHex } from '../../node/core/index.js';
import type { Batch, Receipt, ResourceVersion } from '../../chaincode/src/records.js';
import { harness, rejects, type Harness } from './harness.js';
import { versionInput } from './fixtures.js';

/** A real RFC 9162 root over `n` indexing records of a resource. */
function rootOf(resourceId: string, n: number): string {
  const leaves = Array.from({ length: n }, (_, i) =>
    new TextEncoder().encode(JSON.stringify({ resourceId, paragraph: i + 1 })),
  );
  return toHex(merkleRoot(leaves));
}

describe('chaincode: Merkle batches', function () {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.as('jilin.operator').submit('RegisterVersion', versionInput('jl-book', 'book'));
  });
  afterEach(() => h.close());

  it('anchors a batch with its parent version; kind defaults to indexing-records; BatchAnchored emitted', async () => {
    const root = rootOf('jl-book', 1200);
    const b = await h.as('jilin.operator').submit<Batch>('AnchorBatch', {
      batchId: 'jl-book-idx-1',
      root,
      count: 1200,
      parent: { resourceId: 'jl-book', version: 1 },
    });
    expect(b).to.deep.include({
      schemaVersion: 1,
      docType: 'batch',
      batchId: 'jl-book-idx-1',
      root,
      count: 1200,
      kind: 'indexing-records',
      parent: { resourceId: 'jl-book', version: 1 },
      owner: 'JilinLibraryMSP',
    });
    expect(await h.as('jilin.auditor').evaluate('GetBatch', 'jl-book-idx-1')).to.deep.equal(b);
    const events = await h.events();
    expect(events[events.length - 1]).to.deep.equal({ txId: b.txId, eventName: 'BatchAnchored', payload: [b] });
  });

  it('AnchorBatches anchors many in one transaction; an identical re-anchor is a no-op, a different one a conflict', async () => {
    const op = h.as('jilin.operator');
    const inputs = [1, 2, 3].map((i) => ({
      batchId: `jl-idx-${i}`,
      root: rootOf('jl-book', i * 10),
      count: i * 10,
      kind: 'fixity-audit',
    }));
    const out = await op.submit<Batch[]>('AnchorBatches', inputs);
    expect(out.map((b) => b.batchId)).to.deep.equal(['jl-idx-1', 'jl-idx-2', 'jl-idx-3']);
    expect(new Set(out.map((b) => b.txId)).size).to.equal(1);
    const eventsBefore = (await h.events()).length;
    const retry = await op.submit<Batch>('AnchorBatch', inputs[1] as object);
    expect(retry).to.deep.equal(out[1]);
    expect((await h.events()).length).to.equal(eventsBefore);
    await rejects(
      op.submit('AnchorBatch', { ...inputs[1], count: 21 }),
      'CONFLICT',
      'batch jl-idx-2 is already anchored',
    );
    await rejects(
      h.as('hebei.operator').submit('AnchorBatch', inputs[0] as object),
      'CONFLICT',
      'already anchored (by JilinLibraryMSP)',
    );
  });

  it('the parent must be an existing version of a resource the caller owns and has not withdrawn', async () => {
    const op = h.as('jilin.operator');
    await rejects(
      op.submit('AnchorBatch', {
        batchId: 'b1',
        root: rootOf('x', 2),
        count: 2,
        parent: { resourceId: 'jl-book', version: 2 },
      }),
      'VALIDATION',
      '/parent: expected an existing resource version',
    );
    await rejects(
      op.submit('AnchorBatch', {
        batchId: 'b1',
        root: rootOf('x', 2),
        count: 2,
        parent: { resourceId: 'nope', version: 1 },
      }),
      'VALIDATION',
      '/parent',
    );
    await op.submit('WithdrawResource', 'jl-book', 'error', '');
    await rejects(
      op.submit('AnchorBatch', {
        batchId: 'b1',
        root: rootOf('x', 2),
        count: 2,
        parent: { resourceId: 'jl-book', version: 1 },
      }),
      'CONFLICT',
      'withdrawn',
    );
    await rejects(h.as('jilin.auditor').evaluate('GetBatch', 'b1'), 'NOT_FOUND', 'batch b1 does not exist');
  });
});

describe('chaincode: warehouse receipts', function () {
  let h: Harness;
  let v1: ResourceVersion;
  let v2: ResourceVersion;
  beforeEach(async () => {
    h = await harness();
    v1 = await h.as('jilin.operator').submit<ResourceVersion>('RegisterVersion', versionInput('jl-r', 'first'));
    v2 = await h.as('jilin.operator').submit<ResourceVersion>('RegisterVersion', versionInput('jl-r', 'second'));
  });
  afterEach(() => h.close());

  const ack = (v: ResourceVersion): object => ({
    resourceId: v.resourceId,
    version: v.version,
    cid: v.cid,
    sha256: v.sha256,
    sm3: v.sm3,
  });

  it('records what the warehouse verified, by whom, and emits ReceiptRecorded', async () => {
    const r = await h.as('nlc.warehouse').submit<Receipt>('RecordReceipt', ack(v2));
    expect(r).to.deep.include({
      schemaVersion: 1,
      docType: 'receipt',
      resourceId: 'jl-r',
      version: 2,
      cid: v2.cid,
      sha256: v2.sha256,
      sm3: v2.sm3,
      warehouse: 'NLCMSP',
    });
    expect(r.by.id).to.match(/CN=nlc\.warehouse/);
    const events = await h.events();
    expect(events[events.length - 1]).to.deep.equal({ txId: r.txId, eventName: 'ReceiptRecorded', payload: [r] });
    const r1 = await h.as('nlc.warehouse').submit<Receipt>('RecordReceipt', ack(v1));
    expect(await h.as('jilin.auditor').evaluate<Receipt[]>('GetReceipts', 'jl-r')).to.deep.equal([r1, r]);
  });

  it('refuses digests that differ from the chain, naming the field', async () => {
    const w = h.as('nlc.warehouse');
    await rejects(
      w.submit('RecordReceipt', { ...ack(v2), sha256: v1.sha256 }),
      'VALIDATION',
      `/sha256: expected the sha256 recorded for jl-r v2 (${v2.sha256})`,
    );
    await rejects(
      w.submit('RecordReceipt', { ...ack(v2), sm3: v1.sm3 }),
      'VALIDATION',
      '/sm3: expected the sm3 recorded for jl-r v2',
    );
    await rejects(
      w.submit('RecordReceipt', { ...ack(v2), cid: v1.cid }),
      'VALIDATION',
      '/cid: expected the cid recorded for jl-r v2',
    );
    await rejects(w.submit('RecordReceipt', { ...ack(v2), version: 3 }), 'NOT_FOUND', 'resource jl-r has no version 3');
    expect(await h.as('jilin.auditor').evaluate('GetReceipts', 'jl-r')).to.deep.equal([]);
    await rejects(h.as('jilin.auditor').evaluate('GetReceipts', 'nope'), 'NOT_FOUND', 'resource nope does not exist');
  });

  it('a retried receipt returns the first one and writes nothing; receipts survive a withdrawal', async () => {
    const w = h.as('nlc.warehouse');
    const first = await w.submit<Receipt>('RecordReceipt', ack(v1));
    const eventsBefore = (await h.events()).length;
    expect(await w.submit('RecordReceipt', ack(v1))).to.deep.equal(first);
    expect((await h.events()).length).to.equal(eventsBefore);
    await h.as('jilin.operator').submit('WithdrawResource', 'jl-r', 'superseded', '');
    const late = await w.submit<Receipt>('RecordReceipt', ack(v2));
    expect(await h.as('jilin.auditor').evaluate('GetReceipts', 'jl-r')).to.deep.equal([first, late]);
  });
});
