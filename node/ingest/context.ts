import type { ContentStore } from '../content/types.js';
import type { Chain, Resource, ResourceVersion } from './chain.js';
import type { Journal, JournalEntry } from './journal.js';
import type { Failure } from './sources/types.js';
import type { IngestIndex, IngestOptions, ProgressEvent, ResourceResult } from './types.js';

/** A payload stored by an earlier run of this job (from its journal). */
export interface StoredEntry {
  readonly resourceId: string;
  readonly relPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly cid: string;
  readonly profile: string;
  readonly sha256: string;
  readonly sm3: string;
  readonly metadataHash: string;
  readonly metadataCid: string;
}

/** What an earlier, interrupted run of the job did, read back from its journal. */
export interface ResumeState {
  readonly stored: ReadonlyMap<string, StoredEntry>;
  /** Resource id -> "sha256 metadataHash" of every version this job submitted (acknowledged or not). */
  readonly submitted: ReadonlyMap<string, string>;
  readonly withdrawSubmitted: ReadonlySet<string>;
  readonly anchorSubmitted: ReadonlySet<string>;
}

export function resumeState(entries: readonly JournalEntry[]): ResumeState {
  const stored = new Map<string, StoredEntry>();
  const submitted = new Map<string, string>();
  const withdrawSubmitted = new Set<string>();
  const anchorSubmitted = new Set<string>();
  for (const entry of entries) {
    if (entry.t === 'stored') stored.set(String(entry.resourceId), entry as unknown as StoredEntry);
    else if (entry.t === 'submit') {
      for (const item of entry.items as { resourceId: string; sha256: string; metadataHash: string }[]) {
        submitted.set(item.resourceId, `${item.sha256} ${item.metadataHash}`);
      }
    } else if (entry.t === 'withdraw') withdrawSubmitted.add(String(entry.resourceId));
    else if (entry.t === 'anchor')
      for (const batch of entry.batches as { batchId: string }[]) anchorSubmitted.add(batch.batchId);
  }
  return { stored, submitted, withdrawSubmitted, anchorSubmitted };
}

export interface Head {
  readonly resource: Pick<Resource, 'status' | 'headVersion'>;
  readonly version: ResourceVersion;
}

/** Everything one run of a job shares across its stages. */
export interface JobContext {
  readonly chain: Chain;
  readonly content: ContentStore;
  readonly index: IngestIndex | undefined;
  /** Absent in a dry run: nothing is written. */
  readonly journal: Journal | undefined;
  readonly resume: ResumeState;
  readonly options: IngestOptions;
  readonly dryRun: boolean;
  readonly results: ResourceResult[];
  readonly failures: Failure[];
  readonly counters: { bytes: number };
  /** The chain head of a resource: from the caught-up index when there is one, else from the ledger. */
  head(resourceId: string): Promise<Head | undefined>;
  emit(event: ProgressEvent): void;
  fail(failure: Failure): void;
}
