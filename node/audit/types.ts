import type { LocalIndex, Paged, RightsStatusFilter } from '../index/index.js';
import type { Rights } from '../index/records.js';

/**
 * Fixity results, as the fixity audit job (node/fixity, `shulian fixity`) records them and the audit API,
 * the console, the exports and the report read them. The job owns the writing side; everything here only
 * reads through `FixityReader`, so the store can be whatever the job chooses (the index's SQLite, files).
 */
export interface FixityEvent {
  /** Unique per check, stable: PREMIS eventIdentifierValue. */
  readonly eventId: string;
  readonly runId: string;
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  /** When the bytes were re-hashed (ISO-8601). */
  readonly checkedAt: string;
  readonly outcome: 'pass' | 'fail';
  /** The digests on chain. */
  readonly expected: { readonly sha256: string; readonly sm3: string };
  /** What the stored bytes hashed to; null when they could not be read (missing block, store down). */
  readonly actual: { readonly sha256: string | null; readonly sm3: string | null };
  readonly detail?: string;
  /** The result's leaf in the run's Merkle tree, once the run is anchored on chain; else null. */
  readonly anchor: {
    readonly batchId: string;
    readonly txId: string;
    readonly leafIndex: number;
    readonly treeSize: number;
    readonly proof: readonly string[];
    readonly root: string;
  } | null;
}

export interface FixityRun {
  readonly runId: string;
  readonly started: string;
  readonly finished: string | null;
  readonly sampleFraction?: number;
  readonly checked: number;
  readonly passed: number;
  readonly failed: number;
  /** The AnchorBatch (kind `fixity-audit`) of the run's results, once anchored. */
  readonly batchId: string | null;
  readonly txId: string | null;
  readonly root: string | null;
}

export interface FixityQuery {
  readonly resourceId?: string;
  readonly runId?: string;
  readonly outcome?: 'pass' | 'fail';
  /** checkedAt at or after / at or before (ISO-8601). */
  readonly from?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface FixityRunQuery {
  /** Runs started at or after / at or before (ISO-8601). */
  readonly from?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** The reading side of the fixity store. Newest first. */
export interface FixityReader {
  listFixityEvents(query?: Readonly<FixityQuery>): Paged<FixityEvent>;
  listFixityRuns(query?: Readonly<FixityRunQuery>): Paged<FixityRun>;
  getFixityRun(runId: string): FixityRun | undefined;
}

/** The index slices the audit reads. */
export type AuditIndex = Pick<
  LocalIndex,
  | 'getResource'
  | 'getRights'
  | 'listRights'
  | 'rightsHistory'
  | 'history'
  | 'receipts'
  | 'listReceipts'
  | 'listResources'
  | 'getVersion'
>;

export interface AuditSources {
  readonly index: AuditIndex;
  /** Absent when the node keeps no fixity results (the fixity job never ran, or another store). */
  readonly fixity?: FixityReader;
}

/** One transaction of the chain, as an audit answer names it. */
export interface ChainEvent {
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex?: number;
  /** Block commit time, when known. */
  readonly committed?: string;
  /** Transaction time (the record's own timestamp). */
  readonly at: string;
}

export interface AuditRights {
  readonly rightsId: string;
  readonly record: Rights;
  readonly granted: ChainEvent;
  readonly revoked: ChainEvent | null;
  readonly history: readonly (ChainEvent & { readonly kind: 'granted' | 'revoked'; readonly summary: string })[];
  /** In force at the query's reference time. */
  readonly inForce: boolean;
}

export interface RightsAuditQuery {
  readonly resourceId?: string;
  readonly assignee?: string;
  readonly assigner?: string;
  readonly status?: RightsStatusFilter;
  readonly expiringWithinDays?: number;
  readonly at?: string;
  /** A grant or revocation happened at or after / at or before (transaction time, ISO-8601). */
  readonly from?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export type TimelineKind =
  'version' | 'derivation' | 'batch' | 'rights-granted' | 'rights-revoked' | 'receipt' | 'fixity' | 'withdrawal';

export interface TimelineEvent {
  readonly kind: TimelineKind;
  readonly at: string;
  readonly txId: string | null;
  readonly blockNumber: number | null;
  readonly txIndex: number | null;
  readonly committed: string | null;
  readonly summary: string;
  readonly record: Readonly<Record<string, unknown>>;
}

export interface Timeline {
  readonly resource: {
    readonly id: string;
    readonly owner: string;
    readonly status: 'active' | 'withdrawn';
    readonly headVersion: number;
    readonly created: string;
    readonly updated: string;
  };
  readonly events: readonly TimelineEvent[];
}
