/** Receipts: the national warehouse's acknowledgement that it holds a verified copy of a version. */
import type { ShulianContext } from './context';
import { identityOf, type Caller } from './access';
import { invalid } from './errors';
import { receiptKey, TYPES } from './keys';
import { emit, read, txTime, write, type Stored } from './state';
import { entriesUnder } from './iterate';
import { mustGetResource, mustGetVersion } from './resources';
import * as v from './validate';
import { EVENTS, SCHEMA_VERSION, type Receipt, type RecordReceiptInput } from './records';

export function parseReceiptInput(value: v.Json | undefined): RecordReceiptInput {
  const o = v.object(value, '', ['resourceId', 'version', 'cid', 'sha256', 'sm3']);
  return {
    resourceId: v.id(o.resourceId, '/resourceId'),
    version: v.integer(o.version, '/version', 1),
    cid: v.cid(o.cid, '/cid'),
    sha256: v.hex64(o.sha256, '/sha256'),
    sm3: v.hex64(o.sm3, '/sm3'),
  };
}

/**
 * Records a receipt. The digests the warehouse computed must be the ones on chain: a receipt is the
 * two-sided custody handoff, so a mismatch is refused rather than recorded. Receipts are kept even
 * when the resource is later withdrawn (custody happened). A retried receipt from the same warehouse
 * for the same version returns the stored one and writes nothing.
 */
export async function recordReceipt(
  ctx: ShulianContext,
  who: Caller,
  input: RecordReceiptInput,
): Promise<Stored<Receipt>> {
  const version = await mustGetVersion(ctx, input.resourceId, input.version);
  for (const field of ['cid', 'sha256', 'sm3'] as const) {
    if (version.record[field] !== input[field]) {
      throw invalid(
        `/${field}`,
        `the ${field} recorded for ${input.resourceId} v${input.version} (${version.record[field]})`,
        input[field],
      );
    }
  }
  const key = receiptKey(ctx, input.resourceId, input.version, who.mspId);
  const existing = await read<Receipt>(ctx, key);
  if (existing) return existing;
  const record: Receipt = {
    schemaVersion: SCHEMA_VERSION,
    docType: 'receipt',
    resourceId: input.resourceId,
    version: input.version,
    cid: input.cid,
    sha256: input.sha256,
    sm3: input.sm3,
    warehouse: who.mspId,
    by: identityOf(who),
    txId: ctx.stub.getTxID(),
    timestamp: txTime(ctx),
  };
  const stored = await write(ctx, key, record);
  emit(ctx, EVENTS.receiptRecorded, [stored]);
  return stored;
}

export async function getReceipts(ctx: ShulianContext, resourceId: string): Promise<Receipt[]> {
  await mustGetResource(ctx, resourceId);
  const entries = await entriesUnder(ctx, TYPES.receipt, [resourceId]);
  return entries.map((kv) => JSON.parse(Buffer.from(kv.value).toString('utf8')) as Receipt);
}
