import { ValidationError } from '../core/errors.js';
import type { ChainPlacement, Paged, RightsView } from '../index/index.js';
import { periodTest } from './time.js';
import type { AuditIndex, AuditRights, ChainEvent, RightsAuditQuery } from './types.js';

const PAGE = 1000;

/** A rights record with its grant and revocation as chain events, and whether it is in force at `atIso`. */
export function auditRights(
  view: RightsView,
  atIso: string,
  events: readonly (ChainPlacement & { readonly kind: 'granted' | 'revoked' })[] = [],
): AuditRights {
  const r = view.record;
  // the view's placement is the latest change (the grant itself when not revoked); the index's rights
  // events give the grant's own placement once it was revoked
  const grant = events.find((e) => e.kind === 'granted' && e.txId === r.grantedTxId);
  const granted: ChainEvent = {
    txId: r.grantedTxId,
    blockNumber: view.grantedBlockNumber,
    ...(grant
      ? { txIndex: grant.txIndex, committed: grant.committed }
      : r.revokedTxId === null
        ? { txIndex: view.txIndex, committed: view.committed }
        : {}),
    at: r.granted,
  };
  const revoked: ChainEvent | null =
    r.revokedTxId === null
      ? null
      : {
          txId: r.revokedTxId,
          blockNumber: view.blockNumber,
          txIndex: view.txIndex,
          committed: view.committed,
          at: r.revoked ?? view.committed,
        };
  const c = r.constraints;
  const period = `${c.notBefore} – ${c.notAfter ?? 'no end'}`;
  const history: AuditRights['history'] = [
    {
      kind: 'granted',
      ...granted,
      summary: `${r.assigner} granted ${r.assignee} ${r.actions.join(', ')} of ${r.target.type} ${r.target.id}, ${period}, basis ${r.basis}`,
    },
    ...(revoked
      ? [{ kind: 'revoked' as const, ...revoked, summary: `revoked${r.reason ? `: ${r.reason}` : ''}` }]
      : []),
  ];
  const at = Date.parse(atIso);
  const inForce =
    r.status === 'granted' && Date.parse(c.notBefore) <= at && (c.notAfter === null || Date.parse(c.notAfter) > at);
  return { rightsId: r.rightsId, record: r, granted, revoked, history, inForce };
}

/**
 * Rights records matching the query. The index answers the resource, assignee, assigner, status and expiry
 * filters; the period (a grant or a revocation within [from, until]) is applied here over the index's pages.
 */
export function listAuditRights(
  index: Pick<AuditIndex, 'listRights' | 'rightsHistory'>,
  query: Readonly<RightsAuditQuery>,
): Paged<AuditRights> {
  const atIso = query.at ?? new Date().toISOString();
  const base = {
    ...(query.resourceId === undefined ? {} : { resourceId: query.resourceId }),
    ...(query.assignee === undefined ? {} : { assignee: query.assignee }),
    ...(query.assigner === undefined ? {} : { assigner: query.assigner }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.expiringWithinDays === undefined ? {} : { expiringWithinDays: query.expiringWithinDays }),
    at: atIso,
  };
  const limit = query.limit ?? 100;
  const offset = query.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > PAGE)
    throw new ValidationError(`/limit: expected an integer from 1 to ${PAGE}`, { pointer: '/limit' });
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new ValidationError('/offset: expected an integer >= 0', { pointer: '/offset' });
  if (query.from === undefined && query.until === undefined) {
    const page = index.listRights({ ...base, limit, offset });
    return { ...page, items: page.items.map((v) => auditRights(v, atIso, index.rightsHistory(v.record.rightsId))) };
  }
  const inPeriod = periodTest(query.from, query.until);
  const matched: AuditRights[] = [];
  let total = 0;
  for (let at = 0; ; at += PAGE) {
    const page = index.listRights({ ...base, limit: PAGE, offset: at });
    for (const view of page.items) {
      const item = auditRights(view, atIso, index.rightsHistory(view.record.rightsId));
      if (!item.history.some((h) => inPeriod(h.at))) continue;
      if (total >= offset && matched.length < limit) matched.push(item);
      total++;
    }
    if (page.items.length < PAGE) break;
  }
  return { items: matched, total, limit, offset };
}
