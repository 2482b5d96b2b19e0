/** Who may do what: roles from the certificate's `shulian.role`, organisations from the MSP id. */
import { expect } from 'chai';
import type { Batch, Receipt, ResourceVersion, Rights, Withdrawal } from '../../chaincode/src/records.js';
import { ACTORS, harness, rejects, type ActorName, type Arg, type Harness } from './harness.js';
import { grantInput, versionInput } from './fixtures.js';

const EVERYONE = Object.keys(ACTORS) as ActorName[];

describe('chaincode: access rules', function () {
  let h: Harness;
  let v1: ResourceVersion;
  before(async () => {
    h = await harness();
    v1 = await h
      .as('jilin.operator')
      .submit<ResourceVersion>('RegisterVersion', versionInput('jl-a1', 'jilin content'));
    await h.as('jilin.operator').submit('AnchorBatch', { batchId: 'jl-b1', root: '11'.repeat(32), count: 4 });
    await h
      .as('jilin.rights-admin')
      .submit('GrantRights', grantInput({ rightsId: 'jl-r1', target: { type: 'resource', id: 'jl-a1' } }));
  });
  after(() => h.close());

  // fn, args, the roles that may call it at all
  const roleRules: { fn: string; args: () => Arg[]; allowed: readonly string[] }[] = [
    { fn: 'RegisterVersion', args: () => [versionInput('x-1', 'x')], allowed: ['operator'] },
    { fn: 'RegisterVersions', args: () => [[versionInput('x-1', 'x')]], allowed: ['operator'] },
    { fn: 'WithdrawResource', args: () => ['jl-a1', 'error', ''], allowed: ['operator'] },
    { fn: 'AnchorBatch', args: () => [{ batchId: 'x-b', root: '22'.repeat(32), count: 1 }], allowed: ['operator'] },
    { fn: 'AnchorBatches', args: () => [[{ batchId: 'x-b', root: '22'.repeat(32), count: 1 }]], allowed: ['operator'] },
    {
      fn: 'GrantRights',
      args: () => [grantInput({ rightsId: 'x-r', target: { type: 'resource', id: 'jl-a1' } })],
      allowed: ['rights-admin', 'operator'],
    },
    { fn: 'RevokeRights', args: () => ['jl-r1', 'x'], allowed: ['rights-admin', 'operator'] },
    {
      fn: 'RecordReceipt',
      args: () => [{ resourceId: 'jl-a1', version: 1, cid: v1.cid, sha256: v1.sha256, sm3: v1.sm3 }],
      allowed: ['warehouse'],
    },
  ];

  for (const rule of roleRules) {
    for (const name of EVERYONE) {
      const role = ACTORS[name].role as string | undefined;
      if (role !== undefined && rule.allowed.includes(role)) continue;
      it(`${rule.fn} is refused to ${name} (${role ?? 'no role'})`, async () => {
        const text = await rejects(
          h.as(name).submit(rule.fn, ...rule.args()),
          'ACCESS_DENIED',
          `${rule.fn} requires role ${rule.allowed.join(' or ')}`,
        );
        expect(text).to.include(role === undefined ? 'has no shulian.role attribute' : `has role ${role}`);
      });
    }
  }

  it('another org’s operator may not add versions to, withdraw or anchor under a resource it does not own', async () => {
    const hebei = h.as('hebei.operator');
    await rejects(
      hebei.submit('RegisterVersion', versionInput('jl-a1', 'hijack')),
      'ACCESS_DENIED',
      'resource jl-a1 belongs to JilinLibraryMSP; HebeiLibraryMSP may not change it',
    );
    await rejects(
      hebei.submit('WithdrawResource', 'jl-a1', 'error', ''),
      'ACCESS_DENIED',
      'belongs to JilinLibraryMSP',
    );
    await rejects(
      hebei.submit('AnchorBatch', {
        batchId: 'hb-b1',
        root: '33'.repeat(32),
        count: 1,
        parent: { resourceId: 'jl-a1', version: 1 },
      }),
      'ACCESS_DENIED',
      'belongs to JilinLibraryMSP',
    );
  });

  it('another org may not grant rights on what it does not own, nor revoke a grant it did not make', async () => {
    const hebei = h.as('hebei.rights-admin');
    await rejects(
      hebei.submit('GrantRights', grantInput({ rightsId: 'hb-r1', target: { type: 'resource', id: 'jl-a1' } })),
      'ACCESS_DENIED',
      'resource jl-a1 belongs to JilinLibraryMSP',
    );
    await rejects(
      hebei.submit('GrantRights', grantInput({ rightsId: 'hb-r2', target: { type: 'batch', id: 'jl-b1' } })),
      'ACCESS_DENIED',
      'batch jl-b1 belongs to JilinLibraryMSP',
    );
    await rejects(
      hebei.submit(
        'GrantRights',
        grantInput({ rightsId: 'hb-r3', target: { type: 'collection', id: 'JilinLibraryMSP' } }),
      ),
      'ACCESS_DENIED',
      'collection JilinLibraryMSP belongs to JilinLibraryMSP',
    );
    await rejects(
      hebei.submit('RevokeRights', 'jl-r1', 'mine now'),
      'ACCESS_DENIED',
      'rights jl-r1 belongs to JilinLibraryMSP',
    );
    await rejects(
      h.as('hebei.operator').submit('RevokeRights', 'jl-r1', 'mine now'),
      'ACCESS_DENIED',
      'rights jl-r1 belongs to JilinLibraryMSP',
    );
  });

  it('each org’s operator owns what it registers first; ids are global, the first registrant owns them', async () => {
    const hb = await h
      .as('hebei.operator')
      .submit<ResourceVersion>('RegisterVersion', versionInput('hb-a1', 'hebei content'));
    expect(hb.owner).to.equal('HebeiLibraryMSP');
    await rejects(
      h.as('jilin.operator').submit('RegisterVersion', versionInput('hb-a1', 'x')),
      'ACCESS_DENIED',
      'belongs to HebeiLibraryMSP',
    );
  });

  it('the allowed roles succeed: operator and rights-admin of the owner grant and revoke, the warehouse records a receipt', async () => {
    const byOperator = await h
      .as('jilin.operator')
      .submit<Rights>('GrantRights', grantInput({ rightsId: 'jl-r2', target: { type: 'batch', id: 'jl-b1' } }));
    expect(byOperator.assigner).to.equal('JilinLibraryMSP');
    expect((await h.as('jilin.rights-admin').submit<Rights>('RevokeRights', 'jl-r2', 'superseded')).status).to.equal(
      'revoked',
    );
    const receipt = await h.as('nlc.warehouse').submit<Receipt>('RecordReceipt', {
      resourceId: 'jl-a1',
      version: 1,
      cid: v1.cid,
      sha256: v1.sha256,
      sm3: v1.sm3,
    });
    expect(receipt.warehouse).to.equal('NLCMSP');
    const batch = await h
      .as('jilin.operator')
      .submit<Batch>('AnchorBatch', { batchId: 'jl-b2', root: '44'.repeat(32), count: 2 });
    expect(batch.owner).to.equal('JilinLibraryMSP');
  });

  it('every member of the channel may query, whatever its role (auditors read everything, write nothing)', async () => {
    for (const name of EVERYONE) {
      const q = h.as(name);
      expect((await q.evaluate<{ id: string }>('GetResource', 'jl-a1')).id).to.equal('jl-a1');
      expect(await q.evaluate<{ rightsId: string }>('GetRights', 'jl-r1')).to.include({ rightsId: 'jl-r1' });
      expect(await q.evaluate<{ authorized: boolean }>('IsAuthorized', 'jl-a1', 'NLCMSP', 'archive', '')).to.include({
        authorized: true,
      });
    }
  });

  it('last: the owner’s operator may withdraw', async () => {
    const w = await h
      .as('jilin.operator')
      .submit<Withdrawal>('WithdrawResource', 'jl-a1', 'superseded', 'replaced by jl-a2');
    expect(w.by.mspId).to.equal('JilinLibraryMSP');
  });
});
