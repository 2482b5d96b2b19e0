import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { ConfigError } from 'shulian/core';
import { consortiumLayout } from 'shulian/identity';
import { assertValid, schemasDir } from 'shulian/ingest';
import { openIntegrityAlerts } from './alerts.js';
import type { GatewayLimits, IntegrityAlert } from './deps.js';
import type { GatewayContent, GatewayIndex, GatewayLedger } from './ports.js';
import { createRevocationList } from './revocation.js';
import { watchIndex } from './index-watch.js';
import { startGateway, type GatewayTimeouts, type RunningGateway } from './server.js';
import { oaiRouter, SHULIAN_XSD } from './oai/index.js';
import { receiptsRouter, RECEIPTS_ROUTES } from './receipts/index.js';
import { auditRouter, AUDIT_ROUTES } from './audit/index.js';
import { searchRouter, versionsRouter, SEARCH_ROUTES, VERSIONS_ROUTES } from './search/index.js';
import { consoleRouter, CONSOLE_PATH } from './console/index.js';
import type { AuditIndex, FixityReader } from 'shulian/audit';
import type { LocalIndex } from 'shulian/index';

/** The parts of node/runtime's ShulianNode the gateway runs on (structural, so the runtime need not be exported). */
export interface GatewayNode {
  readonly home: string;
  readonly config: {
    readonly orgMsp: string;
    readonly nationalMsp: string;
    readonly gatewayHost: string;
    readonly gatewayPort: number;
  };
  readonly ledger: GatewayLedger;
  readonly content: GatewayContent;
  readonly index: GatewayIndex & AuditIndex & Pick<LocalIndex, 'search' | 'versionsBySha256'>;
  /** The fixity audit job's results, when the node keeps them (the audit API's /v1/audit/fixity). */
  readonly fixity?: FixityReader;
  followIndex(): { readonly done: Promise<void>; stop(): Promise<void> };
}

export interface StartNodeGatewayOptions {
  readonly node: GatewayNode;
  /** Default: the node's SHULIAN_GATEWAY_HOST / SHULIAN_GATEWAY_PORT. */
  readonly host?: string;
  readonly port?: number;
  readonly logger?: Logger;
  readonly limits?: Partial<GatewayLimits>;
  readonly timeouts?: Partial<GatewayTimeouts>;
  /** Keep the index following the chain while the gateway runs (default true). */
  readonly followIndex?: boolean;
  readonly onIntegrityFailure?: (alert: IntegrityAlert) => void;
  /** Fixity results for the audit API (default: the node's `fixity`, if any). */
  readonly fixity?: FixityReader;
}

function fixityOf(options: Readonly<StartNodeGatewayOptions>): { fixity?: FixityReader } {
  const fixity = options.fixity ?? options.node.fixity;
  return fixity ? { fixity } : {};
}

/** Files the gateway keeps in the home, next to the consortium material. */
export function gatewayFiles(home: string) {
  return {
    /** HMAC key of the changes cursor (32 random bytes, created on first start, mode 0600). */
    cursorKey: join(home, 'gateway', 'cursor.key'),
    /** Integrity flags raised while serving content, journaled (see gateway/src/alerts.ts). */
    integrityAlerts: join(home, 'gateway', 'integrity-alerts.jsonl'),
    /** Revoked client certificates (see gateway/src/revocation.ts for the format). */
    revocationList: join(home, 'consortium', 'revoked-certificates.txt'),
  };
}

/** Reads the cursor key, creating it once (exclusive create: two gateways starting together agree). */
export async function loadCursorKey(path: string): Promise<Buffer> {
  try {
    const key = await readFile(path);
    if (key.length < 32)
      throw new ConfigError(
        `${path}: the cursor key must be 32 bytes; delete it only if you accept that issued cursors stop working`,
      );
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true });
  const key = randomBytes(32);
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(key);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path);
    throw err;
  }
}

/**
 * Starts the gateway of a node opened by node/runtime's openNode(): TLS server certificate and the
 * consortium's TLS CA bundle from the home, the persistent cursor key, the revocation list file, the
 * shipped metadata schemas, and the index following the chain. `close()` stops the gateway (letting
 * streams finish) and the follower; it does not close the node.
 */
export async function startNodeGateway(options: Readonly<StartNodeGatewayOptions>): Promise<RunningGateway> {
  const { node } = options;
  const layout = consortiumLayout(node.home, { provinceMsp: node.config.orgMsp, nationalMsp: node.config.nationalMsp });
  const tlsFiles = layout.province.gatewayTls;
  if (!tlsFiles) throw new ConfigError(`no gateway TLS certificate in ${layout.dir}: run shulian init`);
  const [cert, key, ca] = await Promise.all([
    readFile(tlsFiles.cert),
    readFile(tlsFiles.key),
    readFile(layout.tlsCaBundle),
  ]);
  const files = gatewayFiles(node.home);
  const logger = options.logger ?? pino({ level: process.env.SHULIAN_LOG_LEVEL ?? 'info' });
  const cursorKey = await loadCursorKey(files.cursorKey);
  const alerts = await openIntegrityAlerts(files.integrityAlerts, logger);
  const follower = options.followIndex === false ? undefined : node.followIndex();
  follower?.done.catch((err: unknown) => logger.error({ err }, 'index follower stopped'));
  // resumption tokens get their own key, derived, so a cursor can never pass for a token or the reverse
  const tokenKey = createHmac('sha256', cursorKey).update('shulian-oai-resumption-token').digest();
  const watch = watchIndex(node.index.status().path);
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      tls: { cert, key, ca },
      host: options.host ?? node.config.gatewayHost,
      port: options.port ?? node.config.gatewayPort,
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      deps: {
        mspId: node.config.orgMsp,
        ledger: node.ledger,
        content: node.content,
        index: node.index,
        ...(watch ? { indexVersion: watch.version } : {}),
        cursorKey,
        logger,
        alerts,
        schemasDir: schemasDir(),
        revocation: createRevocationList(files.revocationList, { trustedCas: ca.toString('utf8') }),
        validateMetadata: (metadata) =>
          assertValid('resource', metadata, { pointerPrefix: '/header/Shulian-Metadata' }),
        mounts: [
          // the warehouse's own signed receipts, relayed to this node's ledger (gateway/src/receipts)
          { path: '/v1/receipts', router: receiptsRouter({ ledger: node.ledger }), routes: [...RECEIPTS_ROUTES] },
          // read-only, auditor role (gateway/src/audit)
          {
            path: '/v1/audit',
            router: auditRouter({ index: node.index, ledger: node.ledger, ...fixityOf(options) }),
            routes: AUDIT_ROUTES,
          },
          { path: '/v1/search', router: searchRouter({ index: node.index }), routes: SEARCH_ROUTES },
          { path: '/v1/versions', router: versionsRouter({ index: node.index }), routes: VERSIONS_ROUTES },
          // the audit console's static pages (gateway/console); they call the routes above, same origin
          { path: CONSOLE_PATH, router: consoleRouter(), routes: [] },
          {
            path: '/oai',
            router: oaiRouter({ index: node.index, mspId: node.config.orgMsp, tokenKey, log: logger }),
            routes: [
              { method: 'GET', path: '/oai' },
              { method: 'POST', path: '/oai' },
              { method: 'GET', path: `/oai/schemas/${SHULIAN_XSD}` },
            ],
          },
        ],
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.onIntegrityFailure ? { onIntegrityFailure: options.onIntegrityFailure } : {}),
      },
    });
  } catch (err) {
    watch?.close();
    await follower?.stop();
    throw err;
  }
  const close = gateway.close;
  return {
    ...gateway,
    async close() {
      try {
        await close();
        await alerts.flush();
        await follower?.stop();
      } finally {
        watch?.close();
      }
    },
  };
}
