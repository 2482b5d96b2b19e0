import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HttpProblem } from '../problem.js';

export interface ConsoleOptions {
  /** Folder of the console's static files (default: gateway/console, found from this module). */
  readonly dir?: string;
}

/** Mount point of the console; startNodeGateway mounts it there. */
export const CONSOLE_PATH = '/console';

/**
 * The audit console's pages are same-origin only: scripts, styles, workers and API calls from the gateway
 * itself, no inline code, no framing, no form posts anywhere. Downloads are `blob:` links the page makes.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * Serves the audit console (plain HTML, CSS and ES modules from gateway/console) behind the gateway's mTLS:
 * GET and HEAD only, strict CSP and security headers, `no-cache` with a strong ETag (file names carry no
 * content hash, so browsers revalidate and get 304 while a file is unchanged). Files are read once, at the
 * first request.
 */
export function consoleRouter(options: Readonly<ConsoleOptions> = {}): Router {
  const dir = options.dir ?? defaultDir();
  let assets: Promise<ReadonlyMap<string, Asset>> | undefined;
  const load = () => {
    assets ??= loadAssets(dir);
    // a failed read is retried on the next request rather than remembered
    assets.catch(() => (assets = undefined));
    return assets;
  };

  const router = express.Router({ strict: true });
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = CONSOLE_PATH;
    if (req.path === '/' && req.originalUrl.split('?')[0] === CONSOLE_PATH) {
      // /console → /console/ so that the page's base is the console's folder
      res.redirect(308, `${CONSOLE_PATH}/`);
      return;
    }
    const name = req.path === '/' ? 'index.html' : req.path.slice(1);
    const asset = (await load()).get(name);
    if (!asset) return next(new HttpProblem('ROUTE_NOT_FOUND', `no console file ${req.path}`));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return next(new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on the console's files`));
    }
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', asset.etag);
    res.setHeader('Content-Type', asset.type);
    if (matches(req.headers['if-none-match'], asset.etag)) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Length', asset.body.length);
    if (req.method === 'HEAD') res.end();
    else res.end(asset.body);
  });
  return router;
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v === `W/${etag}`;
  });
}

async function loadAssets(dir: string): Promise<ReadonlyMap<string, Asset>> {
  const out = new Map<string, Asset>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const type = TYPES[extname(entry.name)];
    if (!type) continue; // only what the console is made of; nothing else in the folder is served
    const body = await readFile(path);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    out.set(relative(dir, path).split(sep).join('/'), { body, type, etag });
  }
  if (!out.has('index.html')) throw new Error(`${dir} holds no console (index.html is missing)`);
  return out;
}

/** gateway/console, from gateway/src/console (tsx) or gateway/dist/src/console (built). */
function defaultDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['../../console', '../../../console']) {
    const dir = join(here, up);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  throw new Error(`the audit console's files (gateway/console) are not found from ${here}`);
}
