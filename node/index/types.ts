import type { Action, Authorization, Batch, Receipt, ResourceVersion, Rights, Withdrawal } from './records.js';
import type { ContentStore } from '../content/types.js';
import type { Checkpointer, Ledger, LedgerEvent } from '../ledger/types.js';
import type { SearchText } from './text.js';

/** A position in the chain's event stream: one event per transaction, so (block, txIndex) is unique. */
export interface Position {
  readonly blockNumber: number;
  readonly txIndex: number;
}

/** Where every row came from on chain: what the changes feed, OAI-PMH and manifests quote. */
export interface ChainPlacement {
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  /** Commit time of the block (ISO-8601). */
  readonly committed: string;
}

export interface VersionView extends ChainPlacement {
  readonly record: ResourceVersion;
}

export interface WithdrawalView extends ChainPlacement {
  readonly record: Withdrawal;
}

export interface ResourceView {
  readonly id: string;
  readonly owner: string;
  readonly status: 'active' | 'withdrawn';
  readonly headVersion: number;
  /** Transaction timestamps of the first and the latest change. */
  readonly created: string;
  readonly updated: string;
  /** Chain position of the latest change (version or withdrawal). */
  readonly changed: ChainPlacement;
  readonly versions: readonly VersionView[];
  readonly withdrawal: WithdrawalView | null;
  /** The head version's metadata JSON, when the ingest pipeline (or follow with a content store) stored it. */
  readonly metadata: unknown;
}

/** One step of a resource's life on chain (`record`: the record as it stands now for rights). */
export interface HistoryItem extends ChainPlacement {
  readonly kind: 'version' | 'withdrawal' | 'batch' | 'receipt' | 'rights-granted' | 'rights-revoked';
  readonly summary: string;
  readonly record: Readonly<Record<string, unknown>>;
}

export interface RightsView extends ChainPlacement {
  readonly record: Rights;
  /** The grant's own placement (the revocation, if any, is `txId`/`blockNumber` of the view). */
  readonly grantedBlockNumber: number;
}

export interface BatchView extends ChainPlacement {
  readonly record: Batch;
}

export interface ReceiptView extends ChainPlacement {
  readonly record: Receipt;
}

/** One entry of the changes feed: a resource whose state changed in this transaction. */
export interface Change extends ChainPlacement {
  /** Position of this resource among those the transaction changed (RegisterVersions writes many). */
  readonly item: number;
  readonly resourceId: string;
  readonly kind: 'version' | 'withdrawal';
  readonly version: number;
  readonly owner: string;
}

export interface ChangesOptions {
  readonly limit?: number;
  readonly owner?: string;
  /** Only changes committed at or after / at or before (ISO-8601 block commit time, for OAI-PMH). */
  readonly from?: string;
  readonly until?: string;
  /** Only changes that are still their resource's latest (OAI-PMH lists each item once, at its datestamp). */
  readonly latestOnly?: boolean;
}

export interface ChangesPage {
  /** Whole transactions only: a page may exceed `limit` to finish the transaction it ends in. */
  readonly changes: readonly Change[];
  /** The last transaction delivered: pass back as `after` for the next page; equals `after` when nothing new. */
  readonly next: Position;
}

export type RightsStatusFilter = 'granted' | 'revoked' | 'in-force' | 'expired';

export interface RightsQuery {
  readonly resourceId?: string;
  readonly assignee?: string;
  readonly assigner?: string;
  readonly status?: RightsStatusFilter;
  /** Grants in force whose notAfter falls within this many days from `at`. */
  readonly expiringWithinDays?: number;
  /** Reference time for in-force / expired / expiring (ISO-8601); default now. */
  readonly at?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface Paged<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export interface ReceiptQuery {
  readonly resourceId?: string;
  readonly warehouse?: string;
  /** Only receipts whose transaction time is at or after / at or before (ISO-8601). */
  readonly from?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export type SearchKind = 'resource' | 'record';

export interface SearchOptions {
  readonly limit?: number;
  readonly offset?: number;
  readonly kind?: SearchKind;
  /** Only resources of this owner (records: of their batch's owner, when anchored). */
  readonly owner?: string;
  /** Include withdrawn resources (default false). */
  readonly includeWithdrawn?: boolean;
}

export interface SearchHit {
  readonly kind: SearchKind;
  /** Resource id, or indexing-record id. */
  readonly id: string;
  /** For records: the parent resource (and version), when known. */
  readonly resourceId: string | null;
  readonly version: number | null;
  readonly title: string;
  readonly subjects: readonly string[];
  readonly keywords: readonly string[];
  /** A short excerpt around the first match. */
  readonly snippet: string;
  readonly status: 'active' | 'withdrawn' | null;
}

/** An indexing record's place in its anchored Merkle batch, stored by the ingest pipeline. */
export interface BatchRecordInput {
  readonly recordId: string;
  readonly leafIndex: number;
  /** RFC 9162 leaf hash: hex, or its 32 bytes. */
  readonly leafHash: string | Uint8Array;
  /**
   * Audit path from the leaf upwards: hex hashes, or their bytes one after the other (32 bytes each, as
   * MerkleTree#inclusionProofBytes gives it), which spares 17 strings a record when 170,000 are stored.
   */
  readonly proof: readonly string[] | Uint8Array;
  /** The record itself (indexing-record JSON), searchable when it carries title/subjects/keywords. */
  readonly record?: unknown;
  /**
   * `record` as JSON text, when the caller holds it already (ingest has each record's canonical JSON):
   * stored as given instead of serialising `record` again. It must parse to `record`.
   */
  readonly recordJson?: string;
  /**
   * What search sees of the record, when the caller has worked it out already: `searchText(record)` and
   * the resource version the record belongs to. With it and `recordJson`, `record` may be left out.
   */
  readonly searchDoc?: RecordSearchDoc;
}

export interface RecordSearchDoc extends SearchText {
  readonly resourceId: string | null;
  readonly version: number | null;
}

export interface BatchRecord {
  readonly recordId: string;
  readonly leafIndex: number;
  /** RFC 9162 leaf hash, hex. */
  readonly leafHash: string;
  /** Audit path, hex hashes from the leaf upwards. */
  readonly proof: readonly string[];
  /** The record as stored (indexing-record JSON), when it was. */
  readonly record?: unknown;
  readonly batchId: string;
  readonly treeSize: number;
  /** The anchored batch, once its BatchAnchored event has been projected. */
  readonly batch: BatchView | null;
}

export interface IndexStatus {
  readonly path: string;
  /** Last applied event, or null when nothing has been applied. */
  readonly position: (Position & { readonly txId: string }) | null;
  readonly eventsApplied: number;
  readonly counts: Readonly<
    Record<
      'resources' | 'versions' | 'withdrawals' | 'rights' | 'batches' | 'batchRecords' | 'receipts' | 'metadata',
      number
    >
  >;
  /** Indexing records stored but not yet in the full-text index (the next search indexes them). */
  readonly searchPending: number;
}

export interface ApplyResult {
  readonly applied: number;
  readonly skipped: number;
}

export interface FollowOptions {
  readonly signal?: AbortSignal;
  /** Return once caught up with the ledger's height instead of waiting for new blocks. */
  readonly untilCaughtUp?: boolean;
  /** Fetches missing metadata JSON by the version's metadataCid, verified against metadataHash. */
  readonly content?: ContentStore;
  /** Called after each event is applied (or skipped as already applied). */
  readonly onEvent?: (event: LedgerEvent, applied: boolean) => void;
}

export interface AuthorizationQuery {
  readonly resourceId: string;
  readonly org: string;
  readonly action: Action;
  /** ISO-8601; default now. */
  readonly at?: string;
}

/**
 * The node's local query index: a projection of the chain's events into SQLite, with its checkpoint in
 * the same transaction as the rows it covers, plus off-chain data the ingest pipeline keeps beside it
 * (metadata JSON by hash, inclusion proofs by record id). `rebuild` reproduces the projection from the
 * ledger alone; the off-chain tables survive it.
 */
export interface LocalIndex {
  readonly path: string;

  /** Applies events in order; events at or before the checkpoint are skipped (exactly-once). */
  apply(events: readonly LedgerEvent[]): ApplyResult;
  /** Follows the ledger from the index's checkpoint until `signal` aborts (or caught up, if asked). */
  follow(ledger: Ledger, options?: Readonly<FollowOptions>): Promise<void>;
  /** Drops the projection and replays the ledger from block 0, in one transaction. */
  rebuild(ledger: Ledger, options?: Readonly<Omit<FollowOptions, 'untilCaughtUp'>>): Promise<IndexStatus>;
  status(): IndexStatus;
  /** The index's checkpoint as a ledger Checkpointer (save is a no-op: `apply` stores it with the rows). */
  checkpointer(): Checkpointer;

  getResource(resourceId: string): ResourceView | undefined;
  getVersion(resourceId: string, version: number): VersionView | undefined;
  /** Versions of any resource whose payload has this SHA-256 (lower-case hex), in chain order, at most `limit`. */
  versionsBySha256(sha256: string, limit?: number): readonly VersionView[];
  /** Everything that happened to the resource on chain, in commit order. */
  history(resourceId: string): readonly HistoryItem[];
  /**
   * Resource changes in transactions strictly after `after` (from the start: `{ blockNumber: -1, txIndex: 0 }`),
   * in chain order. The second argument is the page size or the options.
   */
  changesSince(after: Readonly<Position>, options?: number | Readonly<ChangesOptions>): ChangesPage;
  listResources(
    options?: Readonly<{ owner?: string; status?: 'active' | 'withdrawn'; limit?: number; offset?: number }>,
  ): Paged<ResourceView>;

  getRights(rightsId: string): RightsView | undefined;
  /** The grant and the revocation (if any) of a rights record, with their chain placement, in chain order. */
  rightsHistory(rightsId: string): readonly (ChainPlacement & { readonly kind: 'granted' | 'revoked' })[];
  listRights(query?: Readonly<RightsQuery>): Paged<RightsView>;
  /** Same rules as the chaincode's IsAuthorized, answered locally. */
  isAuthorized(query: Readonly<AuthorizationQuery>): Authorization;

  getBatch(batchId: string): BatchView | undefined;
  /**
   * Stores the records' places in an anchored batch (upserting by record id). A record's owner, for
   * search, is its batch's once the BatchAnchored event is projected.
   */
  putBatchRecords(batchId: string, treeSize: number, records: readonly BatchRecordInput[]): void;
  getBatchRecord(recordId: string): BatchRecord | undefined;

  receipts(resourceId: string): readonly ReceiptView[];
  /** Receipts of every resource, filtered, in chain order (the audit API's transfer list). */
  listReceipts(query?: Readonly<ReceiptQuery>): Paged<ReceiptView>;

  putMetadata(metadataHash: string, metadata: unknown): void;
  /** putMetadata for many documents in one write transaction (all or none). */
  putMetadataMany(items: readonly Readonly<{ metadataHash: string; metadata: unknown }>[]): void;
  getMetadata(metadataHash: string): unknown;

  /** Searches; first brings pending indexing records into the full-text index. */
  search(query: string, options?: Readonly<SearchOptions>): Paged<SearchHit>;
  /** Puts pending indexing records into the full-text index now; returns how many. */
  flushSearch(): number;

  close(): void;
}
