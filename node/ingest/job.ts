import { resolve } from 'node:path';
import { anchorRecords } from './anchor.js';
import { loadCatalog, saveCatalog } from './catalog.js';
import { chainClient } from './chain.js';
import { resumeState, type JobContext, type ResumeState } from './context.js';
import { crashPoint } from './crash.js';
import { Journal, jobIdFor } from './journal.js';
import { ingestResources } from './resources.js';
import { rejectDuplicateIds, scanSource, shownName } from './sources/index.js';
import { toFailure } from './sources/documents.js';
import type { Failure, ScanResult } from './sources/types.js';
import type { IngestDeps, IngestOptions, IngestSummary, RecordsSummary, ResourceResult } from './types.js';

const EMPTY_RESUME: ResumeState = {
  stored: new Map(),
  submitted: new Map(),
  withdrawSubmitted: new Set(),
  anchorSubmitted: new Set(),
};

/**
 * Runs one ingest or sync job over a source: scan -> validate -> store -> register -> anchor indexing
 * records -> (sync) withdraw what the source no longer holds. Safe to repeat (an unchanged source
 * creates nothing) and safe to interrupt (the journal lets the next run of the same source finish the
 * job). One bad file never stops the others: it is reported in `failures`.
 */
export async function runIngest(deps: Readonly<IngestDeps>, options: Readonly<IngestOptions>): Promise<IngestSummary> {
  const source = resolve(options.source);
  const dryRun = options.dryRun === true;
  const job = jobIdFor(source);
  const scan = await scanSource(source);
  const unique = rejectDuplicateIds(scan.resources);
  const failures: Failure[] = [];
  const results: ResourceResult[] = [];
  const emit = options.onProgress ?? (() => undefined);

  const chain = chainClient(deps.ledger);
  const index = deps.index;
  // heads from the index only once it has caught up with the chain, at the start of this job
  const localHeads =
    deps.catchUp !== undefined && typeof index?.getResource === 'function' && typeof index.getVersion === 'function';
  if (localHeads) await deps.catchUp?.();
  const head: JobContext['head'] = localHeads
    ? async (resourceId) => {
        const resource = index?.getResource?.(resourceId);
        const version = resource ? index?.getVersion?.(resourceId, resource.headVersion)?.record : undefined;
        return resource && version ? { resource, version } : undefined;
      }
    : (resourceId) => chain.head(resourceId);

  const opened = dryRun ? undefined : await Journal.open(deps.home, job);
  const journal = opened?.journal;
  const resumed = (opened?.previous.length ?? 0) > 0;
  try {
    // on disk at once: a run killed before its first submit is still known to the next run as begun
    if (journal && !resumed)
      await journal.record({ t: 'start', source, kind: scan.kind, at: new Date().toISOString() });
    if (journal && resumed) journal.append({ t: 'resume', at: new Date().toISOString() });
    const ctx: JobContext = {
      chain,
      head,
      content: deps.content,
      index: deps.index,
      journal,
      resume: opened ? resumeState(opened.previous) : EMPTY_RESUME,
      options,
      dryRun,
      results,
      failures,
      counters: { bytes: 0 },
      emit,
      fail(failure) {
        failures.push(failure);
        emit({ type: 'failure', failure });
      },
    };
    for (const failure of [...scan.failures, ...unique.failures]) ctx.fail(failure);
    emit({
      type: 'scanned',
      kind: scan.kind,
      files: unique.resources.length,
      bytes: unique.resources.reduce((n, e) => n + e.size, 0),
      recordFiles: scan.recordFiles.length,
    });

    emit({ type: 'phase', phase: 'store', total: unique.resources.length });
    await ingestResources(ctx, unique.resources);

    const catalog = await loadCatalog(deps.home, source);
    let records: RecordsSummary = { anchored: 0, unchanged: 0, failed: 0, batches: 0 };
    const anchoredLeaves = new Map<string, string>();
    if (scan.recordFiles.length > 0) {
      emit({ type: 'phase', phase: 'records', total: scan.recordFiles.length });
      records = await anchorRecords(
        ctx,
        scan.recordFiles.map((path) => ({ path, name: shownName(scan.root, path) })),
        { known: new Map(Object.entries(catalog.records)), anchored: anchoredLeaves },
      );
    }

    const withdrawn = new Set<string>();
    if (options.withdrawMissing) {
      const missing = missingFromSource(
        scan,
        unique.resources.map((e) => e.resourceId),
        catalog.resources,
      );
      emit({ type: 'phase', phase: 'withdraw', total: missing.length });
      for (const [resourceId, relPath] of missing) {
        const outcome = await withdrawOne(ctx, resourceId, relPath, options.withdrawMissing);
        if (outcome === 'withdrawn') withdrawn.add(resourceId);
      }
    }

    const summary = summarise(job, scan, dryRun, resumed, results, failures, ctx.counters.bytes, records);
    if (journal) {
      const kept: Record<string, string> = { ...catalog.resources };
      for (const entry of unique.resources) kept[entry.resourceId] = entry.relPath;
      for (const id of withdrawn) delete kept[id];
      // what this run anchored or found unchanged, and what the source held before (kept when it is gone now)
      for (const [id, leaf] of Object.entries(catalog.records))
        if (!anchoredLeaves.has(id)) anchoredLeaves.set(id, leaf);
      await saveCatalog(deps.home, { source, resources: kept, records: anchoredLeaves });
      await journal.complete({
        t: 'done',
        at: new Date().toISOString(),
        summary: { ...summary, resources: undefined, failures: summary.failures.length },
      });
    }
    return summary;
  } finally {
    await journal?.close();
  }
}

/** Resources this source brought in before and no longer names (not merely failing validation now). */
function missingFromSource(
  scan: ScanResult,
  present: readonly string[],
  catalog: Readonly<Record<string, string>>,
): [string, string][] {
  const here = new Set(present);
  return Object.entries(catalog)
    .filter(([resourceId, relPath]) => !here.has(resourceId) && !scan.paths.has(relPath))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function withdrawOne(
  ctx: JobContext,
  resourceId: string,
  relPath: string,
  how: NonNullable<IngestOptions['withdrawMissing']>,
): Promise<'withdrawn' | 'skipped' | 'failed'> {
  try {
    const resource = await ctx.chain.getResource(resourceId);
    if (!resource) return 'skipped';
    const done = (outcome: ResourceResult['outcome']): void => {
      ctx.results.push({ resourceId, file: relPath, outcome, version: resource.headVersion });
      ctx.emit({ type: 'resource', outcome, resourceId, file: relPath, size: 0, version: resource.headVersion });
    };
    if (resource.status === 'withdrawn') {
      // withdrawn by an earlier run of this job that was killed before it could say so
      if (ctx.resume.withdrawSubmitted.has(resourceId)) {
        done('withdrawn');
        return 'withdrawn';
      }
      return 'skipped';
    }
    if (ctx.dryRun) {
      done('planned-withdraw');
      return 'skipped';
    }
    const journal = ctx.journal as Journal;
    await journal.record({ t: 'withdraw', resourceId, reason: how.reason });
    crashPoint('withdraw');
    const { tx } = await ctx.chain.withdraw(resourceId, how.reason, how.note ?? `no longer in the source (${relPath})`);
    crashPoint('withdrawn');
    journal.append({ t: 'withdrawn', resourceId, txId: tx.txId });
    done('withdrawn');
    return 'withdrawn';
  } catch (err) {
    ctx.fail(toFailure(err, { file: relPath, resourceId }));
    ctx.results.push({ resourceId, file: relPath, outcome: 'failed' });
    return 'failed';
  }
}

function summarise(
  job: string,
  scan: ScanResult,
  dryRun: boolean,
  resumed: boolean,
  results: readonly ResourceResult[],
  failures: readonly Failure[],
  bytes: number,
  records: RecordsSummary,
): IngestSummary {
  const count = (...outcomes: ResourceResult['outcome'][]): number =>
    results.filter((r) => outcomes.includes(r.outcome)).length;
  return {
    job,
    source: scan.source,
    kind: scan.kind,
    dryRun,
    resumed,
    created: count(dryRun ? 'planned-create' : 'created'),
    updated: count(dryRun ? 'planned-update' : 'updated'),
    unchanged: count('unchanged'),
    withdrawn: count(dryRun ? 'planned-withdraw' : 'withdrawn'),
    failed: failures.length,
    bytes,
    records,
    failures,
    resources: [...results].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
  };
}
