import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createFastRoutes, messageClasses } from '../../gateway/src/fast-routes.js';
import { expressPath } from '../../gateway/src/context.js';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function send(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * The same little app twice: served by express alone, and through the fast routes. Every request must get
 * the same answer either way; the counter says which requests express's router saw.
 */
describe('gateway fast routes', () => {
  let viaExpress = 0;
  let plainPort: number;
  let fastPort: number;
  const servers: Server[] = [];

  const build = (withFast: boolean) => {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.set('query parser', 'simple');
    const common: RequestHandler[] = [
      (req, res, next) => {
        res.setHeader('X-Seen', `${req.method} ${req.originalUrl}`);
        next();
      },
      async (_req, res, next) => {
        await new Promise((r) => setImmediate(r));
        res.locals.who = 'caller';
        next();
      },
    ];
    const onError = (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
      res.status(418).json({ error: (err as Error).message, url: req.originalUrl, route: res.locals.route ?? null });
    };
    for (const step of common) app.use(step);
    const fast = createFastRoutes(common, onError);
    const add = (path: string, handler: RequestHandler, ...before: RequestHandler[]) => {
      const named: RequestHandler = (req, res, next) => {
        res.locals.route = path;
        return handler(req, res, next);
      };
      if (before.length === 0) {
        app.get(expressPath(path), named);
        fast.add('get', path, named);
      } else {
        app.get(expressPath(path), ...before, named);
        fast.add('get', path, undefined);
      }
    };
    // with a step before its handler: it shadows the fast route below for /v1/a/b
    add(
      '/v1/a/{x}',
      (req, res) => void res.json({ route: 'a', x: req.params.x }),
      (_req, _res, next) => next(),
    );
    add('/v1/{x}/b', (req, res) => void res.json({ route: 'b', x: req.params.x }));
    add(
      '/v1/items/{id}',
      (req, res) => void res.json({ id: req.params.id, query: req.query, who: res.locals.who, path: req.path }),
    );
    add('/v1/items/{id}/fail', async () => {
      await new Promise((r) => setImmediate(r));
      throw new Error('handler failed');
    });
    add('/v1/items/{id}/throw', () => {
      throw new Error('thrown at once');
    });
    app.post(expressPath('/v1/items/{id}'), (_req, res) => void res.json({ posted: true }));
    app.use((req: Request, _res: Response, next: NextFunction) => next(new Error(`no route ${req.path}`)));
    app.use(onError);
    if (!withFast) return createServer(app);
    const counted = Object.assign(
      (req: Request, res: Response) => {
        viaExpress++;
        return app(req, res);
      },
      { request: app.request, response: app.response },
    ) as unknown as typeof app;
    return createServer({ ...messageClasses(app) }, fast.listener(counted));
  };

  before(async () => {
    servers.push(build(false), build(true));
    plainPort = await listen(servers[0]!);
    fastPort = await listen(servers[1]!);
  });
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  const cases: [method: string, path: string, fast: boolean][] = [
    ['GET', '/v1/items/abc', true],
    ['HEAD', '/v1/items/abc', true],
    ['GET', '/v1/items/abc?limit=3&x=y', true],
    ['GET', '/v1/items/a%20b%2Fc', true],
    ['GET', '/v1/items/abc/', false], // trailing slash: express's looser match
    ['GET', '/V1/Items/abc', false], // case: likewise
    ['GET', '/v1/items/%E0%A4%A', false], // undecodable: express's 400
    ['GET', '/v1/a/b', false], // the first route express tries has a step before its handler
    ['GET', '/v1/c/b', true],
    ['POST', '/v1/items/abc', false],
    ['GET', '/v1/items/abc/fail', true],
    ['GET', '/v1/items/abc/throw', true],
    ['GET', '/v1/nowhere/at/all', false],
    ['GET', '/v1/items/abc#frag', false],
  ];
  for (const [method, path, fast] of cases) {
    it(`${method} ${path}: the same answer as express${fast ? ', past its router' : ', from express'}`, async () => {
      const plain = await send(plainPort, method, path);
      const before = viaExpress;
      const quick = await send(fastPort, method, path);
      expect(viaExpress - before).to.equal(fast ? 0 : 1);
      expect(quick.status).to.equal(plain.status);
      expect(quick.body).to.equal(plain.body);
      for (const h of ['content-type', 'content-length', 'x-seen'])
        expect(quick.headers[h], h).to.equal(plain.headers[h]);
    });
  }
});
