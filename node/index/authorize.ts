import type { Action, Authorization, Rights } from './records.js';

/**
 * The chaincode's IsAuthorized rules (chaincode/src/rights.ts), applied to rows of the index:
 * grants on the resource itself, then on its owner's whole collection, each in rightsId order (the
 * order of the chaincode's composite-key range), addressed to `org` or to `public`, permitting the
 * action, with notBefore <= at < notAfter; a revocation ends a grant from its timestamp on, and a
 * withdrawal ends every grant from its timestamp on. The first grant that authorises is the answer.
 * The reasons read exactly as the chaincode's, so an auditor can compare both answers.
 */
export const PUBLIC = 'public';

export interface AuthorizationFacts {
  readonly resourceId: string;
  readonly org: string;
  readonly action: Action;
  readonly atIso: string;
  readonly withdrawal: { readonly timestamp: string; readonly reasonCode: string } | null;
  /** Resource-level grants then collection-level grants, each sorted by rightsId. */
  readonly rights: readonly Rights[];
}

export function decide(facts: Readonly<AuthorizationFacts>): Authorization {
  const { resourceId, org, action, atIso, withdrawal } = facts;
  const atMs = Date.parse(atIso);
  if (withdrawal && atMs >= Date.parse(withdrawal.timestamp)) {
    return {
      authorized: false,
      rightsId: null,
      reason: `resource ${resourceId} was withdrawn at ${withdrawal.timestamp} (${withdrawal.reasonCode})`,
    };
  }
  const misses: string[] = [];
  for (const rights of facts.rights) {
    const verdict = judge(rights, org, action, atMs, atIso);
    if (verdict === null) continue;
    if (verdict.ok) return { authorized: true, rightsId: rights.rightsId, reason: verdict.reason };
    misses.push(verdict.reason);
  }
  const none = `no rights record grants ${action} on ${resourceId} to ${org} at ${atIso}`;
  return { authorized: false, rightsId: null, reason: misses.length === 0 ? none : `${none}: ${misses.join('; ')}` };
}

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
