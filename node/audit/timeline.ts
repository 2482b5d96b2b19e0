import { NotFoundError } from '../core/errors.js';
import type { HistoryItem } from '../index/index.js';
import type { Rights } from '../index/records.js';
import { auditRights } from './rights.js';
import type { AuditSources, FixityEvent, Timeline, TimelineEvent, TimelineKind } from './types.js';

const PAGE = 1000;
const ORDER: readonly TimelineKind[] = [
  'version',
  'derivation',
  'batch',
  'rights-granted',
  'rights-revoked',
  'receipt',
  'fixity',
  'withdrawal',
];

/**
 * A resource's provenance in chain order: every version (and what it was derived from), the batches of its
 * indexing records, the rights on it (its own, its batches' and its owner's whole-collection grants), the
 * warehouse's receipts, its fixity checks and its withdrawal. Chain events are ordered by block and
 * position; fixity checks, which happen off chain, by the time of the check.
 */
export function resourceTimeline(sources: Readonly<AuditSources>, resourceId: string): Timeline {
  const resource = sources.index.getResource(resourceId);
  if (!resource) throw new NotFoundError(`resource ${resourceId} does not exist`, { resourceId });
  const events: TimelineEvent[] = [];
  const chain = (h: HistoryItem): TimelineEvent => ({
    kind: h.kind,
    at: timeOf(h),
    txId: h.txId,
    blockNumber: h.blockNumber,
    txIndex: h.txIndex,
    committed: h.committed,
    summary: h.summary,
    record: h.record,
  });
  for (const h of sources.index.history(resourceId)) {
    events.push(chain(h));
    if (h.kind === 'version') {
      const refs = (h.record.derivedFrom as readonly { resourceId: string; version: number }[] | undefined) ?? [];
      for (const ref of refs) {
        events.push({
          ...chain(h),
          kind: 'derivation',
          summary: `version ${String(h.record.version)} derived from ${ref.resourceId} version ${ref.version}`,
          record: { resourceId, version: h.record.version, derivedFrom: ref },
        });
      }
    }
  }
  // whole-collection grants cover the resource too, but the index's history lists only grants on it
  const now = new Date().toISOString();
  for (let offset = 0; ; offset += PAGE) {
    const page = sources.index.listRights({ resourceId, limit: PAGE, offset });
    for (const view of page.items) {
      if (view.record.target.type !== 'collection') continue;
      const a = auditRights(view, now);
      for (const h of a.history) {
        events.push({
          kind: h.kind === 'granted' ? 'rights-granted' : 'rights-revoked',
          at: h.at,
          txId: h.txId,
          blockNumber: h.blockNumber,
          txIndex: h.txIndex ?? null,
          committed: h.committed ?? null,
          summary: `collection ${view.record.target.id}: ${h.summary}`,
          record: view.record as unknown as Record<string, unknown>,
        });
      }
    }
    if (page.items.length < PAGE) break;
  }
  for (const f of fixityOf(sources, resourceId)) {
    events.push({
      kind: 'fixity',
      at: f.checkedAt,
      txId: f.anchor?.txId ?? null,
      blockNumber: null,
      txIndex: null,
      committed: null,
      summary: `version ${f.version} fixity ${f.outcome === 'pass' ? 'verified' : 'FAILED'} (run ${f.runId})${f.detail ? `: ${f.detail}` : ''}`,
      record: f as unknown as Record<string, unknown>,
    });
  }
  events.sort(compare);
  return {
    resource: {
      id: resource.id,
      owner: resource.owner,
      status: resource.status,
      headVersion: resource.headVersion,
      created: resource.created,
      updated: resource.updated,
    },
    events,
  };
}

/** Every fixity result of a resource (all pages), oldest first. */
export function fixityOf(sources: Readonly<AuditSources>, resourceId: string): FixityEvent[] {
  if (!sources.fixity) return [];
  const out: FixityEvent[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = sources.fixity.listFixityEvents({ resourceId, limit: PAGE, offset });
    out.push(...page.items);
    if (page.items.length < PAGE) break;
  }
  return out.sort((a, b) => Date.parse(a.checkedAt) - Date.parse(b.checkedAt) || a.eventId.localeCompare(b.eventId));
}

function timeOf(h: HistoryItem): string {
  const r = h.record as Partial<Rights> & { timestamp?: string };
  if (h.kind === 'rights-granted') return r.granted ?? h.committed;
  if (h.kind === 'rights-revoked') return r.revoked ?? h.committed;
  return typeof r.timestamp === 'string' ? r.timestamp : h.committed;
}

function compare(a: TimelineEvent, b: TimelineEvent): number {
  // chain events keep chain order; an off-chain check falls where its time puts it
  if (a.blockNumber !== null && b.blockNumber !== null) {
    return (
      a.blockNumber - b.blockNumber ||
      (a.txIndex ?? 0) - (b.txIndex ?? 0) ||
      ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind)
    );
  }
  const ta = Date.parse(a.committed ?? a.at);
  const tb = Date.parse(b.committed ?? b.at);
  return ta - tb || ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind);
}
