import type { Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import type { IntegrityAlerts } from './alerts.js';
import type { CursorCodec } from './cursor.js';
import type { GatewayDeps, GatewayLimits } from './deps.js';
import type { GatewayMetrics } from './metrics.js';
import type { OperationValidator } from './request-validation.js';

/** What every route module gets: the deps plus the gateway's shared machinery. */
export interface RouteContext {
  readonly deps: GatewayDeps;
  readonly limits: GatewayLimits;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly cursors: CursorCodec;
  readonly validators: ReadonlyMap<string, OperationValidator>;
  /** Versions whose stored bytes failed verification and have not verified since. */
  readonly alerts: IntegrityAlerts;
  readonly now: () => Date;
  /** Registers a route documented in the OpenAPI document under `path` (OpenAPI syntax). */
  readonly route: (
    method: 'get' | 'post',
    path: string,
    handler: OperationHandler,
    ...before: RequestHandler[]
  ) => void;
  readonly isShuttingDown: () => boolean;
  /** The ledger's proof bundle of a committed transaction (immutable, so kept in a bounded cache). */
  readonly proof: (txId: string) => Promise<unknown>;
}

export interface ValidatedParams {
  readonly path: Record<string, string>;
  readonly query: Record<string, unknown>;
}

export type OperationHandler = (req: Request, res: Response, params: ValidatedParams) => Promise<void> | void;

/** `/v1/resources/{id}` → `/v1/resources/:id` (express 5 / path-to-regexp 8). */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

export type { Router };
