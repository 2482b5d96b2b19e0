import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { LocalIndex } from 'shulian/index';
import { HttpProblem } from '../problem.js';
import { createOperationValidators } from '../request-validation.js';

export interface SearchDeps {
  readonly index: Pick<LocalIndex, 'search'>;
}

/**
 * GET /v1/search: the node index's full-text search (Chinese included), for every consortium member like
 * the other metadata routes. The audit console's search page runs on it.
 */
export function searchRouter(deps: Readonly<SearchDeps>): Router {
  const router = express.Router();
  const validator = createOperationValidators().get('GET /v1/search');
  if (!validator) throw new Error('GET /v1/search is not in the OpenAPI document');
  router.all('/', (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = '/v1/search';
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.setHeader('Allow', 'GET, HEAD');
    next(new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on /v1/search; allowed: GET`));
  });
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
