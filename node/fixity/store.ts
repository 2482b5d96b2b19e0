import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalize } from '../core/canonical.js';
import { ShulianError, ValidationError } from '../core/errors.js';
import type {
  FixityAnchor,
  FixityEvent,
  FixityOutcome,
  FixityStoreReader,
  FixityResult,
  FixityRun,
  FixityRunStatus,
  FixitySummary,
  ListEventsOptions,
  ListRunsOptions,
} from './types.js';

/**
 * The fixity store: a SQLite (WAL) file beside the local index, `<SHULIAN_HOME>/fixity/fixity.sqlite`. The
 * audit runner writes it (the scheduled job in the node process, `shulian fixity` in another); the gateway,
 * the console and the report read it at the same time. Runs and checks are only ever added and completed,
 * never rewritten, so counts read from it are monotonic (what a Prometheus counter needs).
 */
const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, status TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,
  mode TEXT NOT NULL, fraction REAL NOT NULL, seed TEXT NOT NULL, population INTEGER NOT NULL,
  selected INTEGER NOT NULL, agent TEXT NOT NULL, trigger TEXT NOT NULL,
  batch_id TEXT, root TEXT, tx_id TEXT, block_number INTEGER, anchor_error TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS runs_started ON runs (started);
-- One row per selected version, planned when the run starts (the run's journal: a resumed run checks the
-- rows without an outcome); the result, its leaf hash and proof are filled in as the run goes.
CREATE TABLE IF NOT EXISTS checks (
  run_id TEXT NOT NULL, leaf_index INTEGER NOT NULL, resource_id TEXT NOT NULL, version INTEGER NOT NULL,
  outcome TEXT, checked TEXT, result TEXT, leaf_hash TEXT, proof TEXT,
  PRIMARY KEY (run_id, leaf_index)
) STRICT;
CREATE INDEX IF NOT EXISTS checks_resource ON checks (resource_id, version);
CREATE INDEX IF NOT EXISTS checks_outcome ON checks (outcome, checked);
`;

export interface OpenFixityStoreOptions {
  /** The node's home: the store is `<home>/fixity/fixity.sqlite`. */
  readonly home?: string;
  /** Or the file itself (`:memory:` for tests). */
  readonly path?: string;
  /** How long a write waits for another process's lock (default 10 s). */
  readonly busyTimeoutMs?: number;
}

export interface RunPlan {
  readonly runId: string;
  readonly started: string;
  readonly mode: 'all' | 'sample';
  readonly fraction: number;
  readonly seed: string;
  readonly population: number;
  readonly agent: string;
  readonly trigger: string;
  readonly picks: readonly { readonly resourceId: string; readonly version: number }[];
}

export interface PendingCheck {
  readonly index: number;
  readonly resourceId: string;
  readonly version: number;
}

/** The writer side, used by the runner; everything else reads. */
export interface FixityStore extends FixityStoreReader {
  beginRun(plan: Readonly<RunPlan>): FixityRun;
  /** Checks of the run not yet done, in leaf order. */
  pending(runId: string): readonly PendingCheck[];
  recordResult(result: Readonly<FixityResult>): void;
  /** Every check done: the run becomes `checked` (or `empty`); returns the leaves (canonical JSON) in order. */
  finishChecks(runId: string, finished: string): readonly string[];
  /** Stores the anchor and each check's leaf hash and proof, in one transaction. */
  recordAnchor(
    runId: string,
    anchor: Readonly<FixityAnchor>,
    leaves: readonly { leafHash: string; proof: readonly string[] }[],
  ): void;
  recordAnchorError(runId: string, message: string): void;
  /** Runs left `running` or `checked` (interrupted, or not anchored), oldest first. */
  unfinishedRuns(): readonly FixityRun[];
}

export function fixityStorePath(home: string): string {
  return join(home, 'fixity', 'fixity.sqlite');
}

/** Opens (creating when new) the fixity store. Close it when done. */
export function openFixityStore(options: Readonly<OpenFixityStoreOptions>): FixityStore {
  const path = options.path ?? (options.home === undefined ? undefined : fixityStorePath(options.home));
  if (path === undefined) throw new ValidationError('openFixityStore: expected /home or /path', { pointer: '/home' });
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    db.exec(DDL);
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'schemaVersion'`).get() as { value: string } | undefined;
    if (row === undefined) db.prepare(`INSERT INTO meta VALUES ('schemaVersion', ?)`).run(String(SCHEMA_VERSION));
    else if (Number(row.value) !== SCHEMA_VERSION)
      throw new ShulianError('FIXITY_SCHEMA', `${path}: fixity store schema ${row.value} is not ${SCHEMA_VERSION}`, {
        file: path,
      });
    return new SqliteFixityStore(path, db);
  } catch (err) {
    db.close();
    throw err;
  }
}

interface RunRow {
  run_id: string;
  status: string;
  started: string;
  finished: string | null;
  mode: string;
  fraction: number;
  seed: string;
  population: number;
  selected: number;
  agent: string;
  trigger: string;
  batch_id: string | null;
  root: string | null;
  tx_id: string | null;
  block_number: number | null;
  anchor_error: string | null;
  checked: number;
  passed: number;
  failed: number;
}

interface CheckRow {
  run_id: string;
  result: string;
  leaf_hash: string | null;
  proof: string | null;
  batch_id: string | null;
  root: string | null;
  tx_id: string | null;
  block_number: number | null;
  selected: number;
}

const RUN_COLUMNS = `r.*,
  (SELECT count(*) FROM checks c WHERE c.run_id = r.run_id AND c.outcome IS NOT NULL) AS checked,
  (SELECT count(*) FROM checks c WHERE c.run_id = r.run_id AND c.outcome = 'pass') AS passed,
  (SELECT count(*) FROM checks c WHERE c.run_id = r.run_id AND c.outcome = 'fail') AS failed`;

const EVENT_COLUMNS = `c.run_id, c.result, c.leaf_hash, c.proof, r.batch_id, r.root, r.tx_id, r.block_number, r.selected`;

class SqliteFixityStore implements FixityStore {
  readonly path: string;
  readonly #db: Database.Database;

  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
  }

  listRuns(options: Readonly<ListRunsOptions> = {}): readonly FixityRun[] {
    const { sql, args } = runFilter(options);
    const rows = this.#db
      .prepare(
        `SELECT ${RUN_COLUMNS} FROM runs r WHERE 1 = 1 ${sql} ORDER BY r.started DESC, r.run_id DESC LIMIT ? OFFSET ?`,
      )
      .all(...args, limit(options.limit), offset(options.offset)) as RunRow[];
    return rows.map(toRun);
  }

  countRuns(options: Readonly<ListRunsOptions> = {}): number {
    const { sql, args } = runFilter(options);
    return (this.#db.prepare(`SELECT count(*) AS n FROM runs r WHERE 1 = 1 ${sql}`).get(...args) as { n: number }).n;
  }

  countEvents(options: Readonly<ListEventsOptions> = {}): number {
    const { sql, args } = eventFilter(options);
    return (
      this.#db.prepare(`SELECT count(*) AS n FROM checks c WHERE c.result IS NOT NULL ${sql}`).get(...args) as {
        n: number;
      }
    ).n;
  }

  getRun(runId: string): FixityRun | undefined {
    const row = this.#db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.run_id = ?`).get(runId) as
      RunRow | undefined;
    return row && toRun(row);
  }

  eventsOfRun(runId: string, options: Readonly<ListEventsOptions> = {}): readonly FixityEvent[] {
    const { sql, args } = eventFilter(options);
    return (
      this.#db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM checks c JOIN runs r ON r.run_id = c.run_id
           WHERE c.run_id = ? AND c.result IS NOT NULL ${sql} ORDER BY c.leaf_index LIMIT ? OFFSET ?`,
        )
        .all(runId, ...args, limit(options.limit), offset(options.offset)) as CheckRow[]
    ).map(toEvent);
  }

  eventsFor(resourceId: string, version?: number): readonly FixityEvent[] {
    return (
      this.#db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM checks c JOIN runs r ON r.run_id = c.run_id
           WHERE c.resource_id = ? AND (? IS NULL OR c.version = ?) AND c.result IS NOT NULL
           ORDER BY c.checked DESC, c.run_id DESC, c.leaf_index`,
        )
        .all(resourceId, version ?? null, version ?? null) as CheckRow[]
    ).map(toEvent);
  }

  listEvents(options: Readonly<ListEventsOptions> = {}): readonly FixityEvent[] {
    const { sql, args } = eventFilter(options);
    return (
      this.#db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM checks c JOIN runs r ON r.run_id = c.run_id
           WHERE c.result IS NOT NULL ${sql} ORDER BY c.checked DESC, c.run_id DESC, c.leaf_index LIMIT ? OFFSET ?`,
        )
        .all(...args, limit(options.limit), offset(options.offset)) as CheckRow[]
    ).map(toEvent);
  }

  summary(): FixitySummary {
    const counts = this.#db
      .prepare(
        `SELECT (SELECT count(*) FROM runs) AS runs,
                (SELECT count(*) FROM checks WHERE outcome IS NOT NULL) AS checks,
                (SELECT count(*) FROM checks WHERE outcome = 'fail') AS failures`,
      )
      .get() as { runs: number; checks: number; failures: number };
    const last = this.#db
      .prepare(
        `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.status IN ('checked', 'anchored', 'empty')
         ORDER BY r.finished DESC, r.run_id DESC LIMIT 1`,
      )
      .get() as RunRow | undefined;
    return { ...counts, lastRun: last ? toRun(last) : null };
  }

  beginRun(plan: Readonly<RunPlan>): FixityRun {
    const insertRun = this.#db.prepare(
      `INSERT INTO runs (run_id, status, started, mode, fraction, seed, population, selected, agent, trigger)
       VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertCheck = this.#db.prepare(
      `INSERT INTO checks (run_id, leaf_index, resource_id, version) VALUES (?, ?, ?, ?)`,
    );
    this.#db.transaction(() => {
      insertRun.run(
        plan.runId,
        plan.started,
        plan.mode,
        plan.fraction,
        plan.seed,
        plan.population,
        plan.picks.length,
        plan.agent,
        plan.trigger,
      );
      plan.picks.forEach((p, i) => insertCheck.run(plan.runId, i, p.resourceId, p.version));
    })();
    return this.getRun(plan.runId) as FixityRun;
  }

  pending(runId: string): readonly PendingCheck[] {
    return (
      this.#db
        .prepare(
          `SELECT leaf_index, resource_id, version FROM checks WHERE run_id = ? AND outcome IS NULL ORDER BY leaf_index`,
        )
        .all(runId) as { leaf_index: number; resource_id: string; version: number }[]
    ).map((r) => ({ index: r.leaf_index, resourceId: r.resource_id, version: r.version }));
  }

  recordResult(result: Readonly<FixityResult>): void {
    const canonical = canonicalize(result);
    const changed = this.#db
      .prepare(
        `UPDATE checks SET outcome = ?, checked = ?, result = ?
         WHERE run_id = ? AND leaf_index = ? AND resource_id = ? AND version = ? AND outcome IS NULL`,
      )
      .run(result.outcome, result.checked, canonical, result.runId, result.index, result.resourceId, result.version);
    if (changed.changes !== 1)
      throw new ShulianError(
        'FIXITY_STATE',
        `run ${result.runId} has no pending check ${result.index} of ${result.resourceId} v${result.version}`,
        { resourceId: result.resourceId, version: result.version },
      );
  }

  finishChecks(runId: string, finished: string): readonly string[] {
    return this.#db.transaction(() => {
      const pending = this.pending(runId).length;
      if (pending > 0) throw new ShulianError('FIXITY_STATE', `run ${runId} still has ${pending} check(s) to do`);
      const leaves = (
        this.#db.prepare(`SELECT result FROM checks WHERE run_id = ? ORDER BY leaf_index`).all(runId) as {
          result: string;
        }[]
      ).map((r) => r.result);
      this.#db
        .prepare(`UPDATE runs SET status = ?, finished = ? WHERE run_id = ? AND status = 'running'`)
        .run(leaves.length === 0 ? 'empty' : 'checked', finished, runId);
      return leaves;
    })();
  }

  recordAnchor(
    runId: string,
    anchor: Readonly<FixityAnchor>,
    leaves: readonly { leafHash: string; proof: readonly string[] }[],
  ): void {
    const update = this.#db.prepare(`UPDATE checks SET leaf_hash = ?, proof = ? WHERE run_id = ? AND leaf_index = ?`);
    this.#db.transaction(() => {
      leaves.forEach((leaf, i) => update.run(leaf.leafHash, JSON.stringify(leaf.proof), runId, i));
      this.#db
        .prepare(
          `UPDATE runs SET status = 'anchored', batch_id = ?, root = ?, tx_id = ?, block_number = ?, anchor_error = NULL
           WHERE run_id = ?`,
        )
        .run(anchor.batchId, anchor.root, anchor.txId, anchor.blockNumber, runId);
    })();
  }

  recordAnchorError(runId: string, message: string): void {
    this.#db.prepare(`UPDATE runs SET anchor_error = ? WHERE run_id = ?`).run(message, runId);
  }

  unfinishedRuns(): readonly FixityRun[] {
    return (
      this.#db
        .prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.status IN ('running', 'checked') ORDER BY r.started`)
        .all() as RunRow[]
    ).map(toRun);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function eventFilter(options: Readonly<ListEventsOptions>): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    parts.push(sql);
    args.push(value);
  };
  if (options.outcome !== undefined) add('AND c.outcome = ?', options.outcome);
  if (options.resourceId !== undefined) add('AND c.resource_id = ?', options.resourceId);
  if (options.runId !== undefined) add('AND c.run_id = ?', options.runId);
  if (options.from !== undefined) add('AND c.checked >= ?', options.from);
  if (options.to !== undefined) add('AND c.checked < ?', options.to);
  if (options.until !== undefined) add('AND c.checked <= ?', inclusiveUntil(options.until));
  return { sql: parts.join(' '), args };
}

function runFilter(options: Readonly<ListRunsOptions>): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    parts.push(sql);
    args.push(value);
  };
  if (options.from !== undefined) add('AND r.started >= ?', options.from);
  if (options.to !== undefined) add('AND r.started < ?', options.to);
  if (options.until !== undefined) add('AND r.started <= ?', inclusiveUntil(options.until));
  return { sql: parts.join(' '), args };
}

/** A bare date means the whole day: every ISO time of that day sorts before `date` + U+FFFF. */
function inclusiveUntil(until: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? `${until}\uffff` : until;
}

function limit(n: number | undefined): number {
  return n === undefined ? -1 : Math.max(0, Math.floor(n));
}

function offset(n: number | undefined): number {
  return n === undefined ? 0 : Math.max(0, Math.floor(n));
}

function toRun(r: RunRow): FixityRun {
  return {
    runId: r.run_id,
    status: r.status as FixityRunStatus,
    started: r.started,
    finished: r.finished,
    mode: r.mode as 'all' | 'sample',
    fraction: r.fraction,
    seed: r.seed,
    population: r.population,
    selected: r.selected,
    checked: r.checked,
    passed: r.passed,
    failed: r.failed,
    agent: r.agent,
    trigger: r.trigger,
    anchor:
      r.batch_id !== null && r.root !== null && r.tx_id !== null && r.block_number !== null
        ? { batchId: r.batch_id, root: r.root, count: r.selected, txId: r.tx_id, blockNumber: r.block_number }
        : null,
    anchorError: r.anchor_error,
  };
}

function toEvent(r: CheckRow): FixityEvent {
  return {
    result: JSON.parse(r.result) as FixityResult,
    canonical: r.result,
    leafHash: r.leaf_hash,
    proof: r.proof === null ? [] : (JSON.parse(r.proof) as string[]),
    anchor:
      r.batch_id !== null && r.root !== null && r.tx_id !== null && r.block_number !== null
        ? { batchId: r.batch_id, root: r.root, count: r.selected, txId: r.tx_id, blockNumber: r.block_number }
        : null,
  };
}

export type { FixityOutcome };
