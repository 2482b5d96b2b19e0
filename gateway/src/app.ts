import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { pino, type Logger } from 'pino';
import { accessLog } from './access-log.js';
import { memoryAlerts } from './alerts.js';
import { createCursorCodec } from './cursor.js';
import { DEFAULT_LIMITS, type GatewayDeps, type IntegrityAlert } from './deps.js';
import { expressPath, type OperationHandler, type RouteContext } from './context.js';
import { createFastRoutes, messageClasses, type MessageClasses } from './fast-routes.js';
import { identityMiddleware } from './identity-middleware.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import { fromHttpLibraryError, HttpProblem, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { createOperationValidators } from './request-validation.js';
import { registerContentRoutes } from './routes-content.js';
import { registerHarvestRoutes } from './routes-harvest.js';
import { registerOperationRoutes } from './routes-operations.js';
import { registerOperatorRoutes } from './routes-operator.js';

export interface GatewayApp {
  /** The request listener, for node:https createServer. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** For createServer's options: requests and responses born with the app's prototypes. */
  readonly messageClasses: MessageClasses;
  readonly metrics: GatewayMetrics;
  /** Every (METHOD, OpenAPI path) the app serves. */
  readonly routes: readonly { readonly method: string; readonly path: string }[];
  readonly alerts: ReadonlyMap<string, IntegrityAlert>;
  readonly log: Logger;
  /** New requests get 503 `shutting-down` (streams in flight continue). */
  beginShutdown(): void;
}

/**
 * Builds the gateway's express app from the node's parts. It does not listen: startGateway puts it behind
 * an mTLS server. Routes are documented in the OpenAPI document and validated against it.
 */
export function createGatewayApp(deps: Readonly<GatewayDeps>): GatewayApp {
  const log = deps.logger ?? pino({ level: 'info' });
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const metrics = createGatewayMetrics();
  const validators = createOperationValidators();
  const alerts = deps.alerts ?? memoryAlerts();
  const routes: { method: string; path: string }[] = [];
  let shuttingDown = false;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  const common: RequestHandler[] = [
    accessLog(app, log, (req, res, finished, started) => {
      metrics.inFlight.value--;
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      const status = finished ? res.statusCode : 0; // 0: connection cut before the end
      metrics.requests.inc({ method: req.method, route, status });
      metrics.duration.observe(Number(process.hrtime.bigint() - started) / 1e9, { route });
    }),
    (req: Request, res: Response, next: NextFunction) => {
      metrics.inFlight.value++;
      if (req.originalUrl.length > limits.maxUrlLength)
        return next(
          new HttpProblem('URI_TOO_LONG', `the request target is longer than ${limits.maxUrlLength} characters`),
        );
      if (shuttingDown) {
        res.setHeader('Connection', 'close');
        return next(
          new HttpProblem('SHUTTING_DOWN', 'the gateway is shutting down; retry against another instance or later'),
        );
      }
      next();
    },
    identityMiddleware(deps.revocation, (reason, identity) => {
      metrics.tlsRefusals.inc({ reason: 'revoked' });
      log.warn(
        {
          event: 'certificate-revoked',
          reason,
          org: identity?.org,
          subject: identity?.commonName,
          serial: identity?.serialNumber,
        },
        'revoked client certificate refused',
      );
    }),
  ];
  for (const step of common) app.use(step);
  const fast = createFastRoutes(common, onError);

  const jsonBody = express.json({
    limit: limits.maxJsonBytes,
    strict: true,
    type: ['application/json', 'application/*+json'],
  });
  const requireJson = (req: Request, _res: Response, next: NextFunction) =>
    req.is(['application/json', 'application/*+json'])
      ? next()
      : next(new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json'));

  const ctx: RouteContext = {
    deps,
    limits,
    metrics,
    log,
    cursors: createCursorCodec(deps.cursorKey),
    validators,
    alerts,
    now: deps.now ?? (() => new Date()),
    isShuttingDown: () => shuttingDown,
    proof: proofCache(deps.ledger, 4096),
    route(method, path, handler: OperationHandler, ...before) {
      const validator = validators.get(`${method.toUpperCase()} ${path}`);
      if (!validator) throw new Error(`route ${method.toUpperCase()} ${path} is not in the OpenAPI document`);
      const hasBody = method === 'post' && path !== '/v1/resources/{id}/versions';
      const pre = hasBody ? [requireJson, jsonBody, ...before] : before;
      routes.push({ method: method.toUpperCase(), path });
      const run = async (req: Request, res: Response) => {
        const params = validator.params({ ...req.params }, { ...(req.query as Record<string, unknown>) });
        if (hasBody) validator.body(req.body);
        await handler(req, res, { path: params.path as Record<string, string>, query: params.query });
      };
      const named = (_req: Request, res: Response, next: NextFunction) => {
        res.locals.route = path;
        next();
      };
      // most routes have nothing before the handler: one step instead of two, and the shortcut past the router
      if (pre.length === 0) {
        const handler = (req: Request, res: Response) => {
          res.locals.route = path;
          return run(req, res);
        };
        app[method](expressPath(path), handler);
        fast.add(method, path, handler);
      } else {
        app[method](expressPath(path), named, ...pre, run);
        fast.add(method, path, undefined);
      }
    },
  };

  registerOperationRoutes(ctx);
  registerHarvestRoutes(ctx);
  registerContentRoutes(ctx);
  registerOperatorRoutes(ctx);
  for (const mount of deps.mounts ?? []) {
    app.use(mount.path, mount.router);
    routes.push(...mount.routes);
  }

  // a known path with another method: 405 with Allow, else 404
  const byPath = new Map<string, string[]>();
  const mounted = new Set((deps.mounts ?? []).flatMap((m) => m.routes.map((r) => r.path)));
  for (const r of routes) if (!mounted.has(r.path)) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method]);
  for (const [path, methods] of byPath) {
    app.all(expressPath(path), (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = path;
      res.setHeader('Allow', [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])].join(', '));
      next(
        new HttpProblem(
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${path}; allowed: ${methods.join(', ')}`,
        ),
      );
    });
  }
  app.use((req: Request, _res: Response, next: NextFunction) =>
    next(new HttpProblem('ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`)),
  );

  app.use(onError);

  return {
    handler: fast.listener(app),
    messageClasses: messageClasses(app),
    metrics,
    routes,
    alerts: alerts.current,
    log,
    beginShutdown() {
      shuttingDown = true;
    },
  };
}

/** The problem+json answer to every error, for express and the fast routes alike. */
function onError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const mapped = fromHttpLibraryError(err) ?? err;
  const problem = toProblem(mapped, req.originalUrl.slice(0, 512), String(req.id ?? ''));
  const level = problem.status >= 500 ? 'error' : 'warn';
  req.log?.[level](
    { err: mapped, problem: { type: problem.type, status: problem.status, code: problem.code } },
    'request failed',
  );
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // the failed request's body may still be arriving (oversized upload): do not read it, close after
  if (!req.complete) res.setHeader('Connection', 'close');
  for (const h of [
    'ETag',
    'Repr-Digest',
    'Content-Disposition',
    'Accept-Ranges',
    'Content-Length',
    'X-Shulian-Transaction',
  ])
    res.removeHeader(h);
  if (problem.status === 416 && isSized(mapped)) res.setHeader('Content-Range', `bytes */${mapped.details.size}`);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Proof bundles of committed transactions never change: keep the last `max` (insertion-ordered Map as LRU). */
function proofCache(ledger: GatewayDeps['ledger'], max: number): (txId: string) => Promise<unknown> {
  const cache = new Map<string, Promise<unknown>>();
  return (txId) => {
    let hit = cache.get(txId);
    if (hit) {
      cache.delete(txId);
    } else {
      hit = ledger.proof(txId);
      // a failure is not cached: the next request asks the ledger again
      hit.catch(() => cache.delete(txId));
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
    }
    cache.set(txId, hit);
    return hit;
  };
}

function isSized(err: unknown): err is { details: { size: number } } {
  const d = (err as { details?: { size?: unknown } } | null)?.details;
  return typeof d?.size === 'number';
}
