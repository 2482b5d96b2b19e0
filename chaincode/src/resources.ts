/** Resources, their append-only versions and withdrawals. */
import type { ShulianContext } from './context';
import { identityOf, requireOrg, type Caller } from './access';
import { at, conflict, invalid, notFound } from './errors';
import { ownerIndexKey, resourceKey, TYPES, versionKey, withdrawalKey, lastAttribute } from './keys';
import { emit, read, sha256Hex, txTime, write, writeIndex, type Stored } from './state';
import { keyPage, keysUnder, pageArgs } from './iterate';
import * as v from './validate';
import {
  EVENTS,
  SCHEMA_VERSION,
  type CidProfile,
  type Page,
  type RegisterVersionInput,
  type Resource,
  type ResourceVersion,
  type VersionRef,
  type Withdrawal,
} from './records';

export const CID_PROFILES: readonly CidProfile[] = ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'];
export const WITHDRAWAL_REASONS = ['copyright-claim', 'error', 'duplicate', 'superseded', 'legal', 'other'] as const;
export const MAX_BATCH_INPUTS = 1000;
const MAX_DERIVED_FROM = 64;

const INPUT_FIELDS = [
  'resourceId',
  'cid',
  'cidProfile',
  'sha256',
  'sm3',
  'size',
  'mediaType',
  'metadataHash',
  'metadataCid',
  'derivedFrom',
] as const;

export function parseVersionRef(value: v.Json | undefined, pointer: string): VersionRef {
  const o = v.object(value, pointer, ['resourceId', 'version']);
  return {
    resourceId: v.id(o.resourceId, at(pointer, 'resourceId')),
    version: v.integer(o.version, at(pointer, 'version'), 1),
  };
}

export function parseRegisterInput(value: v.Json | undefined, pointer: string): RegisterVersionInput {
  const o = v.object(value, pointer, INPUT_FIELDS);
  const cidProfile = v.oneOf(o.cidProfile, at(pointer, 'cidProfile'), CID_PROFILES);
  // kubo-legacy is Kubo's historical CIDv0 layout; the other profiles produce CIDv1
  const cid = v.cid(o.cid, at(pointer, 'cid'), cidProfile === 'kubo-legacy' ? 0 : 1);
  const derived = v.optional(o.derivedFrom, (d) => v.array(d, at(pointer, 'derivedFrom'), 0, MAX_DERIVED_FROM)) ?? [];
  const metadataCid = v.optional(o.metadataCid, (c) => v.cid(c, at(pointer, 'metadataCid')));
  return {
    resourceId: v.id(o.resourceId, at(pointer, 'resourceId')),
    cid,
    cidProfile,
    sha256: v.hex64(o.sha256, at(pointer, 'sha256')),
    sm3: v.hex64(o.sm3, at(pointer, 'sm3')),
    size: v.integer(o.size, at(pointer, 'size'), 0),
    mediaType: v.mediaType(o.mediaType, at(pointer, 'mediaType')),
    metadataHash: v.hex64(o.metadataHash, at(pointer, 'metadataHash')),
    ...(metadataCid === null ? {} : { metadataCid }),
    derivedFrom: derived.map((d, i) => parseVersionRef(d, at(at(pointer, 'derivedFrom'), i))),
  };
}

export async function getResource(ctx: ShulianContext, resourceId: string): Promise<Stored<Resource> | undefined> {
  return read<Resource>(ctx, resourceKey(ctx, resourceId));
}

export async function mustGetResource(ctx: ShulianContext, resourceId: string): Promise<Stored<Resource>> {
  const found = await getResource(ctx, resourceId);
  if (!found) throw notFound(`resource ${resourceId} does not exist`);
  return found;
}

export async function getVersion(
  ctx: ShulianContext,
  resourceId: string,
  version: number,
): Promise<Stored<ResourceVersion> | undefined> {
  return read<ResourceVersion>(ctx, versionKey(ctx, resourceId, version));
}

export async function mustGetVersion(
  ctx: ShulianContext,
  resourceId: string,
  version: number,
): Promise<Stored<ResourceVersion>> {
  const found = await getVersion(ctx, resourceId, version);
  if (!found) throw notFound(`resource ${resourceId} has no version ${version}`);
  return found;
}

/** Same bytes and same metadata as the head: a retried registration, not a new version. */
function sameContent(head: ResourceVersion, input: RegisterVersionInput): boolean {
  return (
    head.sha256 === input.sha256 &&
    head.sm3 === input.sm3 &&
    head.cid === input.cid &&
    head.metadataHash === input.metadataHash
  );
}

async function registerOne(
  ctx: ShulianContext,
  who: Caller,
  input: RegisterVersionInput,
  pointer: string,
  time: string,
): Promise<{ stored: Stored<ResourceVersion>; created: boolean }> {
  const resource = await getResource(ctx, input.resourceId);
  let head: Stored<ResourceVersion> | undefined;
  if (resource) {
    requireOrg(who, resource.record.owner, `resource ${input.resourceId}`);
    if (resource.record.status === 'withdrawn') {
      throw conflict(`resource ${input.resourceId} is withdrawn and accepts no new versions`);
    }
    head = await mustGetVersion(ctx, input.resourceId, resource.record.headVersion);
    if (sameContent(head.record, input)) return { stored: head, created: false };
  }
  for (const [i, ref] of (input.derivedFrom ?? []).entries()) {
    if (!(await getVersion(ctx, ref.resourceId, ref.version))) {
      throw invalid(
        at(at(pointer, 'derivedFrom'), i),
        `an existing resource version`,
        `${ref.resourceId} v${ref.version}`,
      );
    }
  }
  const owner = resource ? resource.record.owner : who.mspId;
  const version = resource ? resource.record.headVersion + 1 : 1;
  const record: ResourceVersion = {
    schemaVersion: SCHEMA_VERSION,
    docType: 'version',
    resourceId: input.resourceId,
    version,
    cid: input.cid,
    cidProfile: input.cidProfile,
    sha256: input.sha256,
    sm3: input.sm3,
    size: input.size,
    mediaType: input.mediaType,
    metadataHash: input.metadataHash,
    metadataCid: input.metadataCid ?? null,
    previous: head ? sha256Hex(head.bytes) : null,
    derivedFrom: (input.derivedFrom ?? []).map((r) => ({ resourceId: r.resourceId, version: r.version })),
    owner,
    submitter: identityOf(who),
    txId: ctx.stub.getTxID(),
    timestamp: time,
  };
  const stored = await write(ctx, versionKey(ctx, input.resourceId, version), record);
  const next: Resource = {
    schemaVersion: SCHEMA_VERSION,
    docType: 'resource',
    id: input.resourceId,
    owner,
    status: 'active',
    headVersion: version,
    created: resource ? resource.record.created : time,
    updated: time,
  };
  await write(ctx, resourceKey(ctx, input.resourceId), next);
  if (!resource) await writeIndex(ctx, ownerIndexKey(ctx, owner, input.resourceId));
  return { stored, created: true };
}

/** Registers versions in order; identical re-registrations return the existing head and write nothing. */
export async function registerVersions(
  ctx: ShulianContext,
  who: Caller,
  inputs: readonly { input: RegisterVersionInput; pointer: string }[],
): Promise<Stored<ResourceVersion>[]> {
  const time = txTime(ctx);
  const results: Stored<ResourceVersion>[] = [];
  const written: Stored<ResourceVersion>[] = [];
  for (const { input, pointer } of inputs) {
    const { stored, created } = await registerOne(ctx, who, input, pointer, time);
    results.push(stored);
    if (created) written.push(stored);
  }
  emit(ctx, EVENTS.resourceRegistered, written);
  return results;
}

export async function withdrawResource(
  ctx: ShulianContext,
  who: Caller,
  resourceIdArg: string,
  reasonCodeArg: string,
  noteArg: string,
): Promise<Stored<Withdrawal>> {
  const resourceId = v.id(resourceIdArg, '/resourceId');
  const reasonCode = v.oneOf(reasonCodeArg, '/reasonCode', WITHDRAWAL_REASONS);
  const note = v.string(noteArg, '/note', 0, 2048);
  const resource = await mustGetResource(ctx, resourceId);
  requireOrg(who, resource.record.owner, `resource ${resourceId}`);
  if (resource.record.status === 'withdrawn') throw conflict(`resource ${resourceId} is already withdrawn`);
  const time = txTime(ctx);
  const record: Withdrawal = {
    schemaVersion: SCHEMA_VERSION,
    docType: 'withdrawal',
    resourceId,
    reasonCode,
    note,
    headVersion: resource.record.headVersion,
    by: identityOf(who),
    txId: ctx.stub.getTxID(),
    timestamp: time,
  };
  const stored = await write(ctx, withdrawalKey(ctx, resourceId), record);
  await write(ctx, resourceKey(ctx, resourceId), {
    ...resource.record,
    status: 'withdrawn',
    updated: time,
  } satisfies Resource);
  emit(ctx, EVENTS.resourceWithdrawn, [stored]);
  return stored;
}

export async function getWithdrawal(ctx: ShulianContext, resourceId: string): Promise<Stored<Withdrawal> | undefined> {
  return read<Withdrawal>(ctx, withdrawalKey(ctx, resourceId));
}

export async function listVersions(ctx: ShulianContext, resourceId: string): Promise<Stored<ResourceVersion>[]> {
  await mustGetResource(ctx, resourceId);
  const out: Stored<ResourceVersion>[] = [];
  for (const key of await keysUnder(ctx, TYPES.version, [resourceId])) {
    const found = await read<ResourceVersion>(ctx, key);
    if (found) out.push(found);
  }
  return out;
}

export async function listResourcesByOwner(
  ctx: ShulianContext,
  ownerArg: string,
  pageSize: string,
  bookmark: string,
): Promise<Page<Resource>> {
  const owner = v.mspId(ownerArg, '/owner');
  const args = pageArgs(pageSize, bookmark);
  const page = await keyPage(ctx, TYPES.byOwner, [owner], args);
  const records: Resource[] = [];
  for (const key of page.keys) {
    const found = await getResource(ctx, lastAttribute(ctx, key));
    if (found) records.push(found.record);
  }
  return { records, bookmark: page.bookmark, fetchedRecordsCount: page.fetchedRecordsCount };
}
