import type { CidProfileName, ContentStore } from '../content/types.js';
import type { BatchRecord, BatchRecordInput } from '../index/types.js';
import type { ResourceVersion } from '../index/records.js';
import type { Ledger } from '../ledger/types.js';
import type { Failure, SourceKind } from './sources/types.js';

/** The part of the local index the pipeline writes to: metadata by hash, inclusion proofs by record. */
export interface IngestIndex {
  putMetadata(metadataHash: string, metadata: unknown): void;
  /** Many at once, in one transaction (ingest stores a register batch's metadata this way when it can). */
  putMetadataMany?(items: readonly Readonly<{ metadataHash: string; metadata: unknown }>[]): void;
  putBatchRecords(batchId: string, treeSize: number, records: readonly BatchRecordInput[]): void;
  getBatchRecord(recordId: string): BatchRecord | undefined;
  /** With getVersion and IngestDeps.catchUp: chain heads read locally instead of two ledger queries a file. */
  getResource?(
    resourceId: string,
  ): { readonly status: 'active' | 'withdrawn'; readonly headVersion: number } | undefined;
  getVersion?(resourceId: string, version: number): { readonly record: ResourceVersion } | undefined;
}

export interface IngestDeps {
  readonly ledger: Ledger;
  readonly content: ContentStore;
  /** Where proofs and metadata go; without it records are anchored but `shulian proof` cannot answer. */
  readonly index?: IngestIndex;
  /** The node's home: the journal and the source catalogs live under it. */
  readonly home: string;
  /**
   * Brings the index up to the chain. Given (and the index can answer getResource/getVersion), the job
   * catches the index up once at its start and compares files with the heads it holds; otherwise every
   * file costs a GetResource and a GetVersion on the ledger.
   */
  readonly catchUp?: () => Promise<void>;
}

export interface WithdrawMissing {
  /** A chaincode reason code: copyright-claim, error, duplicate, superseded, legal, other. */
  readonly reason: string;
  readonly note?: string;
}

export interface IngestOptions {
  readonly source: string;
  /** Print the plan, change nothing (no content stored, no transaction, no journal). */
  readonly dryRun?: boolean;
  readonly withdrawMissing?: WithdrawMissing;
  /** Files stored in parallel (default 4: SHULIAN_INGEST_CONCURRENCY). */
  readonly concurrency?: number;
  /** Versions per RegisterVersions transaction (default 100). */
  readonly registerBatchSize?: number;
  /** CID profile for new content (default the store's, kubo-v1). */
  readonly profile?: CidProfileName;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'withdrawn' | 'failed';

export type ProgressEvent =
  | {
      readonly type: 'scanned';
      readonly kind: SourceKind;
      readonly files: number;
      readonly bytes: number;
      readonly recordFiles: number;
    }
  | { readonly type: 'bytes'; readonly bytes: number }
  | {
      readonly type: 'resource';
      readonly outcome: Outcome | 'planned-create' | 'planned-update' | 'planned-withdraw';
      readonly resourceId: string;
      readonly file: string;
      readonly size: number;
      readonly version?: number;
      readonly reason?: string;
    }
  | { readonly type: 'failure'; readonly failure: Failure }
  | { readonly type: 'phase'; readonly phase: 'store' | 'records' | 'withdraw'; readonly total: number }
  | {
      readonly type: 'records';
      readonly anchored: number;
      readonly unchanged: number;
      readonly failed: number;
      readonly total: number;
    };

export interface ResourceResult {
  readonly resourceId: string;
  readonly file: string;
  readonly outcome: Outcome | 'planned-create' | 'planned-update' | 'planned-withdraw';
  readonly version?: number;
  readonly txId?: string;
  readonly cid?: string;
  readonly size?: number;
}

export interface RecordsSummary {
  readonly anchored: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly batches: number;
}

export interface IngestSummary {
  readonly job: string;
  readonly source: string;
  readonly kind: SourceKind;
  readonly dryRun: boolean;
  /** True when this run finished a job an earlier run left unfinished. */
  readonly resumed: boolean;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly withdrawn: number;
  readonly failed: number;
  /** Payload bytes stored by this job (new or changed content). */
  readonly bytes: number;
  readonly records: RecordsSummary;
  readonly failures: readonly Failure[];
  readonly resources: readonly ResourceResult[];
}
