import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Authorization, Page, Rights, Withdrawal } from '../../chaincode/src/records.js';
import { harness, rejects, type Harness } from './harness.js';
import { grantInput, versionInput } from './fixtures.js';

const ms = (iso: string, delta: number): string => new Date(Date.parse(iso) + delta).toISOString();

describe('chaincode: rights', function () {
  let h: Harness;
  const ask = (resourceId: string, org: string, action: string, at: string): Promise<Authorization> =>
    h.as('jilin.auditor').evaluate<Authorization>('IsAuthorized', resourceId, org, action, at);

  beforeEach(async () => {
    h = await harness();
    const op = h.as('jilin.operator');
    await op.submit('RegisterVersions', [versionInput('jl-1', 'one'), versionInput('jl-2', 'two')]);
    await h.as('hebei.operator').submit('RegisterVersion', versionInput('hb-1', 'hebei'));
  });
  afterEach(() => h.close());

  it('records a grant with the caller’s org as assigner and emits RightsGranted', async () => {
    const input = grantInput({
      rightsId: 'g-1',
      target: { type: 'resource', id: 'jl-1' },
      actions: ['display', 'reproduce'],
      constraints: {
        notBefore: '2025-01-01T00:00:00Z',
        notAfter: '2027-01-01T00:00:00Z',
        territory: 'CN',
        purpose: 'national archive',
      },
      licenceDigest: 'ab'.repeat(32),
    });
    const r = await h.as('jilin.rights-admin').submit<Rights>('GrantRights', input);
    expect(r).to.deep.include({
      schemaVersion: 1,
      docType: 'rights',
      rightsId: 'g-1',
      target: { type: 'resource', id: 'jl-1' },
      rightsholder: 'Jilin Provincial Library',
      assigner: 'JilinLibraryMSP',
      assignee: 'NLCMSP',
      actions: ['display', 'reproduce'],
      basis: 'licence',
      licenceDigest: 'ab'.repeat(32),
      termsDigest: null,
      status: 'granted',
      reason: null,
      revokedTxId: null,
      revoked: null,
    });
    expect(r.constraints).to.deep.equal({
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
      territory: 'CN',
      purpose: 'national archive',
    });
    expect(r.grantedTxId).to.match(/^[0-9a-f]{64}$/);
    expect(await h.as('nlc.warehouse').evaluate('GetRights', 'g-1')).to.deep.equal(r);
    const events = await h.events();
    expect(events[events.length - 1]).to.deep.equal({ txId: r.grantedTxId, eventName: 'RightsGranted', payload: [r] });
  });

  it('IsAuthorized honours the validity period: before notBefore, inside, at notAfter (exclusive), after', async () => {
    await h.as('jilin.rights-admin').submit(
      'GrantRights',
      grantInput({
        rightsId: 'g-2',
        target: { type: 'resource', id: 'jl-1' },
        actions: ['display'],
        constraints: { notBefore: '2025-01-01T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' },
      }),
    );
    const before = await ask('jl-1', 'NLCMSP', 'display', '2024-12-31T23:59:59.999Z');
    expect(before).to.deep.include({ authorized: false, rightsId: null });
    expect(before.reason).to.include('not in force before 2025-01-01T00:00:00.000Z');
    expect(await ask('jl-1', 'NLCMSP', 'display', '2025-01-01T00:00:00Z')).to.deep.include({
      authorized: true,
      rightsId: 'g-2',
    });
    expect(await ask('jl-1', 'NLCMSP', 'display', '2025-06-30T12:00:00+08:00')).to.deep.include({
      authorized: true,
      rightsId: 'g-2',
    });
    const atEnd = await ask('jl-1', 'NLCMSP', 'display', '2026-01-01T00:00:00Z');
    expect(atEnd.authorized).to.equal(false);
    expect(atEnd.reason).to.include('expired at 2026-01-01T00:00:00.000Z');
    expect((await ask('jl-1', 'NLCMSP', 'display', '2030-01-01T00:00:00Z')).authorized).to.equal(false);
  });

  it('IsAuthorized: only the granted actions, only the assignee, only the target', async () => {
    await h
      .as('jilin.rights-admin')
      .submit(
        'GrantRights',
        grantInput({ rightsId: 'g-3', target: { type: 'resource', id: 'jl-1' }, actions: ['archive'] }),
      );
    expect(await ask('jl-1', 'NLCMSP', 'archive', '')).to.deep.include({ authorized: true, rightsId: 'g-3' });
    const wrongAction = await ask('jl-1', 'NLCMSP', 'distribute', '');
    expect(wrongAction.authorized).to.equal(false);
    expect(wrongAction.reason).to.include('do not permit distribute');
    const wrongOrg = await ask('jl-1', 'HebeiLibraryMSP', 'archive', '');
    expect(wrongOrg).to.deep.include({ authorized: false, rightsId: null });
    expect(wrongOrg.reason).to.match(/^no rights record grants archive on jl-1 to HebeiLibraryMSP at /);
    expect((await ask('jl-2', 'NLCMSP', 'archive', '')).authorized).to.equal(false);
    await rejects(ask('jl-none', 'NLCMSP', 'archive', ''), 'NOT_FOUND', 'resource jl-none does not exist');
  });

  it('a grant to `public` authorises every org', async () => {
    await h.as('jilin.rights-admin').submit(
      'GrantRights',
      grantInput({
        rightsId: 'g-pub',
        target: { type: 'resource', id: 'jl-2' },
        assignee: 'public',
        actions: ['display'],
        basis: 'policy',
      }),
    );
    expect(await ask('jl-2', 'HebeiLibraryMSP', 'display', '')).to.deep.include({
      authorized: true,
      rightsId: 'g-pub',
    });
    expect(await ask('jl-2', 'NLCMSP', 'display', '')).to.deep.include({ authorized: true, rightsId: 'g-pub' });
    expect(await ask('jl-2', 'public', 'display', '')).to.deep.include({ authorized: true, rightsId: 'g-pub' });
    expect((await ask('jl-2', 'NLCMSP', 'reproduce', '')).authorized).to.equal(false);
  });

  it('a collection-level grant covers every resource of the owner, also ones registered later, and no one else’s', async () => {
    await h.as('jilin.rights-admin').submit(
      'GrantRights',
      grantInput({
        rightsId: 'g-coll',
        target: { type: 'collection', id: 'JilinLibraryMSP' },
        actions: ['archive', 'reproduce'],
        basis: 'statute',
      }),
    );
    await h.as('jilin.operator').submit('RegisterVersion', versionInput('jl-3', 'later'));
    for (const id of ['jl-1', 'jl-2', 'jl-3']) {
      const a = await ask(id, 'NLCMSP', 'archive', '');
      expect(a).to.deep.include({ authorized: true, rightsId: 'g-coll' });
      expect(a.reason).to.include('collection-level rights g-coll');
    }
    expect((await ask('hb-1', 'NLCMSP', 'archive', '')).authorized).to.equal(false);
    await rejects(
      h
        .as('jilin.rights-admin')
        .submit(
          'GrantRights',
          grantInput({ rightsId: 'g-coll2', target: { type: 'collection', id: 'HebeiLibraryMSP' } }),
        ),
      'ACCESS_DENIED',
      'collection HebeiLibraryMSP belongs to HebeiLibraryMSP',
    );
  });

  it('revocation is final and takes effect at its transaction time; before it, the grant was in force', async () => {
    const granted = await h
      .as('jilin.rights-admin')
      .submit<Rights>(
        'GrantRights',
        grantInput({ rightsId: 'g-rev', target: { type: 'resource', id: 'jl-1' }, actions: ['display'] }),
      );
    const revoked = await h
      .as('jilin.rights-admin')
      .submit<Rights>('RevokeRights', 'g-rev', 'licence terminated by the rightsholder');
    expect(revoked).to.deep.include({
      status: 'revoked',
      reason: 'licence terminated by the rightsholder',
      grantedTxId: granted.grantedTxId,
      granted: granted.granted,
    });
    expect(revoked.revokedTxId).to.match(/^[0-9a-f]{64}$/);
    expect(revoked.revokedTxId).to.not.equal(granted.grantedTxId);
    const at = revoked.revoked as string;
    expect(Date.parse(at)).to.be.at.least(Date.parse(granted.granted));

    const now = await ask('jl-1', 'NLCMSP', 'display', '');
    expect(now).to.deep.include({ authorized: false, rightsId: null });
    expect(now.reason).to.include(`were revoked at ${at}`);
    expect((await ask('jl-1', 'NLCMSP', 'display', at)).authorized).to.equal(false);
    const justBefore = await ask('jl-1', 'NLCMSP', 'display', ms(at, -1));
    expect(justBefore).to.deep.include({ authorized: true, rightsId: 'g-rev' });
    expect(justBefore.reason).to.include(`revoked later, at ${at}`);

    await rejects(h.as('jilin.rights-admin').submit('RevokeRights', 'g-rev', 'again'), 'CONFLICT', 'already revoked');
    await rejects(
      h
        .as('jilin.rights-admin')
        .submit('GrantRights', grantInput({ rightsId: 'g-rev', target: { type: 'resource', id: 'jl-1' } })),
      'CONFLICT',
      'rights g-rev already exist',
    );
    // a new grant is a new record
    await h
      .as('jilin.rights-admin')
      .submit(
        'GrantRights',
        grantInput({ rightsId: 'g-rev-2', target: { type: 'resource', id: 'jl-1' }, actions: ['display'] }),
      );
    expect(await ask('jl-1', 'NLCMSP', 'display', '')).to.deep.include({ authorized: true, rightsId: 'g-rev-2' });
    expect((await h.as('jilin.auditor').evaluate<Rights>('GetRights', 'g-rev')).status).to.equal('revoked');

    const events = await h.events();
    const revokedEvent = events.find((e) => e.eventName === 'RightsRevoked');
    expect(revokedEvent).to.deep.equal({ txId: revoked.revokedTxId, eventName: 'RightsRevoked', payload: [revoked] });
    await rejects(
      h.as('jilin.rights-admin').submit('RevokeRights', 'g-none', 'x'),
      'NOT_FOUND',
      'rights g-none do not exist',
    );
  });

  it('withdrawal ends every authorisation from its timestamp on', async () => {
    await h
      .as('jilin.rights-admin')
      .submit(
        'GrantRights',
        grantInput({ rightsId: 'g-w', target: { type: 'resource', id: 'jl-2' }, actions: ['display'] }),
      );
    const w = await h.as('jilin.operator').submit<Withdrawal>('WithdrawResource', 'jl-2', 'legal', 'court order');
    const now = await ask('jl-2', 'NLCMSP', 'display', '');
    expect(now).to.deep.include({ authorized: false, rightsId: null });
    expect(now.reason).to.equal(`resource jl-2 was withdrawn at ${w.timestamp} (legal)`);
    expect(await ask('jl-2', 'NLCMSP', 'display', ms(w.timestamp, -1))).to.deep.include({
      authorized: true,
      rightsId: 'g-w',
    });
  });

  it('grants on batches: the batch must exist and belong to the caller', async () => {
    await h.as('jilin.operator').submit('AnchorBatch', {
      batchId: 'jl-idx-1',
      root: 'cd'.repeat(32),
      count: 10,
      parent: { resourceId: 'jl-1', version: 1 },
    });
    const r = await h
      .as('jilin.rights-admin')
      .submit<Rights>('GrantRights', grantInput({ rightsId: 'g-b', target: { type: 'batch', id: 'jl-idx-1' } }));
    expect(r.target).to.deep.equal({ type: 'batch', id: 'jl-idx-1' });
    await rejects(
      h
        .as('jilin.rights-admin')
        .submit('GrantRights', grantInput({ rightsId: 'g-b2', target: { type: 'batch', id: 'nope' } })),
      'NOT_FOUND',
      'batch nope does not exist',
    );
    await rejects(
      h
        .as('jilin.rights-admin')
        .submit('GrantRights', grantInput({ rightsId: 'g-b3', target: { type: 'resource', id: 'nope' } })),
      'NOT_FOUND',
      'resource nope does not exist',
    );
    // IsAuthorized keeps to resource- and collection-level grants
    expect((await ask('jl-1', 'NLCMSP', 'archive', '')).authorized).to.equal(false);
  });

  it('confidential terms go to the licensor–licensee collection; the public record keeps their SHA-256', async () => {
    const terms = Buffer.from(JSON.stringify({ fee: { amount: 1200, currency: 'CNY' }, contract: 'JL-2026-007' }));
    const r = await h
      .as('jilin.rights-admin')
      .submitTransient<Rights>(
        'GrantRights',
        [grantInput({ rightsId: 'g-t', target: { type: 'resource', id: 'jl-1' } })],
        { terms },
      );
    expect(r.termsDigest).to.equal(createHash('sha256').update(terms).digest('hex'));
    const stored = h.privateData('terms-JilinLibraryMSP-NLCMSP', '\u0000shulian.terms\u0000g-t\u0000');
    expect(stored && Buffer.from(stored).equals(terms)).to.equal(true);
    expect(JSON.stringify(await h.events())).to.not.include('JL-2026-007');

    const admin = h.as('jilin.rights-admin');
    await rejects(
      admin.submitTransient(
        'GrantRights',
        [grantInput({ rightsId: 'g-t2', target: { type: 'resource', id: 'jl-1' }, assignee: 'public' })],
        { terms },
      ),
      'VALIDATION',
      '/transient/terms: expected no confidential terms for a public grant',
    );
    await rejects(
      admin.submitTransient(
        'GrantRights',
        [grantInput({ rightsId: 'g-t3', target: { type: 'resource', id: 'jl-1' } })],
        { terms: new Uint8Array() },
      ),
      'VALIDATION',
      '/transient/terms: expected 1 to 1048576 bytes',
    );
    await rejects(
      admin.submitTransient(
        'GrantRights',
        [grantInput({ rightsId: 'g-t4', target: { type: 'resource', id: 'jl-1' } })],
        { fee: terms },
      ),
      'VALIDATION',
      '/transient/fee: expected no such transient field',
    );
  });

  it('lists rights by assignee and by resource, page by page', async () => {
    const admin = h.as('jilin.rights-admin');
    for (let i = 0; i < 7; i++) {
      await admin.submit(
        'GrantRights',
        grantInput({
          rightsId: `l-${i}`,
          target: { type: 'resource', id: i % 2 ? 'jl-1' : 'jl-2' },
          assignee: i < 5 ? 'NLCMSP' : 'HebeiLibraryMSP',
        }),
      );
    }
    const q = h.as('jilin.auditor');
    const first = await q.evaluate<Page<Rights>>('ListRightsByAssignee', 'NLCMSP', '3', '');
    expect(first.records.map((r) => r.rightsId)).to.deep.equal(['l-0', 'l-1', 'l-2']);
    expect(first.fetchedRecordsCount).to.equal(3);
    expect(first.bookmark).to.not.equal('');
    const second = await q.evaluate<Page<Rights>>('ListRightsByAssignee', 'NLCMSP', '3', first.bookmark);
    expect(second.records.map((r) => r.rightsId)).to.deep.equal(['l-3', 'l-4']);
    expect(second.bookmark).to.equal('');
    const byResource = await q.evaluate<Page<Rights>>('ListRightsByResource', 'jl-1', '100', '');
    expect(byResource.records.map((r) => r.rightsId)).to.deep.equal(['l-1', 'l-3', 'l-5']);
    expect(
      (await q.evaluate<Page<Rights>>('ListRightsByAssignee', 'HebeiLibraryMSP', '10', '')).records.map(
        (r) => r.rightsId,
      ),
    ).to.deep.equal(['l-5', 'l-6']);
    expect((await q.evaluate<Page<Rights>>('ListRightsByAssignee', 'public', '10', '')).records).to.deep.equal([]);
  });
});
