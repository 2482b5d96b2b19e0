/** Merkle batches: one on-chain root for many small records (RFC 9162 hashing, proofs kept off chain). */
import type { ShulianContext } from './context';
import { requireOrg, type Caller } from './access';
import { at, conflict, invalid } from './errors';
import { batchKey } from './keys';
import { emit, read, txTime, write, type Stored } from './state';
import { getResource, getVersion, parseVersionRef } from './resources';
import * as v from './validate';
import { EVENTS, SCHEMA_VERSION, type AnchorBatchInput, type Batch } from './records';

const KIND = /^[a-z][a-z0-9-]{0,63}$/;
export const DEFAULT_BATCH_KIND = 'indexing-records';

export function parseBatchInput(value: v.Json | undefined, pointer: string): AnchorBatchInput {
  const o = v.object(value, pointer, ['batchId', 'root', 'count', 'parent', 'kind']);
  const kind = v.optional(o.kind, (k) => {
    if (typeof k !== 'string' || !KIND.test(k))
      throw invalid(at(pointer, 'kind'), 'a kind matching [a-z][a-z0-9-]{0,63}', k);
    return k;
  });
  const parent = v.optional(o.parent, (p) => parseVersionRef(p, at(pointer, 'parent')));
  return {
    batchId: v.id(o.batchId, at(pointer, 'batchId')),
    root: v.hex64(o.root, at(pointer, 'root')),
    count: v.integer(o.count, at(pointer, 'count'), 1),
    ...(parent === null ? {} : { parent }),
    ...(kind === null ? {} : { kind }),
  };
}

export async function getBatch(ctx: ShulianContext, batchId: string): Promise<Stored<Batch> | undefined> {
  return read<Batch>(ctx, batchKey(ctx, batchId));
}

function sameBatch(existing: Batch, input: AnchorBatchInput, owner: string): boolean {
  const parent = input.parent ?? null;
  return (
    existing.owner === owner &&
    existing.root === input.root &&
    existing.count === input.count &&
    existing.kind === (input.kind ?? DEFAULT_BATCH_KIND) &&
    (existing.parent === null
      ? parent === null
      : parent !== null &&
        existing.parent.resourceId === parent.resourceId &&
        existing.parent.version === parent.version)
  );
}

/** Anchors batches; re-anchoring an identical batch (a retry) returns the stored one and writes nothing. */
export async function anchorBatches(
  ctx: ShulianContext,
  who: Caller,
  inputs: readonly { input: AnchorBatchInput; pointer: string }[],
): Promise<Stored<Batch>[]> {
  const time = txTime(ctx);
  const results: Stored<Batch>[] = [];
  const written: Stored<Batch>[] = [];
  for (const { input, pointer } of inputs) {
    const existing = await getBatch(ctx, input.batchId);
    if (existing) {
      if (!sameBatch(existing.record, input, who.mspId)) {
        throw conflict(
          `batch ${input.batchId} is already anchored (by ${existing.record.owner}) with different content`,
        );
      }
      results.push(existing);
      continue;
    }
    if (input.parent) {
      const resource = await getResource(ctx, input.parent.resourceId);
      if (!resource || !(await getVersion(ctx, input.parent.resourceId, input.parent.version))) {
        throw invalid(
          at(pointer, 'parent'),
          'an existing resource version',
          `${input.parent.resourceId} v${input.parent.version}`,
        );
      }
      requireOrg(who, resource.record.owner, `resource ${input.parent.resourceId}`);
      if (resource.record.status === 'withdrawn') {
        throw conflict(`resource ${input.parent.resourceId} is withdrawn and accepts no new batches`);
      }
    }
    const record: Batch = {
      schemaVersion: SCHEMA_VERSION,
      docType: 'batch',
      batchId: input.batchId,
      root: input.root,
      count: input.count,
      kind: input.kind ?? DEFAULT_BATCH_KIND,
      parent: input.parent ? { resourceId: input.parent.resourceId, version: input.parent.version } : null,
      owner: who.mspId,
      txId: ctx.stub.getTxID(),
      timestamp: time,
    };
    const stored = await write(ctx, batchKey(ctx, input.batchId), record);
    results.push(stored);
    written.push(stored);
  }
  emit(ctx, EVENTS.batchAnchored, written);
  return results;
}
