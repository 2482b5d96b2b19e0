import { once } from 'node:events';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import {
  checkScope,
  listAuditReceipts,
  listAuditRights,
  premisXml,
  provJson,
  resourceTimeline,
  auditRights,
  type AuditIndex,
  type FixityReader,
  type RightsAuditQuery,
} from 'shulian/audit';
import { NotFoundError } from 'shulian/core';
import { identityOf } from '../identity-middleware.js';
import { HttpProblem } from '../problem.js';
import type { GatewayLedger } from '../ports.js';
import { createOperationValidators } from '../request-validation.js';
import { AUDIT_PATHS } from './openapi.js';

export interface AuditDeps {
  readonly index: AuditIndex;
  readonly ledger: Pick<GatewayLedger, 'proof'>;
  /** The fixity job's results; without it the fixity routes answer 503 `unavailable`. */
  readonly fixity?: FixityReader;
  /** Proof bundles kept in memory (committed transactions never change). Default 4096. */
  readonly proofCacheSize?: number;
  readonly now?: () => Date;
}

export const AUDIT_ROLE = 'auditor';

type Query = Record<string, unknown>;

/**
 * The audit API, mounted at /v1/audit: read-only (GET and HEAD), for the `auditor` role of any consortium
 * org. Operators, rights admins and the warehouse are refused even for their own org's records: the audit
 * API shows every org's grants, receipts and fixity results side by side, which is the auditor's job. Every
 * JSON answer carries the proof bundle of each transaction it refers to, so the auditor can verify it
 * offline (`shulian verify-proof`) without trusting this node.
 */
export function auditRouter(deps: Readonly<AuditDeps>): Router {
  const router = express.Router();
  const validators = createOperationValidators();
  const proof = proofCache(deps.ledger, deps.proofCacheSize ?? 4096);
  const now = deps.now ?? (() => new Date());

  const proofsFor = async (q: Query, txIds: Iterable<string | null | undefined>) => {
    if (q.proofs === 'false') return {};
    const ids = [...new Set(txIds)].filter((tx): tx is string => typeof tx === 'string' && tx !== '');
    const bundles = await Promise.all(ids.map((tx) => proof(tx)));
    return Object.fromEntries(ids.map((tx, i) => [tx, bundles[i]]));
  };
  const fixity = (): FixityReader => {
    if (!deps.fixity)
      throw new HttpProblem(
        'UNAVAILABLE',
        'this node keeps no fixity results: run `shulian fixity` (the fixity audit job) first',
      );
    return deps.fixity;
  };

  const get = (
    path: keyof typeof AUDIT_PATHS,
    handler: (req: Request, res: Response, q: Query, p: Record<string, string>) => Promise<void>,
  ) => {
    const local = path.slice('/v1/audit'.length).replace(/\{([A-Za-z_]+)\}/g, ':$1');
    const validator = validators.get(`GET ${path}`);
    if (!validator) throw new Error(`GET ${path} is not in the OpenAPI document`);
    router.all(local, (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = path;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return next(
          new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}: the audit API is read-only`),
        );
      }
      const identity = identityOf(res);
      const allowed = identity.role === AUDIT_ROLE;
      req.log?.info(
        {
          event: 'audit-access',
          route: path,
          org: identity.org,
          subject: identity.commonName,
          role: identity.role ?? null,
          allowed,
        },
        allowed ? 'audit read' : 'audit refused',
      );
      if (!allowed)
        return next(
          new HttpProblem(
            'ROLE_REQUIRED',
            `the audit API needs the "auditor" role; the certificate names ${identity.org}${identity.role ? ` with role "${identity.role}"` : ' without a role'}`,
          ),
        );
      next();
    });
    router.get(local, async (req: Request, res: Response) => {
      const params = validator.params({ ...req.params }, { ...(req.query as Query) });
      await handler(req, res, params.query, params.path as Record<string, string>);
    });
  };

  get('/v1/audit/rights', async (_req, res, q) => {
    const query: RightsAuditQuery = {
      ...given(q, { resource: 'resourceId', assignee: 'assignee', assigner: 'assigner', from: 'from', until: 'until' }),
      ...(q.status === undefined ? {} : { status: q.status as RightsAuditQuery['status'] }),
      ...(q.expiringWithinDays === undefined ? {} : { expiringWithinDays: Number(q.expiringWithinDays) }),
      at: q.at === undefined ? now().toISOString() : new Date(String(q.at)).toISOString(),
      ...paging(q),
    };
    const page = listAuditRights(deps.index, query);
    const proofs = await proofsFor(
      q,
      page.items.flatMap((r) => [r.granted.txId, r.revoked?.txId]),
    );
    res.json({ ...page, proofs });
  });

  get('/v1/audit/rights/{id}', async (_req, res, q, p) => {
    const view = deps.index.getRights(p.id!);
    if (!view) throw new NotFoundError(`rights record ${p.id} does not exist`, { rightsId: p.id });
    const rights = auditRights(view, now().toISOString(), deps.index.rightsHistory(view.record.rightsId));
    res.json({ rights, proofs: await proofsFor(q, [rights.granted.txId, rights.revoked?.txId]) });
  });

  get('/v1/audit/resources/{id}/timeline', async (_req, res, q, p) => {
    const timeline = resourceTimeline({ index: deps.index, ...(deps.fixity ? { fixity: deps.fixity } : {}) }, p.id!);
    res.json({
      ...timeline,
      proofs: await proofsFor(
        q,
        timeline.events.map((e) => e.txId),
      ),
    });
  });

  get('/v1/audit/receipts', async (_req, res, q) => {
    const page = listAuditReceipts(deps.index, {
      ...given(q, { resource: 'resourceId', warehouse: 'warehouse', from: 'from', until: 'until' }),
      ...paging(q),
    });
    res.json({
      ...page,
      proofs: await proofsFor(
        q,
        page.items.map((r) => r.txId),
      ),
    });
  });

  get('/v1/audit/fixity', async (_req, res, q) => {
    const page = fixity().listFixityEvents({
      ...given(q, { resource: 'resourceId', run: 'runId', from: 'from', until: 'until' }),
      ...(q.outcome === undefined ? {} : { outcome: q.outcome as 'pass' | 'fail' }),
      ...paging(q),
    });
    res.json({
      ...page,
      proofs: await proofsFor(
        q,
        page.items.map((e) => e.anchor?.txId),
      ),
    });
  });

  get('/v1/audit/fixity/runs', async (_req, res, q) => {
    const page = fixity().listFixityRuns({
      ...given(q, { from: 'from', until: 'until' }),
      ...paging(q),
    });
    res.json({
      ...page,
      proofs: await proofsFor(
        q,
        page.items.map((r) => r.txId),
      ),
    });
  });

  get('/v1/audit/proofs/{txId}', async (_req, res, _q, p) => {
    res.json(await proof(p.txId!));
  });

  const sources = () => ({ index: deps.index, ...(deps.fixity ? { fixity: deps.fixity } : {}) });
  get('/v1/audit/export/premis', async (req, res, q) => {
    const scope = given(q, { resource: 'resourceId' });
    checkScope(sources(), scope);
    res.status(200).type('application/xml; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${q.resource ?? 'collection'}.premis.xml"`);
    if (req.method === 'HEAD') return void res.end();
    await streamOut(res, premisXml(sources(), scope));
  });

  get('/v1/audit/export/prov', async (req, res, q) => {
    const scope = given(q, { resource: 'resourceId' });
    checkScope(sources(), scope);
    res.status(200).type('application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${q.resource ?? 'collection'}.prov.json"`);
    if (req.method === 'HEAD') return void res.end();
    await streamOut(res, provJson(sources(), scope));
  });

  return router;
}

/** The query parameters present in `q` (validated against the OpenAPI document), as strings under the lister's names. */
function given<F extends string>(q: Query, names: Readonly<Record<string, F>>): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const [param, field] of Object.entries(names)) if (q[param] !== undefined) out[field] = String(q[param]);
  return out;
}

function paging(q: Query): { limit?: number; offset?: number } {
  return {
    ...(q.limit === undefined ? {} : { limit: Number(q.limit) }),
    ...(q.offset === undefined ? {} : { offset: Number(q.offset) }),
  };
}

/** Writes chunks with back-pressure; a failure after the head cuts the response (never a half document that looks whole). */
async function streamOut(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  } catch (err) {
    res.req.log?.error({ err }, 'export failed after the response started');
    res.destroy(err as Error);
  }
}

/** Proof bundles of committed transactions never change: keep the last `max` (insertion-ordered Map as LRU). */
function proofCache(ledger: Pick<GatewayLedger, 'proof'>, max: number): (txId: string) => Promise<unknown> {
  const cache = new Map<string, Promise<unknown>>();
  return (txId) => {
    let hit = cache.get(txId);
    if (hit) cache.delete(txId);
    else {
      hit = ledger.proof(txId);
      hit.catch(() => cache.delete(txId));
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(txId, hit);
    return hit;
  };
}
