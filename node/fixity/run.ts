import { randomBytes } from 'node:crypto';
import type { ContentStore } from '../content/types.js';
import { ShulianError, ValidationError, isShulianError } from '../core/errors.js';
import { toHex } from '../core/hex.js';
import { MerkleTree } from '../core/merkle.js';
import type { Batch } from '../index/records.js';
import type { LocalIndex } from '../index/types.js';
import type { Ledger } from '../ledger/types.js';
import { checkVersion } from './check.js';
import { fixityPopulation, selectVersions } from './select.js';
import type { FixityStore } from './store.js';
import {
  FIXITY_BATCH_KIND,
  FIXITY_RESULT_SCHEMA,
  PREMIS_EVENT_TYPE,
  type FixityAnchor,
  type FixityResult,
  type FixityRun,
} from './types.js';

export const FIXITY_AGENT_SOFTWARE = 'shulian-fixity/0.1.0';

/** What a run needs of the node: only these parts, so tests and other hosts can pass their own. */
export interface FixityParts {
  readonly content: Pick<ContentStore, 'verify' | 'get'>;
  readonly index: Pick<LocalIndex, 'listResources' | 'getVersion'>;
  /** Anchors the run: an operator's connection (AnchorBatch is an operator transaction). */
  readonly ledger: Pick<Ledger, 'submit' | 'proof' | 'identity'>;
  readonly store: FixityStore;
  readonly log?: FixityLog;
}

/** The pino-compatible subset the runner logs through. */
export interface FixityLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunFixityOptions {
  /** Fraction of the population to check (0 < F <= 1); 1 (default) checks everything. */
  readonly sample?: number;
  /** Hex seed of the sample (default: 16 random bytes). Recorded in the run either way. */
  readonly seed?: string;
  /** What started the run: `cli`, `schedule`, … (default `api`). */
  readonly trigger?: string;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** Hears of each check as it is recorded. */
  readonly onCheck?: (result: FixityResult, done: number, total: number) => void;
}

export interface FixityRunReport {
  readonly run: FixityRun;
  /** Failed checks of this run, in leaf order. */
  readonly failures: readonly FixityResult[];
}

/**
 * One fixity audit: selects the versions (all, or a seeded sample), re-hashes each against its chain
 * record, records every check as a PREMIS fixity event, then anchors the run as one Merkle batch of kind
 * `fixity-audit` whose leaves are the checks' canonical JSON, and keeps each check's inclusion proof.
 * Runs left unanchored by an earlier failure are anchored first. A failed check never stops the run; a
 * ledger that cannot anchor leaves the run `checked` (its results kept) and rejects.
 */
export async function runFixityAudit(
  parts: Readonly<FixityParts>,
  options: Readonly<RunFixityOptions> = {},
): Promise<FixityRunReport> {
  const now = options.now ?? (() => new Date());
  const fraction = options.sample ?? 1;
  const seed = options.seed ?? randomBytes(16).toString('hex');
  if (!/^[0-9a-f]{2,128}$/.test(seed))
    throw new ValidationError('seed: expected 2 to 128 lowercase hex digits', { pointer: '/seed' });
  for (const pending of parts.store.unfinishedRuns())
    if (pending.status === 'checked') await anchorRun(parts, pending.runId).catch(() => undefined);

  const population = fixityPopulation(parts.index);
  const picks = selectVersions(population, fraction, seed);
  const started = now();
  const run = parts.store.beginRun({
    runId: runIdFor(started),
    started: started.toISOString(),
    mode: fraction === 1 ? 'all' : 'sample',
    fraction,
    seed,
    population: population.length,
    agent: agentOf(parts.ledger),
    trigger: options.trigger ?? 'api',
    picks,
  });
  parts.log?.info(
    {
      event: 'fixity-run-started',
      runId: run.runId,
      population: run.population,
      selected: run.selected,
      fraction,
      seed,
    },
    'fixity audit started',
  );
  return finishRun(parts, run.runId, options);
}

/** Finishes a run that was interrupted (status `running`) or not anchored (`checked`). */
export async function resumeFixityRun(
  parts: Readonly<FixityParts>,
  runId: string,
  options: Readonly<Pick<RunFixityOptions, 'now' | 'signal' | 'onCheck'>> = {},
): Promise<FixityRunReport> {
  const run = parts.store.getRun(runId);
  if (!run) throw new ShulianError('NOT_FOUND', `no fixity run ${runId}`);
  return finishRun(parts, runId, options);
}

async function finishRun(
  parts: Readonly<FixityParts>,
  runId: string,
  options: Readonly<Pick<RunFixityOptions, 'now' | 'signal' | 'onCheck'>>,
): Promise<FixityRunReport> {
  const now = options.now ?? (() => new Date());
  const run = parts.store.getRun(runId) as FixityRun;
  if (run.status === 'running') {
    const pending = parts.store.pending(runId);
    let done = run.checked;
    for (const check of pending) {
      options.signal?.throwIfAborted();
      const view = parts.index.getVersion(check.resourceId, check.version);
      const base = {
        schemaVersion: FIXITY_RESULT_SCHEMA,
        eventType: PREMIS_EVENT_TYPE,
        runId,
        index: check.index,
      } as const;
      let result: FixityResult;
      if (!view) {
        result = {
          ...base,
          resourceId: check.resourceId,
          version: check.version,
          cidProfile: '',
          expected: { cid: '', sha256: '', sm3: '', size: 0 },
          observed: emptyObserved(),
          outcome: 'fail',
          detail: 'no chain record of this version in the local index',
          checked: now().toISOString(),
          agent: run.agent,
        };
      } else {
        const checked = await checkVersion(parts.content, view.record, options.signal);
        result = {
          ...base,
          resourceId: check.resourceId,
          version: check.version,
          cidProfile: view.record.cidProfile,
          ...checked,
          checked: now().toISOString(),
          agent: run.agent,
        };
      }
      parts.store.recordResult(result);
      done++;
      if (result.outcome === 'fail')
        parts.log?.error(
          {
            event: 'fixity-failure',
            runId,
            resourceId: result.resourceId,
            version: result.version,
            cid: result.expected.cid,
            detail: result.detail,
          },
          `fixity check failed: ${result.resourceId} v${result.version}: ${result.detail}`,
        );
      options.onCheck?.(result, done, run.selected);
    }
    parts.store.finishChecks(runId, now().toISOString());
  }
  const after = parts.store.getRun(runId) as FixityRun;
  if (after.status === 'checked') await anchorRun(parts, runId);
  const final = parts.store.getRun(runId) as FixityRun;
  const failures = parts.store.eventsOfRun(runId, { outcome: 'fail' }).map((e) => e.result);
  const summary = {
    event: 'fixity-run-finished',
    runId,
    status: final.status,
    checked: final.checked,
    passed: final.passed,
    failed: final.failed,
    root: final.anchor?.root,
    txId: final.anchor?.txId,
  };
  if (final.failed > 0)
    parts.log?.warn(summary, `fixity audit ${runId}: ${final.failed} of ${final.checked} check(s) FAILED`);
  else parts.log?.info(summary, `fixity audit ${runId}: all ${final.checked} check(s) passed`);
  return { run: final, failures };
}

/** Builds the run's Merkle tree from its stored leaves and anchors it; idempotent (a retry finds the batch). */
async function anchorRun(parts: Readonly<FixityParts>, runId: string): Promise<FixityAnchor> {
  const leaves = parts.store.eventsOfRun(runId).map((e) => e.canonical);
  const tree = MerkleTree.fromLeaves(leaves.map((l) => Buffer.from(l, 'utf8')));
  const root = toHex(tree.root);
  const batchId = batchIdFor(runId);
  try {
    const submitted = await parts.ledger.submit({
      fn: 'AnchorBatch',
      args: [JSON.stringify({ batchId, root, count: leaves.length, kind: FIXITY_BATCH_KIND })],
    });
    const batch = JSON.parse(Buffer.from(submitted.result).toString('utf8')) as Batch;
    const blockNumber =
      batch.txId === submitted.txId ? submitted.blockNumber : (await parts.ledger.proof(batch.txId)).blockNumber;
    const anchor: FixityAnchor = { batchId, root: batch.root, count: batch.count, txId: batch.txId, blockNumber };
    parts.store.recordAnchor(
      runId,
      anchor,
      leaves.map((_, i) => ({ leafHash: toHex(tree.leafHash(i)), proof: tree.inclusionProof(i).map(toHex) })),
    );
    parts.log?.info({ event: 'fixity-run-anchored', runId, ...anchor }, `fixity audit ${runId} anchored`);
    return anchor;
  } catch (err) {
    const text = isShulianError(err)
      ? `[${err.code}] ${err.message}`
      : err instanceof Error
        ? err.message
        : String(err);
    parts.store.recordAnchorError(runId, text);
    parts.log?.error({ event: 'fixity-anchor-failed', runId, err: text }, `fixity audit ${runId}: anchoring failed`);
    throw err;
  }
}

export function batchIdFor(runId: string): string {
  return `fixity-audit.${runId}`;
}

function runIdFor(started: Date): string {
  const stamp = started
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `fx-${stamp}-${randomBytes(3).toString('hex')}`;
}

function agentOf(ledger: Pick<Ledger, 'identity'>): string {
  return `${FIXITY_AGENT_SOFTWARE} (${ledger.identity.mspId})`;
}

function emptyObserved(): FixityResult['observed'] {
  return { cidIntact: false, blocks: 0, missingBlocks: [], corruptBlocks: [], sha256: null, sm3: null, size: null };
}
