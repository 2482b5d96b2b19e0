import type { Readable } from 'node:stream';

/**
 * What the gateway needs from the node, as narrow structural types: node/index's LocalIndex, the Ledger
 * port and the ContentStore port all satisfy them as they are. Keeping the gateway's view narrow is what
 * lets a Fabric ledger or Kubo store sit behind the same routes.
 */
export type Action = 'reproduce' | 'distribute' | 'display' | 'play' | 'derive' | 'archive';

export interface Position {
  readonly blockNumber: number;
  readonly txIndex: number;
}

export interface ChainPlacement {
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly committed: string;
}

export interface VersionRecord {
  readonly schemaVersion: number;
  readonly docType: 'version';
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly cidProfile: string;
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
  readonly mediaType: string;
  readonly metadataHash: string;
  readonly metadataCid: string | null;
  readonly previous: string | null;
  readonly derivedFrom: readonly { readonly resourceId: string; readonly version: number }[];
  readonly owner: string;
  readonly submitter: { readonly mspId: string; readonly id: string };
  readonly txId: string;
  readonly timestamp: string;
}

export interface WithdrawalRecord {
  readonly resourceId: string;
  readonly reasonCode: string;
  readonly note: string;
  readonly headVersion: number;
  readonly txId: string;
  readonly timestamp: string;
  readonly [key: string]: unknown;
}

export interface RightsRecord {
  readonly rightsId: string;
  readonly target: { readonly type: string; readonly id: string };
  readonly assignee: string;
  readonly assigner: string;
  readonly actions: readonly string[];
  readonly status: 'granted' | 'revoked';
  readonly [key: string]: unknown;
}

export interface VersionView extends ChainPlacement {
  readonly record: VersionRecord;
}

export interface ResourceView {
  readonly id: string;
  readonly owner: string;
  readonly status: 'active' | 'withdrawn';
  readonly headVersion: number;
  readonly created: string;
  readonly updated: string;
  readonly changed: ChainPlacement;
  readonly versions: readonly VersionView[];
  readonly withdrawal: (ChainPlacement & { readonly record: WithdrawalRecord }) | null;
  readonly metadata: unknown;
}

export interface RightsView extends ChainPlacement {
  readonly record: RightsRecord;
}

export interface Change extends ChainPlacement {
  readonly resourceId: string;
  readonly kind: 'version' | 'withdrawal';
  readonly version: number;
  readonly owner: string;
}

export interface Authorization {
  readonly authorized: boolean;
  readonly rightsId: string | null;
  readonly reason: string;
}

export interface GatewayIndex {
  getResource(resourceId: string): ResourceView | undefined;
  getVersion(resourceId: string, version: number): VersionView | undefined;
  changesSince(after: Position, limit?: number): { readonly changes: readonly Change[]; readonly next: Position };
  listRights(query?: Readonly<{ resourceId?: string; limit?: number; offset?: number }>): {
    readonly items: readonly RightsView[];
    readonly total: number;
  };
  isAuthorized(query: Readonly<{ resourceId: string; org: string; action: Action; at?: string }>): Authorization;
  getMetadata(metadataHash: string): unknown;
  status(): { readonly position: (Position & { readonly txId: string }) | null };
}

/** The subset of node/ledger's Ledger port the gateway uses. */
export interface GatewayLedger {
  submit(proposal: Readonly<{ fn: string; args?: readonly string[] }>): Promise<{ readonly txId: string; readonly blockNumber: number; readonly result: Uint8Array }>;
  height(): Promise<number>;
  proof(txId: string): Promise<{ readonly format: string; readonly txId: string; readonly blockNumber: number; readonly [key: string]: unknown }>;
}

export type CidProfileName = 'kubo-v1' | 'kubo-legacy' | 'unixfs-v1-2025';

/** The subset of node/content's ContentStore port the gateway uses. */
export interface GatewayContent {
  put(
    source: AsyncIterable<Uint8Array> | Readable,
    options?: Readonly<{ profile?: CidProfileName; signal?: AbortSignal }>,
  ): Promise<{ readonly cid: string; readonly profile: CidProfileName; readonly sha256: string; readonly sm3: string; readonly size: number }>;
  get(cid: string, options?: Readonly<{ offset?: number; length?: number; signal?: AbortSignal }>): AsyncIterable<Uint8Array>;
  has(cid: string): Promise<boolean>;
  verify(cid: string): Promise<{ readonly ok: boolean; readonly missing: readonly string[]; readonly corrupt: readonly string[] }>;
  exportCar(cid: string): AsyncIterable<Uint8Array>;
}
