/**
 * World-state keys. Everything is a composite key, so every list is a key range and the chaincode
 * runs unchanged on LevelDB and CouchDB (no rich queries).
 */
import type { ShulianContext } from './context';

const VERSION_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits: padded numbers sort as numbers

export const TYPES = {
  resource: 'shulian.resource',
  version: 'shulian.version',
  withdrawal: 'shulian.withdrawal',
  batch: 'shulian.batch',
  rights: 'shulian.rights',
  receipt: 'shulian.receipt',
  terms: 'shulian.terms',
  byOwner: 'shulian.idx.owner-resource',
  byAssignee: 'shulian.idx.assignee-rights',
  byTarget: 'shulian.idx.target-rights',
} as const;

export function versionToken(version: number): string {
  return String(version).padStart(VERSION_DIGITS, '0');
}

export function resourceKey(ctx: ShulianContext, resourceId: string): string {
  return ctx.stub.createCompositeKey(TYPES.resource, [resourceId]);
}

export function versionKey(ctx: ShulianContext, resourceId: string, version: number): string {
  return ctx.stub.createCompositeKey(TYPES.version, [resourceId, versionToken(version)]);
}

export function withdrawalKey(ctx: ShulianContext, resourceId: string): string {
  return ctx.stub.createCompositeKey(TYPES.withdrawal, [resourceId]);
}

export function batchKey(ctx: ShulianContext, batchId: string): string {
  return ctx.stub.createCompositeKey(TYPES.batch, [batchId]);
}

export function rightsKey(ctx: ShulianContext, rightsId: string): string {
  return ctx.stub.createCompositeKey(TYPES.rights, [rightsId]);
}

export function receiptKey(ctx: ShulianContext, resourceId: string, version: number, warehouse: string): string {
  return ctx.stub.createCompositeKey(TYPES.receipt, [resourceId, versionToken(version), warehouse]);
}

export function termsKey(ctx: ShulianContext, rightsId: string): string {
  return ctx.stub.createCompositeKey(TYPES.terms, [rightsId]);
}

export function ownerIndexKey(ctx: ShulianContext, owner: string, resourceId: string): string {
  return ctx.stub.createCompositeKey(TYPES.byOwner, [owner, resourceId]);
}

export function assigneeIndexKey(ctx: ShulianContext, assignee: string, rightsId: string): string {
  return ctx.stub.createCompositeKey(TYPES.byAssignee, [assignee, rightsId]);
}

export function targetIndexKey(ctx: ShulianContext, type: string, id: string, rightsId: string): string {
  return ctx.stub.createCompositeKey(TYPES.byTarget, [type, id, rightsId]);
}

/** The last attribute of a composite key (the id an index entry points at). */
export function lastAttribute(ctx: ShulianContext, key: string): string {
  const { attributes } = ctx.stub.splitCompositeKey(key);
  const last = attributes[attributes.length - 1];
  if (last === undefined) throw new Error(`malformed index key ${JSON.stringify(key)}`);
  return last;
}

/** Private data collection for confidential terms shared by one licensor and one licensee. */
export function termsCollection(assigner: string, assignee: string): string {
  return `terms-${assigner}-${assignee}`;
}
