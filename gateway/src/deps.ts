import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { IntegrityAlerts } from './alerts.js';
import type { GatewayContent, GatewayIndex, GatewayLedger } from './ports.js';
import type { RevocationList } from './revocation.js';

export interface GatewayLimits {
  /** Largest JSON body (operator endpoints), bytes. */
  readonly maxJsonBytes: number;
  /** Largest upload (POST .../versions), bytes. */
  readonly maxUploadBytes: number;
  /** Longest request target (path + query), characters; longer → 414. */
  readonly maxUrlLength: number;
  /** Largest `Shulian-Metadata` header, characters (base64url). */
  readonly maxMetadataHeader: number;
}

export const DEFAULT_LIMITS: GatewayLimits = Object.freeze({
  maxJsonBytes: 64 * 1024,
  maxUploadBytes: 8 * 1024 ** 3,
  maxUrlLength: 2048,
  maxMetadataHeader: 8192,
});

/** What createGatewayApp needs: the node's parts and the gateway's own settings. */
export interface GatewayDeps {
  /** The node's own org (MSP id): operator endpoints are for its operators only. */
  readonly mspId: string;
  readonly ledger: GatewayLedger;
  readonly content: GatewayContent;
  readonly index: GatewayIndex;
  /**
   * A number that changes whenever anything is committed to the index (by any connection or process).
   * When given, what the gateway reads from the index for a manifest is reused until it changes; without
   * it, every manifest reads the index afresh. startNodeGateway supplies it (SQLite's data_version).
   */
  readonly indexVersion?: () => number;
  /** HMAC key of the changes cursor (>= 16 bytes). Keep it stable: cursors never expire. */
  readonly cursorKey: Uint8Array;
  readonly logger?: Logger;
  /** Folder of the metadata JSON Schemas (node/schemas by default). */
  readonly schemasDir?: string;
  readonly revocation?: RevocationList;
  readonly limits?: Partial<GatewayLimits>;
  /** Checks upload metadata (ingest's resource schema); throws a ValidationError naming the field. */
  readonly validateMetadata?: (metadata: unknown) => void;
  /** Where integrity flags are kept (startNodeGateway: journaled in the home). Default: in memory. */
  readonly alerts?: IntegrityAlerts;
  /** Called when stored bytes failed verification while streaming (after logging and counting). */
  readonly onIntegrityFailure?: (alert: IntegrityAlert) => void;
  readonly now?: () => Date;
  /**
   * How ranged responses are verified. 'store-reads' (default): the store re-hashes each block it reads
   * against its CID (node/content's embedded store does, verifyReads on) and a failure cuts the response.
   * 'full-dag': the whole DAG is re-verified before each ranged response (for stores that do not verify
   * their reads; costs a full read per request).
   */
  readonly rangeVerification?: 'store-reads' | 'full-dag';
  /**
   * More routers mounted behind the same mTLS identity, limits, logging, metrics and problem handler
   * (OAI-PMH at /oai). `routes` lists what each serves, in OpenAPI path syntax, for the document check.
   */
  readonly mounts?: readonly GatewayMount[];
}

export interface GatewayMount {
  readonly path: string;
  readonly router: RequestHandler;
  readonly routes: readonly { readonly method: 'GET' | 'POST'; readonly path: string }[];
}

export interface IntegrityAlert {
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly kind: 'content' | 'range' | 'car' | 'bag';
  readonly detail: string;
  readonly at: string;
}
