/** Copyright authorisations: grant, revoke, and whether an org may do something at a given instant. */
import type { ShulianContext } from './context';
import { requireOrg, type Caller } from './access';
import { at, conflict, invalid, notFound } from './errors';
import { assigneeIndexKey, rightsKey, targetIndexKey, termsCollection, termsKey, TYPES } from './keys';
import { emit, read, sha256Hex, txTime, write, writeIndex, type Stored } from './state';
import { keyPage, keysUnder, pageArgs } from './iterate';
import { getBatch } from './batches';
import { getResource, getWithdrawal, mustGetResource } from './resources';
import * as v from './validate';
import {
  EVENTS,
  SCHEMA_VERSION,
  type Action,
  type Authorization,
  type GrantRightsInput,
  type Page,
  type Rights,
  type RightsBasis,
  type RightsConstraints,
  type RightsTarget,
} from './records';

export const ACTIONS: readonly Action[] = ['reproduce', 'distribute', 'display', 'play', 'derive', 'archive'];
export const BASES: readonly RightsBasis[] = ['copyright', 'licence', 'statute', 'policy'];
export const PUBLIC = 'public';
export const TERMS_TRANSIENT_KEY = 'terms';
const MAX_TERMS_BYTES = 1024 * 1024;
const TARGET_TYPES: readonly RightsTarget['type'][] = ['resource', 'batch', 'collection'];
const TERRITORY = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

function assignee(value: v.Json | undefined, pointer: string): string {
  return value === PUBLIC ? PUBLIC : v.mspId(value, pointer);
}

export function parseGrantInput(value: v.Json | undefined): GrantRightsInput {
  const o = v.object(value, '', [
    'rightsId',
    'target',
    'rightsholder',
    'assignee',
    'actions',
    'constraints',
    'basis',
    'licenceDigest',
  ]);
  const t = v.object(o.target, '/target', ['type', 'id']);
  const type = v.oneOf(t.type, '/target/type', TARGET_TYPES);
  const target: RightsTarget = {
    type,
    id: type === 'collection' ? v.mspId(t.id, '/target/id') : v.id(t.id, '/target/id'),
  };

  const actions = v
    .array(o.actions, '/actions', 1, ACTIONS.length)
    .map((a, i) => v.oneOf(a, at('/actions', i), ACTIONS));
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (seen.has(a)) throw invalid(at('/actions', i), 'each action at most once', a);
    seen.add(a);
  });

  const c = v.object(o.constraints, '/constraints', ['notBefore', 'notAfter', 'territory', 'purpose']);
  const notBefore = v.isoDateTime(c.notBefore, '/constraints/notBefore');
  if (c.notAfter === undefined) throw invalid('/constraints/notAfter', 'a date-time, or null for no end');
  const notAfter = v.optional(c.notAfter, (n) => v.isoDateTime(n, '/constraints/notAfter'));
  if (notAfter !== null && Date.parse(notAfter) <= Date.parse(notBefore)) {
    throw invalid('/constraints/notAfter', `a date-time after notBefore (${notBefore})`, notAfter);
  }
  const territory = v.optional(c.territory, (x) => {
    if (typeof x !== 'string' || !TERRITORY.test(x))
      throw invalid('/constraints/territory', 'an ISO 3166 code such as CN or CN-22', x);
    return x;
  });
  const purpose = v.optional(c.purpose, (x) => v.string(x, '/constraints/purpose', 1, 256));
  const constraints: RightsConstraints = {
    notBefore,
    notAfter,
    ...(territory === null ? {} : { territory }),
    ...(purpose === null ? {} : { purpose }),
  };
  const licenceDigest = v.optional(o.licenceDigest, (d) => v.hex64(d, '/licenceDigest'));
  return {
    rightsId: v.id(o.rightsId, '/rightsId'),
    target,
    rightsholder: v.string(o.rightsholder, '/rightsholder', 1, 256),
    assignee: assignee(o.assignee, '/assignee'),
    actions,
    constraints,
    basis: v.oneOf(o.basis, '/basis', BASES),
    ...(licenceDigest === null ? {} : { licenceDigest }),
  };
}

/** The owner of what a grant targets; only that org may grant rights on it. */
async function targetOwner(ctx: ShulianContext, target: RightsTarget): Promise<string> {
  if (target.type === 'collection') return target.id;
  if (target.type === 'resource') {
    const resource = await mustGetResource(ctx, target.id);
    if (resource.record.status === 'withdrawn')
      throw conflict(`resource ${target.id} is withdrawn and accepts no grants`);
    return resource.record.owner;
  }
  const batch = await getBatch(ctx, target.id);
  if (!batch) throw notFound(`batch ${target.id} does not exist`);
  const parent = batch.record.parent;
  if (parent) {
    const resource = await getResource(ctx, parent.resourceId);
    if (resource?.record.status === 'withdrawn') {
      throw conflict(`batch ${target.id} belongs to withdrawn resource ${parent.resourceId} and accepts no grants`);
    }
  }
  return batch.record.owner;
}

function readTerms(ctx: ShulianContext, grant: GrantRightsInput): Uint8Array | null {
  const transient = ctx.stub.getTransient();
  let terms: Uint8Array | null = null;
  for (const [key, value] of transient) {
    if (key !== TERMS_TRANSIENT_KEY)
      throw invalid(at('/transient', key), `no such transient field (allowed: ${TERMS_TRANSIENT_KEY})`);
    if (value.length === 0 || value.length > MAX_TERMS_BYTES) {
      throw invalid('/transient/terms', `1 to ${MAX_TERMS_BYTES} bytes of confidential terms`, `${value.length} bytes`);
    }
    terms = value;
  }
  if (terms !== null && grant.assignee === PUBLIC) {
    throw invalid('/transient/terms', 'no confidential terms for a public grant (terms are shared by two orgs)');
  }
  return terms;
}

export async function grantRights(ctx: ShulianContext, who: Caller, grant: GrantRightsInput): Promise<Stored<Rights>> {
  const terms = readTerms(ctx, grant);
  const owner = await targetOwner(ctx, grant.target);
  requireOrg(who, owner, `${grant.target.type} ${grant.target.id}`);
  const key = rightsKey(ctx, grant.rightsId);
  if (await read<Rights>(ctx, key))
    throw conflict(`rights ${grant.rightsId} already exist; a new grant needs a new rightsId`);
  let termsDigest: string | null = null;
  if (terms !== null) {
    termsDigest = sha256Hex(terms);
    await ctx.stub.putPrivateData(termsCollection(who.mspId, grant.assignee), termsKey(ctx, grant.rightsId), terms);
  }
  const time = txTime(ctx);
  const record: Rights = {
    schemaVersion: SCHEMA_VERSION,
    docType: 'rights',
    rightsId: grant.rightsId,
    target: { type: grant.target.type, id: grant.target.id },
    rightsholder: grant.rightsholder,
    assigner: who.mspId,
    assignee: grant.assignee,
    actions: [...grant.actions],
    constraints: grant.constraints,
    basis: grant.basis,
    licenceDigest: grant.licenceDigest ?? null,
    termsDigest,
    status: 'granted',
    reason: null,
    grantedTxId: ctx.stub.getTxID(),
    granted: time,
    revokedTxId: null,
    revoked: null,
  };
  const stored = await write(ctx, key, record);
  await writeIndex(ctx, assigneeIndexKey(ctx, grant.assignee, grant.rightsId));
  await writeIndex(ctx, targetIndexKey(ctx, grant.target.type, grant.target.id, grant.rightsId));
  emit(ctx, EVENTS.rightsGranted, [stored]);
  return stored;
}

/** Revocation is final: it takes effect at its transaction's timestamp and cannot be undone. */
export async function revokeRights(
  ctx: ShulianContext,
  who: Caller,
  rightsIdArg: string,
  reasonArg: string,
): Promise<Stored<Rights>> {
  const rightsId = v.id(rightsIdArg, '/rightsId');
  const reason = v.string(reasonArg, '/reason', 1, 2048);
  const found = await mustGetRights(ctx, rightsId);
  requireOrg(who, found.record.assigner, `rights ${rightsId}`);
  if (found.record.status === 'revoked') {
    throw conflict(
      `rights ${rightsId} were already revoked at ${found.record.revoked ?? '?'}; revocation cannot be undone or repeated`,
    );
  }
  const record: Rights = {
    ...found.record,
    status: 'revoked',
    reason,
    revokedTxId: ctx.stub.getTxID(),
    revoked: txTime(ctx),
  };
  const stored = await write(ctx, rightsKey(ctx, rightsId), record);
  emit(ctx, EVENTS.rightsRevoked, [stored]);
  return stored;
}

export async function getRights(ctx: ShulianContext, rightsId: string): Promise<Stored<Rights> | undefined> {
  return read<Rights>(ctx, rightsKey(ctx, rightsId));
}

async function mustGetRights(ctx: ShulianContext, rightsId: string): Promise<Stored<Rights>> {
  const found = await getRights(ctx, rightsId);
  if (!found) throw notFound(`rights ${rightsId} do not exist`);
  return found;
}

/** Why one rights record does or does not authorise `action` for `org` at `atMs`; null = not addressed to org. */
function judge(
  rights: Rights,
  org: string,
  action: Action,
  atMs: number,
  atIso: string,
): { ok: boolean; reason: string } | null {
  if (rights.assignee !== org && rights.assignee !== PUBLIC) return null;
  const scope = `${rights.target.type}-level rights ${rights.rightsId} (assignee ${rights.assignee})`;
  if (!rights.actions.includes(action)) return { ok: false, reason: `${scope} do not permit ${action}` };
  const { notBefore, notAfter } = rights.constraints;
  if (atMs < Date.parse(notBefore)) return { ok: false, reason: `${scope} are not in force before ${notBefore}` };
  if (notAfter !== null && atMs >= Date.parse(notAfter))
    return { ok: false, reason: `${scope} expired at ${notAfter}` };
  if (rights.revoked !== null && atMs >= Date.parse(rights.revoked)) {
    return { ok: false, reason: `${scope} were revoked at ${rights.revoked}` };
  }
  const later = rights.revoked !== null ? `; they were revoked later, at ${rights.revoked}` : '';
  return { ok: true, reason: `${scope} permit ${action} at ${atIso}${later}` };
}

/**
 * Whether `org` may perform `action` on a resource at instant `at` (the transaction's time if '').
 * Considered: grants on the resource itself and on its owner's whole collection, addressed to `org`
 * or to `public`, permitting the action, with notBefore <= at < notAfter. A revocation takes effect
 * at its transaction's timestamp: an instant before it was authorised then, and still reads so.
 * A withdrawal likewise ends every authorisation from its timestamp on.
 */
export async function isAuthorized(
  ctx: ShulianContext,
  resourceIdArg: string,
  orgArg: string,
  actionArg: string,
  atArg: string,
): Promise<Authorization> {
  const resourceId = v.id(resourceIdArg, '/resourceId');
  const org = assignee(orgArg, '/org');
  const action = v.oneOf(actionArg, '/action', ACTIONS);
  const atIso = atArg === '' ? txTime(ctx) : v.isoDateTime(atArg, '/at');
  const atMs = Date.parse(atIso);
  const resource = await mustGetResource(ctx, resourceId);
  const withdrawal = await getWithdrawal(ctx, resourceId);
  if (withdrawal && atMs >= Date.parse(withdrawal.record.timestamp)) {
    return {
      authorized: false,
      rightsId: null,
      reason: `resource ${resourceId} was withdrawn at ${withdrawal.record.timestamp} (${withdrawal.record.reasonCode})`,
    };
  }
  const keys = [
    ...(await keysUnder(ctx, TYPES.byTarget, ['resource', resourceId])),
    ...(await keysUnder(ctx, TYPES.byTarget, ['collection', resource.record.owner])),
  ];
  const misses: string[] = [];
  for (const key of keys) {
    const rightsId = ctx.stub.splitCompositeKey(key).attributes[2];
    const found = rightsId === undefined ? undefined : await getRights(ctx, rightsId);
    if (!found) continue;
    const verdict = judge(found.record, org, action, atMs, atIso);
    if (verdict === null) continue;
    if (verdict.ok) return { authorized: true, rightsId: found.record.rightsId, reason: verdict.reason };
    misses.push(verdict.reason);
  }
  const none = `no rights record grants ${action} on ${resourceId} to ${org} at ${atIso}`;
  return { authorized: false, rightsId: null, reason: misses.length === 0 ? none : `${none}: ${misses.join('; ')}` };
}

async function rightsPage(
  ctx: ShulianContext,
  objectType: string,
  attributes: string[],
  pageSize: string,
  bookmark: string,
): Promise<Page<Rights>> {
  const page = await keyPage(ctx, objectType, attributes, pageArgs(pageSize, bookmark));
  const records: Rights[] = [];
  for (const key of page.keys) {
    const attrs = ctx.stub.splitCompositeKey(key).attributes;
    const rightsId = attrs[attrs.length - 1];
    const found = rightsId === undefined ? undefined : await getRights(ctx, rightsId);
    if (found) records.push(found.record);
  }
  return { records, bookmark: page.bookmark, fetchedRecordsCount: page.fetchedRecordsCount };
}

export async function listRightsByAssignee(
  ctx: ShulianContext,
  assigneeArg: string,
  pageSize: string,
  bookmark: string,
): Promise<Page<Rights>> {
  return rightsPage(ctx, TYPES.byAssignee, [assignee(assigneeArg, '/assignee')], pageSize, bookmark);
}

export async function listRightsByResource(
  ctx: ShulianContext,
  resourceIdArg: string,
  pageSize: string,
  bookmark: string,
): Promise<Page<Rights>> {
  return rightsPage(ctx, TYPES.byTarget, ['resource', v.id(resourceIdArg, '/resourceId')], pageSize, bookmark);
}
