import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';

type ErrorHandler = (err: unknown, req: Request, res: Response, next: NextFunction) => void;

interface FastRoute {
  readonly path: string;
  /** The route's path with nothing express would also accept: case as written, no trailing slash. */
  readonly strict: RegExp;
  /** A superset of what express's router matches for it (case-insensitive, optional trailing slash). */
  readonly loose: RegExp;
  readonly handler: RequestHandler;
}

/**
 * A way past express's router for GET and HEAD requests to the gateway's own routes that have nothing
 * between the common middleware and their handler (manifests, content, the changes feed, operations).
 * At a few thousand requests a second, walking express's layer stack (a regular expression per layer, a
 * closure and a parameter pass per step) took about a quarter of the gateway's CPU per manifest.
 *
 * It changes which code finds the handler, not what runs: the request and response get express's
 * prototypes, `locals` and circular references as app.handle gives them, then the same middleware
 * functions (access log, limits, identity) and the same route handler run in the same order, and errors go
 * to the app's own error handler. A request is taken only when express would dispatch it to that same
 * route first: its path matches the route exactly as written (parameters percent-decoded as the router
 * does) and no route registered before it could claim the path in express's looser matching (any case,
 * a trailing slash). Everything else — other methods, mounted routers, unknown paths, undecodable
 * parameters, absolute-form targets — goes to express untouched.
 */
export interface FastRoutes {
  /**
   * Registers a route in express's order. `handler` only for routes with nothing before their handler;
   * routes with more steps are listed without one, so that the paths they would claim stay express's.
   */
  add(method: string, openApiPath: string, handler: RequestHandler | undefined): void;
  /** The listener for node:https: the shortcut when it applies, else the express app. */
  listener(app: Express): (req: IncomingMessage, res: ServerResponse) => void;
}

export interface MessageClasses {
  readonly IncomingMessage: typeof IncomingMessage;
  readonly ServerResponse: typeof ServerResponse;
}

/**
 * Request and response constructors for node:http(s)'s server options whose objects are born with the
 * app's prototypes (express's request and response, over node's). Express moves every request and
 * response to those prototypes (Object.setPrototypeOf) before routing; objects that already have them make
 * that a no-op, and their properties are read through one shape instead of one before and one after.
 */
export function messageClasses(app: Express): MessageClasses {
  function GatewayRequest(this: IncomingMessage, ...args: ConstructorParameters<typeof IncomingMessage>) {
    IncomingMessage.apply(this, args);
  }
  GatewayRequest.prototype = app.request;
  function GatewayResponse(this: ServerResponse, ...args: ConstructorParameters<typeof ServerResponse>) {
    ServerResponse.apply(this, args);
  }
  GatewayResponse.prototype = app.response;
  return {
    IncomingMessage: GatewayRequest as unknown as typeof IncomingMessage,
    ServerResponse: GatewayResponse as unknown as typeof ServerResponse,
  };
}

export function createFastRoutes(middleware: readonly RequestHandler[], onError: ErrorHandler): FastRoutes {
  /** Every GET route in registration order (those with steps before their handler too: they can shadow). */
  const routes: (FastRoute | (Omit<FastRoute, 'handler'> & { readonly handler: undefined }))[] = [];

  const match = (url: string): { handler: RequestHandler; params: Record<string, string> } | undefined => {
    // absolute-form targets and fragments: left to express's URL parsing
    if (url.charCodeAt(0) !== 47 /* / */ || url.includes('#')) return undefined;
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    for (const route of routes) {
      if (!route.loose.test(pathname)) continue;
      // the first route express would try for this path: take it only if it is a fast one, matched as written
      if (!route.handler) return undefined;
      const m = route.strict.exec(pathname);
      if (!m?.groups) return m ? { handler: route.handler, params: {} } : undefined;
      const params: Record<string, string> = {};
      for (const [name, raw] of Object.entries(m.groups)) {
        if (raw === undefined) return undefined;
        if (raw.includes('%')) {
          try {
            params[name] = decodeURIComponent(raw);
          } catch {
            return undefined; // express answers that one (400)
          }
        } else params[name] = raw;
      }
      return { handler: route.handler, params };
    }
    return undefined;
  };

  return {
    add(method, openApiPath, handler) {
      if (method !== 'get') return;
      const names: string[] = [];
      const body = openApiPath
        .split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/)
        .map((part) => {
          const name = /^\{(.+)\}$/.exec(part)?.[1];
          if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(name);
          return `(?<${name}>[^/]+)`;
        })
        .join('');
      routes.push({
        path: openApiPath,
        strict: new RegExp(`^${body}$`),
        loose: new RegExp(`^${body.replace(/\(\?<[^>]+>/g, '(')}/?$`, 'i'),
        handler,
      });
    },
    listener(app) {
      return (req, res) => {
        const hit = req.method === 'GET' || req.method === 'HEAD' ? match(req.url ?? '') : undefined;
        if (!hit) return void app(req, res);
        const request = req as Request;
        const response = res as Response;
        // what app.handle and the router set before the first middleware runs
        request.res = response;
        response.req = request;
        Object.setPrototypeOf(req, app.request);
        Object.setPrototypeOf(res, app.response);
        response.locals ??= Object.create(null) as Response['locals'];
        request.originalUrl = request.url;
        request.baseUrl = '';
        request.params = hit.params;
        let step = 0;
        const fail = (err: unknown): void => {
          try {
            onError(err, request, response, next);
          } catch (handlerErr) {
            response.destroy(handlerErr as Error);
          }
        };
        // the router's next: a thrown error or a rejected promise goes to the error handler
        function next(err?: unknown): void {
          if (err) return fail(err);
          const fn =
            step < middleware.length ? middleware[step++]! : step++ === middleware.length ? hit!.handler : undefined;
          // the gateway's handlers answer or throw; none passes a request on
          if (!fn) return fail(new Error(`the handler of ${req.url} passed the request on`));
          try {
            const ret = fn(request, response, next) as unknown;
            if (ret instanceof Promise) ret.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
          } catch (e) {
            next(e);
          }
        }
        request.next = next;
        next();
      };
    },
  };
}
