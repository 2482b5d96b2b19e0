import type { Paged, ReceiptQuery, ReceiptView } from '../index/index.js';
import type { AuditIndex } from './types.js';

export interface AuditReceipt extends ReceiptView {
  /** The receipt names the registered version's CID and digests (a warehouse acknowledging other bytes does not). */
  readonly matchesVersion: boolean;
}

export function listAuditReceipts(
  index: Pick<AuditIndex, 'listReceipts' | 'getVersion'>,
  query: Readonly<ReceiptQuery>,
): Paged<AuditReceipt> {
  const page = index.listReceipts(query);
  return { ...page, items: page.items.map((r) => withMatch(index, r)) };
}

export function withMatch(index: Pick<AuditIndex, 'getVersion'>, r: ReceiptView): AuditReceipt {
  const v = index.getVersion(r.record.resourceId, r.record.version)?.record;
  const matchesVersion =
    v !== undefined && v.cid === r.record.cid && v.sha256 === r.record.sha256 && v.sm3 === r.record.sm3;
  return { ...r, matchesVersion };
}
