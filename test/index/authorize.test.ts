import { expect } from 'chai';
import { openIndex, type LocalIndex } from '../../node/index/index.js';
import { NotFoundError, ValidationError } from '../../node/core/index.js';
import type { Action } from '../../node/index/records.js';
import { ChainFixture } from './fixtures.js';

describe('index: isAuthorized answers as the chaincode does', () => {
  let index: LocalIndex;
  let revokedAt: string;
  let withdrawnAt: string;

  before(() => {
    index = openIndex({ path: ':memory:' });
    const chain = new ChainFixture(2);
    chain.register([{ id: 'lunyu' }, { id: 'tongzhi' }, { id: 'other', owner: 'NLCMSP' }]);
    chain.grant({
      rightsId: 'b-res',
      target: { type: 'resource', id: 'lunyu' },
      assignee: 'NLCMSP',
      actions: ['reproduce', 'archive'],
    });
    chain.grant({
      rightsId: 'a-res',
      target: { type: 'resource', id: 'lunyu' },
      assignee: 'NLCMSP',
      actions: ['reproduce'],
    });
    chain.grant({
      rightsId: 'pub',
      target: { type: 'collection', id: 'JilinLibraryMSP' },
      assignee: 'public',
      actions: ['display'],
      constraints: { notBefore: '2026-02-01T00:00:00Z', notAfter: null },
    });
    const t = chain.grant({
      rightsId: 'tz',
      target: { type: 'resource', id: 'tongzhi' },
      assignee: 'ShanghaiLibraryMSP',
      actions: ['distribute'],
    });
    revokedAt = chain.revoke(t).revoked ?? '';
    chain.grant({
      rightsId: 'tz2',
      target: { type: 'resource', id: 'tongzhi' },
      assignee: 'NLCMSP',
      actions: ['archive'],
      constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter: null },
    });
    withdrawnAt = chain.withdraw('tongzhi', 1, 'legal').timestamp;
    index.apply(chain.events);
  });
  after(() => index.close());

  const cases: [string, string, Action, string, boolean, string | null, RegExp][] = [
    [
      'lunyu',
      'NLCMSP',
      'reproduce',
      '2026-06-01T00:00:00Z',
      true,
      'a-res',
      /resource-level rights a-res \(assignee NLCMSP\) permit reproduce/,
    ],
    ['lunyu', 'NLCMSP', 'archive', '2026-06-01T00:00:00Z', true, 'b-res', /permit archive/],
    [
      'lunyu',
      'NLCMSP',
      'derive',
      '2026-06-01T00:00:00Z',
      false,
      null,
      /a-res .* do not permit derive; .*b-res .* do not permit derive/,
    ],
    ['lunyu', 'NLCMSP', 'reproduce', '2025-12-31T23:59:59Z', false, null, /not in force before 2026-01-01T00:00:00Z/],
    ['lunyu', 'NLCMSP', 'reproduce', '2027-01-01T00:00:00Z', false, null, /expired at 2027-01-01T00:00:00Z/],
    [
      'lunyu',
      'NLCMSP',
      'display',
      '2026-06-01T00:00:00Z',
      true,
      'pub',
      /collection-level rights pub \(assignee public\) permit display/,
    ],
    ['lunyu', 'GuangdongLibraryMSP', 'display', '2030-06-01T00:00:00Z', true, 'pub', /permit display/],
    [
      'lunyu',
      'GuangdongLibraryMSP',
      'reproduce',
      '2026-06-01T00:00:00Z',
      false,
      null,
      /pub .* do not permit reproduce/,
    ],
    ['lunyu', 'GuangdongLibraryMSP', 'display', '2026-01-15T00:00:00Z', false, null, /not in force before 2026-02-01/],
    [
      'other',
      'NLCMSP',
      'display',
      '2026-06-01T00:00:00Z',
      false,
      null,
      /^no rights record grants display on other to NLCMSP at 2026-06-01T00:00:00.000Z$/,
    ],
  ];
  for (const [resourceId, org, action, at, authorized, rightsId, reason] of cases) {
    it(`${org} ${action} ${resourceId} at ${at}: ${authorized ? `yes, by ${rightsId}` : 'no'}`, () => {
      const answer = index.isAuthorized({ resourceId, org, action, at });
      expect(answer.authorized).to.equal(authorized);
      expect(answer.rightsId).to.equal(rightsId);
      expect(answer.reason).to.match(reason);
    });
  }

  it('honours a revocation from its timestamp on, and says so before it', () => {
    const before = index.isAuthorized({
      resourceId: 'tongzhi',
      org: 'ShanghaiLibraryMSP',
      action: 'distribute',
      at: '2026-03-01T08:00:00Z',
    });
    expect(before).to.deep.include({ authorized: true, rightsId: 'tz' });
    expect(before.reason).to.include(`they were revoked later, at ${revokedAt}`);
    const afterRevocation = new Date(Date.parse(revokedAt) + 1000).toISOString();
    const after = index.isAuthorized({
      resourceId: 'tongzhi',
      org: 'ShanghaiLibraryMSP',
      action: 'distribute',
      at: afterRevocation,
    });
    expect(after.authorized).to.equal(false);
    expect(after.reason).to.include(`were revoked at ${revokedAt}`);
  });

  it('ends every authorisation at a withdrawal', () => {
    const justBefore = new Date(Date.parse(withdrawnAt) - 1000).toISOString();
    expect(
      index.isAuthorized({ resourceId: 'tongzhi', org: 'NLCMSP', action: 'archive', at: justBefore }),
    ).to.deep.include({ authorized: true, rightsId: 'tz2' });
    expect(
      index.isAuthorized({ resourceId: 'tongzhi', org: 'NLCMSP', action: 'archive', at: withdrawnAt }),
    ).to.deep.equal({
      authorized: false,
      rightsId: null,
      reason: `resource tongzhi was withdrawn at ${withdrawnAt} (legal)`,
    });
  });

  it('rejects an unknown resource, action or instant with a clear error', () => {
    expect(() => index.isAuthorized({ resourceId: 'missing', org: 'NLCMSP', action: 'display' })).to.throw(
      NotFoundError,
      /missing/,
    );
    expect(() => index.isAuthorized({ resourceId: 'lunyu', org: 'NLCMSP', action: 'sell' as Action })).to.throw(
      ValidationError,
      /\/action/,
    );
    expect(() => index.isAuthorized({ resourceId: 'lunyu', org: 'NLCMSP', action: 'display', at: 'soon' })).to.throw(
      ValidationError,
      /\/at/,
    );
  });
});
