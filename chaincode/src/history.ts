/** Key history (GetHistoryForKey): every committed value a record ever had, as the ledger returns it. */
import type { ShulianContext } from './context';
import { batchKey, resourceKey, rightsKey } from './keys';
import { drain } from './iterate';
import { isoOf } from './state';
import * as v from './validate';
import type { HistoryEntry } from './records';

export const HISTORY_KINDS = ['resource', 'rights', 'batch'] as const;

/** Entries come in the ledger's order (Fabric 2.x: newest first); nothing is re-sorted here. */
export async function getHistory(ctx: ShulianContext, kindArg: string, idArg: string): Promise<HistoryEntry[]> {
  const kind = v.oneOf(kindArg, '/kind', HISTORY_KINDS);
  const id = v.id(idArg, '/id');
  const key = kind === 'resource' ? resourceKey(ctx, id) : kind === 'rights' ? rightsKey(ctx, id) : batchKey(ctx, id);
  const entries: HistoryEntry[] = [];
  const iterator = await ctx.stub.getHistoryForKey(key);
  await drain(iterator, (m) => {
    const empty = m.isDelete || !m.value || m.value.length === 0;
    entries.push({
      txId: m.txId,
      timestamp: isoOf(m.timestamp),
      isDelete: m.isDelete,
      value: empty ? null : (JSON.parse(Buffer.from(m.value).toString('utf8')) as unknown),
    });
  });
  return entries;
}
