/**
 * Ingest: scan a library's sources (directories with sidecars, CSV / JSON Lines manifests, BagIt bags,
 * JSON Lines of indexing records), validate their metadata against the shipped JSON Schemas, store the
 * payloads, register their versions on chain, anchor indexing records as Merkle batches, and keep a
 * journal so that a job killed at any moment finishes on the next run.
 */
export { runIngest } from './job.js';
export type {
  IngestDeps,
  IngestIndex,
  IngestOptions,
  IngestSummary,
  Outcome,
  ProgressEvent,
  RecordsSummary,
  ResourceResult,
  WithdrawMissing,
} from './types.js';
export { chainClient, type Chain } from './chain.js';
export type {
  Action,
  Batch,
  GrantRightsInput,
  RightsBasis,
  Rights,
  Resource,
  ResourceVersion,
  Withdrawal,
} from './chain.js';
export { Journal, jobIdFor, type JournalEntry, type OpenJournal } from './journal.js';
export { recordProof, checkRecordProof, type RecordProof, type RecordProofCheck } from './proof.js';
export { recordDigest, batchIdFor, BATCH_KIND } from './anchor.js';
export { verifyFile, parseResourceRef, type FileCheck } from './verify.js';
export {
  loadSchema,
  schemasDir,
  schemaIssues,
  assertValid,
  SCHEMA_BASE,
  SCHEMA_FILES,
  type SchemaName,
  type Issue,
} from './schemas.js';
export { isValidIsbn } from './isbn.js';
export {
  scanSource,
  detectSource,
  validateBag,
  readRecords,
  deriveResourceId,
  resourceIdFor,
  parseCsv,
  validateResourceMetadata,
  validateIndexingRecord,
  type Failure,
  type IndexingRecord,
  type ResourceEntry,
  type ResourceMetadata,
  type ScanResult,
  type SourceKind,
  type BagReport,
} from './sources/index.js';
export { DC_ELEMENTS, type DcElement } from './dublin-core.js';
