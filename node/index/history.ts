import type Database from 'better-sqlite3';
import type { HistoryItem } from './types.js';

type Row = Record<string, unknown>;

/**
 * A resource's life on chain in commit order: its versions, the rights granted and revoked on it (and on
 * the batches of its indexing records), the batches anchored under it, the warehouse's receipts, and its
 * withdrawal. What `shulian history` prints and an auditor reads first.
 */
export function resourceHistory(db: Database.Database, resourceId: string): HistoryItem[] {
  const rows = db
    .prepare(
      `SELECT 'version' AS kind, block_number, tx_index, tx_id, committed, record, NULL AS ref FROM versions WHERE resource_id = @id
       UNION ALL
       SELECT 'withdrawal', block_number, tx_index, tx_id, committed, record, NULL FROM withdrawals WHERE resource_id = @id
       UNION ALL
       SELECT 'batch', block_number, tx_index, tx_id, committed, record, batch_id FROM batches WHERE parent_resource_id = @id
       UNION ALL
       SELECT 'receipt', block_number, tx_index, tx_id, committed, record, NULL FROM receipts WHERE resource_id = @id
       UNION ALL
       SELECT 'rights-' || e.kind, e.block_number, e.tx_index, e.tx_id, e.committed, r.record, r.rights_id
         FROM rights_events e JOIN rights r ON r.rights_id = e.rights_id
        WHERE (r.target_type = 'resource' AND r.target_id = @id)
           OR (r.target_type = 'batch' AND r.target_id IN (SELECT batch_id FROM batches WHERE parent_resource_id = @id))
       ORDER BY 2, 3, 1`,
    )
    .all({ id: resourceId }) as Row[];
  return rows.map((r) => {
    const record = JSON.parse(String(r.record)) as Record<string, unknown>;
    const kind = String(r.kind) as HistoryItem['kind'];
    return {
      kind,
      txId: String(r.tx_id),
      blockNumber: Number(r.block_number),
      txIndex: Number(r.tx_index),
      committed: String(r.committed),
      summary: summary(kind, record),
      record,
    };
  });
}

function summary(kind: HistoryItem['kind'], r: Record<string, unknown>): string {
  switch (kind) {
    case 'version':
      return `version ${String(r.version)} registered: ${String(r.cid)}, ${String(r.size)} bytes, ${String(r.mediaType)}, by ${(r.submitter as { mspId?: string } | undefined)?.mspId ?? '?'}`;
    case 'withdrawal':
      return `withdrawn (${String(r.reasonCode)})${r.note ? `: ${String(r.note)}` : ''}`;
    case 'batch':
      return `batch ${String(r.batchId)} anchored: ${String(r.count)} ${String(r.kind)}, root ${String(r.root)}`;
    case 'receipt':
      return `version ${String(r.version)} received and verified by ${String(r.warehouse)}`;
    case 'rights-granted': {
      const c = r.constraints as { notBefore?: string; notAfter?: string | null } | undefined;
      const actions = Array.isArray(r.actions) ? r.actions.join(', ') : '';
      return `rights ${String(r.rightsId)} granted to ${String(r.assignee)} by ${String(r.assigner)}: ${actions}, ${c?.notBefore ?? '?'} – ${c?.notAfter ?? 'no end'}`;
    }
    case 'rights-revoked':
      return `rights ${String(r.rightsId)} revoked${r.reason ? `: ${String(r.reason)}` : ''}`;
  }
}
