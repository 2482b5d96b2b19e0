import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Resource, ResourceVersion, Withdrawal } from '../../chaincode/src/records.js';
import { chaincodeError, harness, rejects, type Harness } from './harness.js';
import { cidV0, versionInput } from './fixtures.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('chaincode: resources and versions', function () {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  it('registers version 1: owner is the caller’s MSP, no previous, submitter and tx recorded', async () => {
    const input = versionInput('jl-0001', 'scan of a Qing gazetteer');
    const v1 = await h.as('jilin.operator').submit<ResourceVersion>('RegisterVersion', input);
    expect(v1).to.deep.include({
      schemaVersion: 1,
      docType: 'version',
      resourceId: 'jl-0001',
      version: 1,
      cid: input.cid,
      cidProfile: 'kubo-v1',
      sha256: input.sha256,
      sm3: input.sm3,
      size: input.size,
      mediaType: input.mediaType,
      metadataHash: input.metadataHash,
      metadataCid: null,
      previous: null,
      owner: 'JilinLibraryMSP',
    });
    expect(v1.derivedFrom).to.deep.equal([]);
    expect(v1.submitter.mspId).to.equal('JilinLibraryMSP');
    expect(v1.submitter.id).to.match(/^x509::.*CN=jilin\.operator::/);
    expect(v1.txId).to.match(/^[0-9a-f]{64}$/);
    expect(new Date(v1.timestamp).toISOString()).to.equal(v1.timestamp);

    const resource = await h.as('jilin.auditor').evaluate<Resource>('GetResource', 'jl-0001');
    expect(resource).to.deep.equal({
      schemaVersion: 1,
      docType: 'resource',
      id: 'jl-0001',
      owner: 'JilinLibraryMSP',
      status: 'active',
      headVersion: 1,
      created: v1.timestamp,
      updated: v1.timestamp,
    });
    expect(await h.as('jilin.auditor').evaluate('GetVersion', 'jl-0001', '1')).to.deep.equal(v1);
  });

  it('appends versions: each `previous` is the SHA-256 of the stored bytes of the version before', async () => {
    const op = h.as('jilin.operator');
    await op.submit('RegisterVersion', versionInput('jl-0002', 'first'));
    await op.submit('RegisterVersion', versionInput('jl-0002', 'second'));
    const v3 = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-0002', 'third'));
    expect(v3.version).to.equal(3);
    const bytes1 = await h.as('jilin.auditor').evaluateRaw('GetVersion', 'jl-0002', '1');
    const bytes2 = await h.as('jilin.auditor').evaluateRaw('GetVersion', 'jl-0002', '2');
    const v2 = JSON.parse(Buffer.from(bytes2).toString('utf8')) as ResourceVersion;
    expect(v2.previous).to.equal(sha256(bytes1));
    expect(v3.previous).to.equal(sha256(bytes2));

    const all = await h.as('jilin.auditor').evaluate<ResourceVersion[]>('ListVersions', 'jl-0002');
    expect(all.map((v) => v.version)).to.deep.equal([1, 2, 3]);
    const resource = await h.as('jilin.auditor').evaluate<Resource>('GetResource', 'jl-0002');
    expect(resource.headVersion).to.equal(3);
    expect(resource.created).to.equal(all[0]?.timestamp);
    expect(resource.updated).to.equal(v3.timestamp);
  });

  it('re-registering what the head already holds is a no-op that returns the head (a retried submit)', async () => {
    const op = h.as('jilin.operator');
    const input = versionInput('jl-0003', 'payload');
    const first = await op.submit<ResourceVersion>('RegisterVersion', input);
    const again = await op.submit<ResourceVersion>('RegisterVersion', input);
    expect(again).to.deep.equal(first);
    // the no-op compares sha256, sm3, cid and metadataHash only: a different media type alone is still the same content
    const relabelled = await op.submit<ResourceVersion>('RegisterVersion', {
      ...input,
      mediaType: 'application/octet-stream',
    });
    expect(relabelled).to.deep.equal(first);
    expect((await h.as('jilin.auditor').evaluate<Resource>('GetResource', 'jl-0003')).headVersion).to.equal(1);
    expect((await h.events()).filter((e) => e.eventName === 'ResourceRegistered')).to.have.length(1);
  });

  it('new metadata over the same bytes is a new version; so is going back to older content', async () => {
    const op = h.as('jilin.operator');
    const a = versionInput('jl-0004', 'bytes', { title: 'A' });
    await op.submit('RegisterVersion', a);
    const v2 = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-0004', 'bytes', { title: 'B' }));
    expect(v2.version).to.equal(2);
    expect(v2.sha256).to.equal(a.sha256);
    const v3 = await op.submit<ResourceVersion>('RegisterVersion', a);
    expect(v3.version).to.equal(3);
  });

  it('RegisterVersions: many in one transaction, chaining versions of one resource, retries returned but not re-written', async () => {
    const op = h.as('jilin.operator');
    const existing = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-0010', 'old'));
    const inputs = [
      versionInput('jl-0011', 'a'),
      versionInput('jl-0011', 'b'),
      versionInput('jl-0010', 'old'), // a retry of what is already there
      versionInput('jl-0012', 'c'),
    ];
    const out = await op.submit<ResourceVersion[]>('RegisterVersions', inputs);
    expect(out.map((v) => `${v.resourceId}@${v.version}`)).to.deep.equal([
      'jl-0011@1',
      'jl-0011@2',
      'jl-0010@1',
      'jl-0012@1',
    ]);
    expect(out[2]).to.deep.equal(existing);
    const first = await h.as('jilin.auditor').evaluateRaw('GetVersion', 'jl-0011', '1');
    expect(out[1]?.previous).to.equal(sha256(first));
    const events = (await h.events()).filter((e) => e.eventName === 'ResourceRegistered');
    const last = events[events.length - 1];
    expect(last?.payload).to.deep.equal([out[0], out[1], out[3]]);
  });

  it('RegisterVersions is all or nothing: one bad item writes nothing and names its index', async () => {
    const op = h.as('jilin.operator');
    const inputs = [
      versionInput('jl-0020', 'a'),
      versionInput('jl-0021', 'b'),
      { ...versionInput('jl-0022', 'c'), sha256: 'XYZ' },
    ];
    await rejects(op.submit('RegisterVersions', inputs), 'VALIDATION', '/2/sha256: expected 64 lowercase hex digits');
    await rejects(h.as('jilin.auditor').evaluate('GetResource', 'jl-0020'), 'NOT_FOUND', 'jl-0020');
    expect(await h.events()).to.deep.equal([]);
  });

  it('records derivedFrom, which must name existing versions', async () => {
    const op = h.as('jilin.operator');
    await op.submit('RegisterVersion', versionInput('jl-scan', 'tiff bytes'));
    const text = await op.submit<ResourceVersion>('RegisterVersion', {
      ...versionInput('jl-ocr', 'ocr text'),
      derivedFrom: [{ resourceId: 'jl-scan', version: 1 }],
    });
    expect(text.derivedFrom).to.deep.equal([{ resourceId: 'jl-scan', version: 1 }]);
    await rejects(
      op.submit('RegisterVersion', {
        ...versionInput('jl-ocr2', 'x'),
        derivedFrom: [
          { resourceId: 'jl-scan', version: 1 },
          { resourceId: 'jl-scan', version: 2 },
        ],
      }),
      'VALIDATION',
      '/derivedFrom/1: expected an existing resource version',
    );
    await rejects(
      op.submit('RegisterVersion', {
        ...versionInput('jl-ocr3', 'x'),
        derivedFrom: [{ resourceId: 'nowhere', version: 1 }],
      }),
      'VALIDATION',
      '/derivedFrom/0',
    );
  });

  it('checks the CID against its profile: kubo-legacy is CIDv0, the others CIDv1; metadataCid is kept', async () => {
    const op = h.as('jilin.operator');
    const legacy = {
      ...versionInput('jl-0030', 'old kubo'),
      cidProfile: 'kubo-legacy',
      cid: cidV0(Buffer.from('old kubo')),
    };
    expect((await op.submit<ResourceVersion>('RegisterVersion', legacy)).cid).to.match(/^Qm/);
    await rejects(
      op.submit('RegisterVersion', { ...legacy, resourceId: 'jl-0031', cidProfile: 'kubo-v1' }),
      'VALIDATION',
      "/cid: expected a base32 CIDv1 ('b…')",
    );
    await rejects(
      op.submit('RegisterVersion', { ...versionInput('jl-0032', 'x'), cidProfile: 'kubo-legacy' }),
      'VALIDATION',
      "/cid: expected a CIDv0 ('Qm…')",
    );
    const meta = versionInput('jl-0033', 'metadata json');
    const withMeta = await op.submit<ResourceVersion>('RegisterVersion', {
      ...versionInput('jl-0033', 'payload'),
      metadataCid: meta.cid,
      cidProfile: 'unixfs-v1-2025',
    });
    expect(withMeta.metadataCid).to.equal(meta.cid);
    expect(withMeta.cidProfile).to.equal('unixfs-v1-2025');
  });

  it('concurrent appends to one resource: MVCC lets one per head through, the chain stays whole', async () => {
    const op = h.as('jilin.operator');
    await op.submit('RegisterVersion', versionInput('jl-race', 'v1'));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-race', `racer ${i}`)),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won.length).to.be.at.least(1);
    for (const o of lost) expect(chaincodeError(o.reason).message).to.include('MVCC read conflict');
    const versions = await h.as('jilin.auditor').evaluate<ResourceVersion[]>('ListVersions', 'jl-race');
    expect(versions.map((v) => v.version)).to.deep.equal(Array.from({ length: 1 + won.length }, (_, i) => i + 1));
    for (let i = 1; i < versions.length; i++) {
      const before = await h.as('jilin.auditor').evaluateRaw('GetVersion', 'jl-race', String(i));
      expect(versions[i]?.previous).to.equal(sha256(before));
    }
  });

  describe('withdrawal', () => {
    it('tombstones the resource: status withdrawn, reason kept, history and versions stay, event emitted', async () => {
      const op = h.as('jilin.operator');
      const v1 = await op.submit<ResourceVersion>('RegisterVersion', versionInput('jl-0040', 'a'));
      await op.submit('RegisterVersion', versionInput('jl-0040', 'b'));
      const w = await op.submit<Withdrawal>(
        'WithdrawResource',
        'jl-0040',
        'copyright-claim',
        'claim by the author’s heirs',
      );
      expect(w).to.deep.include({
        schemaVersion: 1,
        docType: 'withdrawal',
        resourceId: 'jl-0040',
        reasonCode: 'copyright-claim',
        note: 'claim by the author’s heirs',
        headVersion: 2,
      });
      expect(w.by.mspId).to.equal('JilinLibraryMSP');
      const resource = await h.as('jilin.auditor').evaluate<Resource>('GetResource', 'jl-0040');
      expect(resource).to.deep.include({
        status: 'withdrawn',
        headVersion: 2,
        updated: w.timestamp,
        created: v1.timestamp,
      });
      expect(await h.as('jilin.auditor').evaluate('GetWithdrawal', 'jl-0040')).to.deep.equal(w);
      expect(await h.as('jilin.auditor').evaluate<ResourceVersion[]>('ListVersions', 'jl-0040')).to.have.length(2);
      const events = await h.events();
      expect(events[events.length - 1]).to.deep.include({ eventName: 'ResourceWithdrawn', payload: [w] });
    });

    it('a withdrawn resource accepts no new version (not even a retry), no second withdrawal, no grant', async () => {
      const op = h.as('jilin.operator');
      const input = versionInput('jl-0041', 'a');
      await op.submit('RegisterVersion', input);
      await op.submit('WithdrawResource', 'jl-0041', 'duplicate', '');
      await rejects(op.submit('RegisterVersion', versionInput('jl-0041', 'b')), 'CONFLICT', 'withdrawn');
      await rejects(op.submit('RegisterVersion', input), 'CONFLICT', 'withdrawn');
      await rejects(op.submit('WithdrawResource', 'jl-0041', 'duplicate', ''), 'CONFLICT', 'already withdrawn');
      await rejects(
        h.as('jilin.rights-admin').submit('GrantRights', {
          rightsId: 'r-0041',
          target: { type: 'resource', id: 'jl-0041' },
          rightsholder: 'x',
          assignee: 'NLCMSP',
          actions: ['archive'],
          constraints: { notBefore: '2020-01-01T00:00:00Z', notAfter: null },
          basis: 'statute',
        }),
        'CONFLICT',
        'accepts no grants',
      );
    });

    it('names what is wrong: unknown resource, unknown reason code, a note too long, another org', async () => {
      const op = h.as('jilin.operator');
      await op.submit('RegisterVersion', versionInput('jl-0042', 'a'));
      await rejects(op.submit('WithdrawResource', 'jl-none', 'error', ''), 'NOT_FOUND', 'jl-none');
      await rejects(
        op.submit('WithdrawResource', 'jl-0042', 'bored', ''),
        'VALIDATION',
        '/reasonCode: expected one of copyright-claim, error',
      );
      await rejects(op.submit('WithdrawResource', 'jl-0042', 'error', 'x'.repeat(2049)), 'VALIDATION', '/note');
      await rejects(
        h.as('hebei.operator').submit('WithdrawResource', 'jl-0042', 'error', ''),
        'ACCESS_DENIED',
        'belongs to JilinLibraryMSP',
      );
      await rejects(h.as('jilin.auditor').evaluate('GetWithdrawal', 'jl-0042'), 'NOT_FOUND', 'not been withdrawn');
    });
  });

  it('queries name what is missing', async () => {
    await h.as('jilin.operator').submit('RegisterVersion', versionInput('jl-0050', 'a'));
    const q = h.as('jilin.auditor');
    await rejects(q.evaluate('GetResource', 'jl-none'), 'NOT_FOUND', 'resource jl-none does not exist');
    await rejects(q.evaluate('GetVersion', 'jl-0050', '2'), 'NOT_FOUND', 'has no version 2');
    await rejects(q.evaluate('ListVersions', 'jl-none'), 'NOT_FOUND', 'jl-none');
  });
});
