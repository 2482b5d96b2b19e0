/**
 * Fixity audits: what a run checks, what it records (PREMIS 3 fixity-check events) and how each result is
 * anchored on chain (one AnchorBatch of kind `fixity-audit` per run, leaves = the results' RFC 8785 JSON).
 */

export const FIXITY_BATCH_KIND = 'fixity-audit';
/** PREMIS 3 event type (id.loc.gov/vocabulary/preservation/eventType/fix). */
export const PREMIS_EVENT_TYPE = 'fixity check';
export const FIXITY_RESULT_SCHEMA = 1;

export type FixityOutcome = 'pass' | 'fail';

/** What the chain records for the version: the expected values. */
export interface ExpectedFixity {
  readonly cid: string;
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
}

/** What the re-hash found. Digests are null when the bytes could not be read to the end. */
export interface ObservedFixity {
  /** Every block of the DAG present and matching its CID (ContentStore.verify). */
  readonly cidIntact: boolean;
  readonly blocks: number;
  readonly missingBlocks: readonly string[];
  readonly corruptBlocks: readonly string[];
  readonly sha256: string | null;
  readonly sm3: string | null;
  readonly size: number | null;
}

/**
 * One fixity check: a PREMIS fixity-check event and, as its RFC 8785 canonical JSON, one leaf of the run's
 * Merkle tree. Everything in it is fixed once written; re-serialising it gives the leaf back.
 */
export interface FixityResult {
  readonly schemaVersion: number;
  readonly eventType: typeof PREMIS_EVENT_TYPE;
  readonly runId: string;
  /** Leaf index in the run's tree. */
  readonly index: number;
  readonly resourceId: string;
  readonly version: number;
  readonly cidProfile: string;
  readonly expected: ExpectedFixity;
  readonly observed: ObservedFixity;
  readonly outcome: FixityOutcome;
  /** Empty on pass; on fail, what differed (e.g. "sha256 differs; 1 corrupt block"). */
  readonly detail: string;
  /** When the check finished (ISO-8601, the node's clock: an observation, not a chain fact). */
  readonly checked: string;
  /** PREMIS linking agent: the software and the organisation that ran it. */
  readonly agent: string;
}

/** Where a run is anchored on chain. */
export interface FixityAnchor {
  readonly batchId: string;
  /** RFC 9162 Merkle root over the run's results, hex. */
  readonly root: string;
  readonly count: number;
  readonly txId: string;
  readonly blockNumber: number;
}

/** A stored fixity check with everything needed to verify it offline against the anchored root. */
export interface FixityEvent {
  readonly result: FixityResult;
  /** The leaf data: `result` as RFC 8785 canonical JSON (UTF-8). */
  readonly canonical: string;
  /** RFC 9162 leaf hash (SHA-256 of 0x00 || canonical), hex. Null until the run is complete. */
  readonly leafHash: string | null;
  /** Audit path, hex, nearest sibling first. Empty until the run is anchored. */
  readonly proof: readonly string[];
  /** The run's anchor, null until it is anchored. */
  readonly anchor: FixityAnchor | null;
}

/**
 * running: checking (or interrupted; `shulian fixity --resume` finishes it);
 * checked: every check recorded, anchoring failed or pending (retried by the next run);
 * anchored: complete, root on chain; empty: nothing to check (nothing is anchored).
 */
export type FixityRunStatus = 'running' | 'checked' | 'anchored' | 'empty';

export interface FixityRun {
  readonly runId: string;
  readonly status: FixityRunStatus;
  readonly started: string;
  readonly finished: string | null;
  readonly mode: 'all' | 'sample';
  /** 1 for `all`. */
  readonly fraction: number;
  /** Hex seed of the sample: with the population it reproduces the selection (`selectVersions`). */
  readonly seed: string;
  /** Versions that could be checked (of active resources) when the run started. */
  readonly population: number;
  readonly selected: number;
  readonly checked: number;
  readonly passed: number;
  readonly failed: number;
  readonly agent: string;
  /** What started it: `schedule`, `cli`, or a caller's label. */
  readonly trigger: string;
  readonly anchor: FixityAnchor | null;
  /** Why anchoring failed, when it did. */
  readonly anchorError: string | null;
}

export interface FixitySummary {
  readonly runs: number;
  /** Checks and failed checks ever recorded (monotonic: the store is append-only). */
  readonly checks: number;
  readonly failures: number;
  /** The latest finished run (checked or anchored). */
  readonly lastRun: FixityRun | null;
}

export interface ListRunsOptions {
  /** Runs started at or after / before / at or before (ISO-8601; a bare date `until` covers that day). */
  readonly from?: string;
  readonly to?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

export interface ListEventsOptions {
  readonly outcome?: FixityOutcome;
  readonly resourceId?: string;
  readonly runId?: string;
  /** Checks finished at or after / before / at or before (ISO-8601; a bare date `until` covers that day). */
  readonly from?: string;
  readonly to?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** Read side of the fixity store: what the audit API, the console, the report and /metrics use. */
export interface FixityStoreReader {
  readonly path: string;
  /** Newest first. */
  listRuns(options?: Readonly<ListRunsOptions>): readonly FixityRun[];
  getRun(runId: string): FixityRun | undefined;
  /** Checks of one run in leaf order. */
  eventsOfRun(runId: string, options?: Readonly<ListEventsOptions>): readonly FixityEvent[];
  /** Every check of a resource (optionally one version), newest first. */
  eventsFor(resourceId: string, version?: number): readonly FixityEvent[];
  /** Checks across runs, newest first (e.g. `{ outcome: 'fail' }` for the failures). */
  listEvents(options?: Readonly<ListEventsOptions>): readonly FixityEvent[];
  countEvents(options?: Readonly<ListEventsOptions>): number;
  countRuns(options?: Readonly<ListRunsOptions>): number;
  summary(): FixitySummary;
  close(): void;
}
