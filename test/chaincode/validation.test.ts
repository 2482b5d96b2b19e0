/** Every input rule, one row each: the error is [VALIDATION] and names the field by JSON pointer. */
import { expect } from 'chai';
import type { ResourceVersion } from '../../chaincode/src/records.js';
import { harness, rejects, type ActorName, type Arg, type Harness } from './harness.js';
import { grantInput, rawCidV1, versionInput } from './fixtures.js';

interface Row {
  readonly name: string;
  readonly as: ActorName;
  readonly fn: string;
  readonly args: () => Arg[];
  readonly submit?: boolean;
  readonly expect: string;
}

const base = versionInput('jl-valid', 'the payload');
const reg =
  (patch: Record<string, unknown>): (() => Arg[]) =>
  () => [{ ...base, ...patch }];
const without =
  (field: string): (() => Arg[]) =>
  () => {
    const copy: Record<string, unknown> = { ...base };
    delete copy[field];
    return [copy];
  };
const grantBase = grantInput({ rightsId: 'rv-1', target: { type: 'resource', id: 'jl-valid' } });
const grant =
  (patch: Record<string, unknown>): (() => Arg[]) =>
  () => [{ ...grantBase, ...patch }];
const window = (patch: Record<string, unknown>): (() => Arg[]) =>
  grant({ constraints: { ...grantBase.constraints, ...patch } });
const batch =
  (patch: Record<string, unknown>): (() => Arg[]) =>
  () => [{ batchId: 'b-valid', root: 'ab'.repeat(32), count: 3, ...patch }];
const receipt =
  (patch: Record<string, unknown>): (() => Arg[]) =>
  () => [{ resourceId: 'jl-valid', version: 1, cid: base.cid, sha256: base.sha256, sm3: base.sm3, ...patch }];

const ROWS: Row[] = [
  // RegisterVersion
  {
    name: 'input is not JSON',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: () => ['{not json'],
    expect: '/: expected a JSON document',
  },
  {
    name: 'input is not an object',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: () => ['[1]'],
    expect: '/: expected an object',
  },
  {
    name: 'unknown property',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ colour: 'red' }),
    expect: '/colour: expected no such property',
  },
  {
    name: 'resourceId missing',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: without('resourceId'),
    expect: '/resourceId: expected an id',
  },
  {
    name: 'resourceId with a space',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ resourceId: 'a b' }),
    expect: '/resourceId: expected an id',
  },
  {
    name: 'resourceId starting with a dot',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ resourceId: '.a' }),
    expect: '/resourceId',
  },
  {
    name: 'resourceId of 129 chars',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ resourceId: 'a'.repeat(129) }),
    expect: '/resourceId',
  },
  {
    name: 'cid not a CID',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ cid: 'hello' }),
    expect: "/cid: expected a CIDv0 ('Qm…') or base32 CIDv1",
  },
  {
    name: 'cid with a bad multihash length',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ cid: base.cid.slice(0, -4) }),
    expect: '/cid',
  },
  {
    name: 'cid in upper-case base32',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ cid: base.cid.toUpperCase() }),
    expect: '/cid',
  },
  {
    name: 'cid v0 with a bad character',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ cidProfile: 'kubo-legacy', cid: `Qm${'0'.repeat(44)}` }),
    expect: '/cid',
  },
  {
    name: 'cidProfile unknown',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ cidProfile: 'kubo-v2' }),
    expect: '/cidProfile: expected one of kubo-v1, kubo-legacy, unixfs-v1-2025',
  },
  {
    name: 'sha256 upper-case',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ sha256: base.sha256.toUpperCase() }),
    expect: '/sha256: expected 64 lowercase hex digits',
  },
  {
    name: 'sha256 too short',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ sha256: 'ab' }),
    expect: '/sha256',
  },
  {
    name: 'sm3 missing',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: without('sm3'),
    expect: '/sm3: expected 64 lowercase hex digits',
  },
  {
    name: 'size negative',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ size: -1 }),
    expect: '/size: expected an integer from 0',
  },
  { name: 'size fractional', as: 'jilin.operator', fn: 'RegisterVersion', args: reg({ size: 1.5 }), expect: '/size' },
  { name: 'size as a string', as: 'jilin.operator', fn: 'RegisterVersion', args: reg({ size: '10' }), expect: '/size' },
  {
    name: 'size beyond 2^53',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ size: 2 ** 53 }),
    expect: '/size',
  },
  {
    name: 'mediaType without subtype',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ mediaType: 'text' }),
    expect: '/mediaType: expected a media type',
  },
  {
    name: 'metadataHash not hex',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ metadataHash: 'z'.repeat(64) }),
    expect: '/metadataHash',
  },
  {
    name: 'metadataCid not a CID',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ metadataCid: 'nope' }),
    expect: '/metadataCid',
  },
  {
    name: 'derivedFrom not an array',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ derivedFrom: {} }),
    expect: '/derivedFrom: expected an array',
  },
  {
    name: 'derivedFrom version 0',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ derivedFrom: [{ resourceId: 'jl-valid', version: 0 }] }),
    expect: '/derivedFrom/0/version: expected an integer from 1',
  },
  {
    name: 'derivedFrom extra property',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ derivedFrom: [{ resourceId: 'jl-valid', version: 1, x: 1 }] }),
    expect: '/derivedFrom/0/x',
  },
  {
    name: 'derivedFrom of 65 refs',
    as: 'jilin.operator',
    fn: 'RegisterVersion',
    args: reg({ derivedFrom: Array.from({ length: 65 }, () => ({ resourceId: 'jl-valid', version: 1 })) }),
    expect: '/derivedFrom: expected an array of 0 to 64 items',
  },
  {
    name: 'RegisterVersions of 1001',
    as: 'jilin.operator',
    fn: 'RegisterVersions',
    args: () => [Array.from({ length: 1001 }, () => base)],
    expect: '/: expected an array of 1 to 1000 items',
  },
  {
    name: 'RegisterVersions empty',
    as: 'jilin.operator',
    fn: 'RegisterVersions',
    args: () => [[]],
    expect: '/: expected an array of 1 to 1000 items',
  },
  {
    name: 'RegisterVersions not an array',
    as: 'jilin.operator',
    fn: 'RegisterVersions',
    args: () => [base],
    expect: '/: expected an array',
  },
  {
    name: 'RegisterVersions item',
    as: 'jilin.operator',
    fn: 'RegisterVersions',
    args: () => [[base, { ...base, size: 'x' }]],
    expect: '/1/size',
  },
  // AnchorBatch
  {
    name: 'batch root not hex',
    as: 'jilin.operator',
    fn: 'AnchorBatch',
    args: batch({ root: 'xy' }),
    expect: '/root: expected 64 lowercase hex digits',
  },
  {
    name: 'batch count 0',
    as: 'jilin.operator',
    fn: 'AnchorBatch',
    args: batch({ count: 0 }),
    expect: '/count: expected an integer from 1',
  },
  {
    name: 'batch id bad',
    as: 'jilin.operator',
    fn: 'AnchorBatch',
    args: batch({ batchId: 'a/b' }),
    expect: '/batchId',
  },
  {
    name: 'batch kind bad',
    as: 'jilin.operator',
    fn: 'AnchorBatch',
    args: batch({ kind: 'Index Records' }),
    expect: '/kind: expected a kind',
  },
  {
    name: 'batch parent bad',
    as: 'jilin.operator',
    fn: 'AnchorBatch',
    args: batch({ parent: { resourceId: 'jl-valid' } }),
    expect: '/parent/version',
  },
  {
    name: 'AnchorBatches item',
    as: 'jilin.operator',
    fn: 'AnchorBatches',
    args: () => [
      [
        { batchId: 'b1', root: 'ab'.repeat(32), count: 1 },
        { batchId: 'b2', root: 'ab'.repeat(32) },
      ],
    ],
    expect: '/1/count',
  },
  // GrantRights
  {
    name: 'rightsId bad',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ rightsId: '' }),
    expect: '/rightsId',
  },
  {
    name: 'target type unknown',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ target: { type: 'shelf', id: 'x' } }),
    expect: '/target/type: expected one of resource, batch, collection',
  },
  {
    name: 'target id bad',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ target: { type: 'resource', id: 'a b' } }),
    expect: '/target/id',
  },
  {
    name: 'rightsholder empty',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ rightsholder: '' }),
    expect: '/rightsholder: expected a string of 1 to 256 characters',
  },
  {
    name: 'rightsholder too long',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ rightsholder: 'x'.repeat(257) }),
    expect: '/rightsholder',
  },
  {
    name: 'purpose empty',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ purpose: '' }),
    expect: '/constraints/purpose: expected a string of 1 to 256 characters',
  },
  {
    name: 'assignee bad',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ assignee: 'Nobody Org' }),
    expect: '/assignee: expected an MSP id',
  },
  {
    name: 'actions empty',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ actions: [] }),
    expect: '/actions: expected an array of 1 to 6 items',
  },
  {
    name: 'action not ODRL',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ actions: ['display', 'sell'] }),
    expect: '/actions/1: expected one of reproduce, distribute, display, play, derive, archive',
  },
  {
    name: 'action twice',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ actions: ['display', 'display'] }),
    expect: '/actions/1: expected each action at most once',
  },
  {
    name: 'notBefore not a date',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ notBefore: 'yesterday' }),
    expect: '/constraints/notBefore: expected an RFC 3339 date-time',
  },
  {
    name: 'notBefore without zone',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ notBefore: '2026-01-01T00:00:00' }),
    expect: '/constraints/notBefore',
  },
  {
    name: 'notBefore 30 February',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ notBefore: '2026-02-30T00:00:00Z' }),
    expect: '/constraints/notBefore',
  },
  {
    name: 'notAfter missing',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ constraints: { notBefore: '2026-01-01T00:00:00Z' } }),
    expect: '/constraints/notAfter: expected a date-time, or null',
  },
  {
    name: 'notAfter equal to notBefore',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ notBefore: '2026-01-01T08:00:00+08:00', notAfter: '2026-01-01T00:00:00Z' }),
    expect: '/constraints/notAfter: expected a date-time after notBefore',
  },
  {
    name: 'notAfter before notBefore',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ notBefore: '2026-01-02T00:00:00Z', notAfter: '2026-01-01T00:00:00Z' }),
    expect: '/constraints/notAfter',
  },
  {
    name: 'territory bad',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ territory: 'China' }),
    expect: '/constraints/territory: expected an ISO 3166 code',
  },
  {
    name: 'constraints extra',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: window({ fee: 10 }),
    expect: '/constraints/fee',
  },
  {
    name: 'basis unknown',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ basis: 'goodwill' }),
    expect: '/basis: expected one of copyright, licence, statute, policy',
  },
  {
    name: 'licenceDigest bad',
    as: 'jilin.rights-admin',
    fn: 'GrantRights',
    args: grant({ licenceDigest: 'abc' }),
    expect: '/licenceDigest',
  },
  // RevokeRights
  {
    name: 'revoke without reason',
    as: 'jilin.rights-admin',
    fn: 'RevokeRights',
    args: () => ['rv-1', ''],
    expect: '/reason: expected a string of 1 to 2048 characters',
  },
  {
    name: 'revoke bad id',
    as: 'jilin.rights-admin',
    fn: 'RevokeRights',
    args: () => ['a b', 'why'],
    expect: '/rightsId',
  },
  // RecordReceipt
  {
    name: 'receipt version 0',
    as: 'nlc.warehouse',
    fn: 'RecordReceipt',
    args: receipt({ version: 0 }),
    expect: '/version: expected an integer from 1',
  },
  { name: 'receipt cid bad', as: 'nlc.warehouse', fn: 'RecordReceipt', args: receipt({ cid: 'x' }), expect: '/cid' },
  {
    name: 'receipt sm3 missing',
    as: 'nlc.warehouse',
    fn: 'RecordReceipt',
    args: receipt({ sm3: undefined }),
    expect: '/sm3',
  },
  // queries
  {
    name: 'GetVersion version not a number',
    as: 'jilin.auditor',
    fn: 'GetVersion',
    submit: false,
    args: () => ['jl-valid', 'one'],
    expect: '/version: expected an integer from 1',
  },
  {
    name: 'GetVersion version 0',
    as: 'jilin.auditor',
    fn: 'GetVersion',
    submit: false,
    args: () => ['jl-valid', '0'],
    expect: '/version',
  },
  {
    name: 'GetResource bad id',
    as: 'jilin.auditor',
    fn: 'GetResource',
    submit: false,
    args: () => ['../etc'],
    expect: '/resourceId',
  },
  {
    name: 'GetHistory unknown kind',
    as: 'jilin.auditor',
    fn: 'GetHistory',
    submit: false,
    args: () => ['version', 'jl-valid'],
    expect: '/kind: expected one of resource, rights, batch',
  },
  {
    name: 'page size 0',
    as: 'jilin.auditor',
    fn: 'ListResourcesByOwner',
    submit: false,
    args: () => ['JilinLibraryMSP', '0', ''],
    expect: '/pageSize: expected an integer from 1 to 1000',
  },
  {
    name: 'page size 1001',
    as: 'jilin.auditor',
    fn: 'ListResourcesByOwner',
    submit: false,
    args: () => ['JilinLibraryMSP', '1001', ''],
    expect: '/pageSize',
  },
  {
    name: 'page size not a number',
    as: 'jilin.auditor',
    fn: 'ListRightsByAssignee',
    submit: false,
    args: () => ['NLCMSP', 'ten', ''],
    expect: '/pageSize',
  },
  {
    name: 'bookmark absurdly long',
    as: 'jilin.auditor',
    fn: 'ListResourcesByOwner',
    submit: false,
    args: () => ['JilinLibraryMSP', '10', 'x'.repeat(4097)],
    expect: '/bookmark: expected a bookmark returned by a previous page',
  },
  {
    name: 'owner not an MSP id',
    as: 'jilin.auditor',
    fn: 'ListResourcesByOwner',
    submit: false,
    args: () => ['Jilin Library', '10', ''],
    expect: '/owner',
  },
  {
    name: 'IsAuthorized unknown action',
    as: 'jilin.auditor',
    fn: 'IsAuthorized',
    submit: false,
    args: () => ['jl-valid', 'NLCMSP', 'sell', ''],
    expect: '/action: expected one of reproduce',
  },
  {
    name: 'IsAuthorized bad org',
    as: 'jilin.auditor',
    fn: 'IsAuthorized',
    submit: false,
    args: () => ['jl-valid', 'N L C', 'display', ''],
    expect: '/org',
  },
  {
    name: 'IsAuthorized bad instant',
    as: 'jilin.auditor',
    fn: 'IsAuthorized',
    submit: false,
    args: () => ['jl-valid', 'NLCMSP', 'display', '2026-13-01T00:00:00Z'],
    expect: '/at: expected an RFC 3339 date-time',
  },
  {
    name: 'unknown transaction',
    as: 'jilin.operator',
    fn: 'DeleteEverything',
    args: () => [],
    expect: '/fn: expected a transaction of contract shulian, got "DeleteEverything"',
  },
];

describe('chaincode: input validation', function () {
  let h: Harness;
  before(async () => {
    h = await harness();
    // a resource, so that rows fail on syntax and not on missing state
    await h.as('jilin.operator').submit('RegisterVersion', base);
  });
  after(() => h.close());

  for (const row of ROWS) {
    it(`${row.fn}: ${row.name} -> ${row.expect}`, async () => {
      const actor = h.as(row.as);
      const call = row.submit === false ? actor.evaluate(row.fn, ...row.args()) : actor.submit(row.fn, ...row.args());
      await rejects(call, 'VALIDATION', row.expect);
    });
  }

  it('nothing above was written: one resource, one version, one event', async () => {
    const versions = await h.as('jilin.auditor').evaluate<ResourceVersion[]>('ListVersions', 'jl-valid');
    expect(versions).to.have.length(1);
    expect(await h.events()).to.have.length(1);
  });

  it('accepts the edges: 128-char id, size 0, media type parameters, offsets in dates', async () => {
    const op = h.as('jilin.operator');
    const longId = `A${'b'.repeat(127)}`;
    const empty = {
      ...versionInput(longId, ''),
      size: 0,
      mediaType: 'application/vnd.shulian.record+json; profile="x y"',
    };
    expect(empty.cid).to.equal(rawCidV1(new Uint8Array()));
    const v = await op.submit<ResourceVersion>('RegisterVersion', empty);
    expect(v.resourceId).to.equal(longId);
    const r = await h
      .as('jilin.rights-admin')
      .submit<{ constraints: { notBefore: string; notAfter: string } }>('GrantRights', {
        ...grantBase,
        rightsId: 'rv-edge',
        constraints: {
          notBefore: '2026-01-01T08:00:00+08:00',
          notAfter: '2026-12-31T23:59:59.5Z',
          territory: 'CN-22',
          purpose: 'preservation',
        },
      });
    // stored normalised to UTC with millisecond precision
    expect(r.constraints).to.deep.equal({
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2026-12-31T23:59:59.500Z',
      territory: 'CN-22',
      purpose: 'preservation',
    });
  });
});
