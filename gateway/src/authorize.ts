import type { Response } from 'express';
import { identityOf } from './identity-middleware.js';
import type { RouteContext } from './context.js';
import type { Action, Authorization } from './ports.js';
import { HttpProblem } from './problem.js';

/**
 * Content goes out only under a rights grant in force for the caller's org at this moment, for the action
 * the request performs, answered by the local index with the chaincode's IsAuthorized rules. Every
 * decision is logged with the rights id it relied on; a refusal is a 403 problem naming what was missing.
 */
export function authorizeContent(
  ctx: RouteContext,
  res: Response,
  resourceId: string,
  version: number,
  action: Action,
): Authorization {
  const identity = identityOf(res);
  const at = ctx.now().toISOString();
  const decision = ctx.deps.index.isAuthorized({ resourceId, org: identity.org, action, at });
  const log = (res.req as { log?: RouteContext['log'] }).log ?? ctx.log;
  log.info(
    {
      event: 'authorization',
      resourceId,
      version,
      org: identity.org,
      subject: identity.commonName,
      action,
      at,
      authorized: decision.authorized,
      rightsId: decision.rightsId,
      reason: decision.reason,
    },
    decision.authorized ? 'content authorised' : 'content refused',
  );
  if (!decision.authorized) {
    ctx.metrics.authorizationRefusals.inc({ action });
    throw new HttpProblem(
      'NOT_AUTHORIZED',
      `${identity.org} holds no rights grant in force permitting "${action}" of ${resourceId}: ${decision.reason}`,
      {
        resourceId,
        version,
      },
    );
  }
  return decision;
}

/** Operator endpoints: the role attribute, in the node's own org. */
export function requireRole(ctx: RouteContext, res: Response, roles: readonly string[]): void {
  const identity = identityOf(res);
  const ok = identity.org === ctx.deps.mspId && identity.role !== undefined && roles.includes(identity.role);
  const log = (res.req as { log?: RouteContext['log'] }).log ?? ctx.log;
  log.info(
    {
      event: 'role-check',
      org: identity.org,
      subject: identity.commonName,
      role: identity.role ?? null,
      required: roles,
      allowed: ok,
    },
    ok ? 'role allowed' : 'role refused',
  );
  if (!ok) {
    ctx.metrics.authorizationRefusals.inc({ action: `role:${roles.join('|')}` });
    throw new HttpProblem(
      'ROLE_REQUIRED',
      `this operation needs the ${roles.map((r) => `"${r}"`).join(' or ')} role of ${ctx.deps.mspId}; the certificate names ${identity.org}${identity.role ? ` with role "${identity.role}"` : ' without a role'}`,
    );
  }
}
