import type { RouteContext } from './context.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import { OPENAPI_DOCUMENT } from './openapi.js';

const CHECK_TIMEOUT_MS = 2000;

async function check(
  name: string,
  fn: () => Promise<unknown> | unknown,
): Promise<[string, { ok: boolean; detail?: string }]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return [name, { ok: true }];
  } catch (err) {
    return [name, { ok: false, detail: err instanceof Error ? err.message : String(err) }];
  } finally {
    clearTimeout(timer);
  }
}

// CID of the empty raw block: asking the store whether it has it exercises the store without side effects
const PROBE_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

export function registerOperationRoutes(ctx: RouteContext): void {
  ctx.route('get', '/v1/openapi.json', (_req, res) => {
    res.json(OPENAPI_DOCUMENT);
  });
  ctx.route('get', '/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  ctx.route('get', '/readyz', async (_req, res) => {
    const checks = Object.fromEntries(
      await Promise.all([
        check('ledger', () => ctx.deps.ledger.height()),
        check('content', () => ctx.deps.content.has(PROBE_CID)),
        check('index', () => ctx.deps.index.status()),
      ]),
    );
    const ok = Object.values(checks).every((c) => c.ok);
    const status = ctx.isShuttingDown() ? 'shutting-down' : ok ? 'ready' : 'not-ready';
    res.status(status === 'ready' ? 200 : 503).json({ status, checks });
  });
  ctx.route('get', '/metrics', (_req, res) => {
    res.type(PROMETHEUS_CONTENT_TYPE).send(ctx.metrics.registry.render());
  });
}
