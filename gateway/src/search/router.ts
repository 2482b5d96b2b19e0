import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { LocalIndex } from 'shulian/index';
import { HttpProblem } from '../problem.js';
import { createOperationValidators } from '../request-validation.js';

export interface SearchDeps {
  readonly index: Pick<LocalIndex, 'search'>;
}

export interface VersionsDeps {
  readonly index: Pick<LocalIndex, 'versionsBySha256' | 'getResource'>;
}

/**
 * GET /v1/search: the node index's full-text search (Chinese included), for every consortium member like
 * the other metadata routes. The audit console's search page runs on it.
 */
export function searchRouter(deps: Readonly<SearchDeps>): Router {
  const { router, validator } = getOnly('/v1/search');
  router.get('/', (req: Request, res: Response) => {
    const { query } = validator.params({}, { ...(req.query as Record<string, unknown>) });
    const page = deps.index.search(String(query.q), {
      limit: (query.limit as number | undefined) ?? 50,
      offset: (query.offset as number | undefined) ?? 0,
      kind: query.kind === 'record' ? 'record' : 'resource',
      includeWithdrawn: query.includeWithdrawn === 'true',
      ...(typeof query.owner === 'string' ? { owner: query.owner } : {}),
    });
    res.json({
      items: page.items.map((hit) => {
        const resourceId = hit.kind === 'resource' ? hit.id : hit.resourceId;
        return { ...hit, href: resourceId ? `/v1/resources/${encodeURIComponent(resourceId)}` : null };
      }),
      total: page.total,
      limit: page.limit,
      offset: page.offset,
    });
  });
  return router;
}

/**
 * GET /v1/versions?sha256=: the versions whose payload has this digest. The console's verify page asks with
 * the digest it computed in the browser; the file itself is never sent.
 */
export function versionsRouter(deps: Readonly<VersionsDeps>): Router {
  const { router, validator } = getOnly('/v1/versions');
  router.get('/', (req: Request, res: Response) => {
    const { query } = validator.params({}, { ...(req.query as Record<string, unknown>) });
    const found = deps.index.versionsBySha256(String(query.sha256), (query.limit as number | undefined) ?? 100);
    res.json({
      items: found.map((v) => ({
        resourceId: v.record.resourceId,
        version: v.record.version,
        cid: v.record.cid,
        sha256: v.record.sha256,
        sm3: v.record.sm3,
        size: v.record.size,
        mediaType: v.record.mediaType,
        status: deps.index.getResource(v.record.resourceId)?.status ?? 'active',
        txId: v.txId,
        blockNumber: v.blockNumber,
        committed: v.committed,
        href: `/v1/resources/${encodeURIComponent(v.record.resourceId)}/versions/${v.record.version}`,
      })),
    });
  });
  return router;
}

/** A router for one read-only route: other methods get 405 with Allow. */
function getOnly(path: string) {
  const validator = createOperationValidators().get(`GET ${path}`);
  if (!validator) throw new Error(`GET ${path} is not in the OpenAPI document`);
  const router = express.Router();
  router.all('/', (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = path;
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.setHeader('Allow', 'GET, HEAD');
    next(new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; allowed: GET`));
  });
  return { router, validator };
}
