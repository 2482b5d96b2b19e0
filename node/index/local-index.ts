import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalize } from '../core/canonical.js';
import { sha256Hex } from '../core/digest.js';
import { NotFoundError, ShulianError, UnavailableError, ValidationError } from '../core/errors.js';
import type { ContentStore } from '../content/types.js';
import type { Checkpointer, Ledger, LedgerEvent } from '../ledger/types.js';
import { decide, PUBLIC } from './authorize.js';
import { Projector } from './projector.js';
import {
  EVENTS,
  type Action,
  type Authorization,
  type Batch,
  type Receipt,
  type ResourceVersion,
  type Rights,
  type Withdrawal,
} from './records.js';
import { clearProjection, migrate } from './schema.js';
import { resourceHistory } from './history.js';
import { search } from './search.js';
import { searchText } from './text.js';
import type {
  ApplyResult,
  AuthorizationQuery,
  BatchRecord,
  BatchRecordInput,
  RecordSearchDoc,
  BatchView,
  ChainPlacement,
  Change,
  ChangesOptions,
  ChangesPage,
  Position,
  FollowOptions,
  ReceiptQuery,
  HistoryItem,
  IndexStatus,
  LocalIndex,
  Paged,
  ReceiptView,
  ResourceView,
  RightsQuery,
  RightsView,
  SearchHit,
  SearchOptions,
  VersionView,
} from './types.js';

type Row = Record<string, unknown>;

const ACTIONS: readonly Action[] = ['reproduce', 'distribute', 'display', 'play', 'derive', 'archive'];
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_PAGE = 1000;
const DAY_MS = 86_400_000;

export interface OpenIndexOptions {
  /** SQLite file (created with its folder when missing), or ':memory:' for tests. */
  readonly path: string;
  /** How long a write waits for another process's write lock (default 10 s). */
  readonly busyTimeoutMs?: number;
}

/** Opens (and creates or migrates) the local index. Close it when done: `try { … } finally { index.close() }`. */
export function openIndex(options: Readonly<OpenIndexOptions>): LocalIndex {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives a process crash; a power cut may lose the last commits, and
    // then the checkpoint goes back with them, so the index replays them: still exactly-once.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    db.pragma('foreign_keys = ON');
    // ingest writes hundreds of thousands of proofs at a time: keep their index pages in memory (64 MiB)
    db.pragma('cache_size = -65536');
    // Checkpoint the WAL into the database every 64 MiB instead of every 4 MiB (SQLite's default): one batch
    // of indexing records writes a few MiB, and a checkpoint after each costs two fsyncs on this thread
    // (170,000 records: about 1 s of 4). The WAL file grows to that size and is reused, not grown further.
    db.pragma('wal_autocheckpoint = 16384');
    migrate(db);
    return new SqliteIndex(options.path, db);
  } catch (err) {
    db.close();
    throw err;
  }
}

class SqliteIndex implements LocalIndex {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #projector: Projector;
  // Preparing a statement costs more than running most of these queries (the gateway answers every manifest
  // from here), so each distinct SQL text is prepared once. The texts come from fixed fragments: the map stays small.
  readonly #statements = new Map<string, Database.Statement>();

  constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    this.#projector = new Projector(db);
  }

  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  apply(events: readonly LedgerEvent[]): ApplyResult {
    try {
      return this.#projector.applyAll(events);
    } catch (err) {
      // Another process holds the write lock longer than busy_timeout (`shulian index rebuild` replays the
      // whole chain in one transaction): nothing was applied; a follower waits and resumes from its checkpoint.
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') {
        throw new UnavailableError(`the index ${this.path} is locked by another process (an index rebuild?)`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /**
   * A checkpointer for `ledger.events`: it reads the index's own checkpoint (Fabric's semantics: resume in
   * that block, after that transaction). Saving is a no-op because `apply` already stores the checkpoint
   * in the same transaction as the rows.
   */
  checkpointer(): Checkpointer {
    return {
      load: async () => {
        const at = this.#projector.position();
        return at === null ? undefined : { blockNumber: at.blockNumber, txId: at.txId };
      },
      save: async () => {},
    };
  }

  async follow(ledger: Ledger, options: Readonly<FollowOptions> = {}): Promise<void> {
    // The ledger resumes after the index's own checkpoint; `apply` skips anything at or before it anyway,
    // so a ledger that replays more than asked cannot make an event count twice.
    const events = ledger.events({
      checkpointer: this.checkpointer(),
      ...(options.untilCaughtUp === undefined ? {} : { untilCaughtUp: options.untilCaughtUp }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    try {
      for await (const event of events) {
        if (options.content !== undefined) await this.#fetchMetadata(event, options.content, options.signal);
        const { applied } = this.apply([event]);
        options.onEvent?.(event, applied === 1);
      }
    } catch (err) {
      if (options.signal?.aborted && isAbort(err)) return;
      throw err;
    }
  }

  async rebuild(ledger: Ledger, options: Readonly<Omit<FollowOptions, 'untilCaughtUp'>> = {}): Promise<IndexStatus> {
    // One write transaction for the whole replay: a reader or a follower in another process sees the old
    // projection or the new one, never an empty or half-built index.
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      clearProjection(this.#db);
      for await (const event of ledger.events({
        startBlock: 0,
        untilCaughtUp: true,
        ...(options.signal ? { signal: options.signal } : {}),
      })) {
        if (options.content !== undefined) await this.#fetchMetadata(event, options.content, options.signal);
        const { applied } = this.apply([event]);
        options.onEvent?.(event, applied === 1);
      }
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
    return this.status();
  }

  status(): IndexStatus {
    const at = this.#projector.position();
    const count = (table: string): number =>
      Number((this.#prepare(`SELECT count(*) AS n FROM ${table}`).get() as Row).n);
    return {
      path: this.path,
      position: at === null ? null : { blockNumber: at.blockNumber, txIndex: at.txIndex, txId: at.txId },
      eventsApplied: at?.eventsApplied ?? 0,
      counts: {
        resources: count('resources'),
        versions: count('versions'),
        withdrawals: count('withdrawals'),
        rights: count('rights'),
        batches: count('batches'),
        batchRecords: count('batch_records'),
        receipts: count('receipts'),
        metadata: count('metadata'),
      },
      searchPending: Number((this.#prepare(`SELECT count(*) AS n FROM search_docs WHERE indexed = 0`).get() as Row).n),
    };
  }

  // ---- resources ------------------------------------------------------------------------------------

  getResource(resourceId: string): ResourceView | undefined {
    const row = this.#prepare(`SELECT * FROM resources WHERE id = ?`).get(resourceId) as Row | undefined;
    return row === undefined ? undefined : this.#resourceView(row);
  }

  getVersion(resourceId: string, version: number): VersionView | undefined {
    const row = this.#prepare(`SELECT * FROM versions WHERE resource_id = ? AND version = ?`).get(
      resourceId,
      version,
    ) as Row | undefined;
    return row === undefined
      ? undefined
      : { ...placement(row), record: JSON.parse(String(row.record)) as ResourceVersion };
  }

  versionsBySha256(sha256: string, limit = 100): readonly VersionView[] {
    const rows = this.#prepare(
      `SELECT * FROM versions WHERE sha256 = ? ORDER BY block_number, tx_index, resource_id LIMIT ?`,
    ).all(sha256, Math.max(1, Math.min(limit, 1000))) as Row[];
    return rows.map((row) => ({ ...placement(row), record: JSON.parse(String(row.record)) as ResourceVersion }));
  }

  history(resourceId: string): readonly HistoryItem[] {
    return resourceHistory(this.#db, resourceId);
  }

  listResources(
    options: Readonly<{ owner?: string; status?: 'active' | 'withdrawn'; limit?: number; offset?: number }> = {},
  ): Paged<ResourceView> {
    const { limit, offset } = page(options);
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.owner !== undefined) {
      where.push('owner = ?');
      params.push(options.owner);
    }
    if (options.status !== undefined) {
      where.push('status = ?');
      params.push(options.status);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number((this.#prepare(`SELECT count(*) AS n FROM resources ${clause}`).get(...params) as Row).n);
    const rows = this.#prepare(`SELECT * FROM resources ${clause} ORDER BY id LIMIT ? OFFSET ?`).all(
      ...params,
      limit,
      offset,
    ) as Row[];
    return { items: rows.map((r) => this.#resourceView(r)), total, limit, offset };
  }

  changesSince(after: Readonly<Position>, options: number | Readonly<ChangesOptions> = {}): ChangesPage {
    const o: Readonly<ChangesOptions> = typeof options === 'number' ? { limit: options } : options;
    const n = clampLimit(o.limit);
    if (!Number.isSafeInteger(after.blockNumber) || !Number.isSafeInteger(after.txIndex)) {
      throw new ValidationError('/after: expected {blockNumber, txIndex} integers', { pointer: '/after' });
    }
    const filters: string[] = [];
    if (o.owner !== undefined) filters.push('owner = @owner');
    if (o.from !== undefined) filters.push('committed >= @from');
    if (o.until !== undefined) filters.push('committed <= @until');
    if (o.latestOnly) {
      filters.push(
        'EXISTS (SELECT 1 FROM resources r WHERE r.id = resource_id AND r.block_number = changes.block_number AND r.tx_index = changes.tx_index)',
      );
    }
    const extra = filters.map((f) => ` AND ${f}`).join('');
    const params = { b: after.blockNumber, t: after.txIndex, n, owner: o.owner, from: o.from, until: o.until };
    const rows = this.#prepare(
      `SELECT * FROM changes WHERE (block_number > @b OR (block_number = @b AND tx_index > @t))${extra} ORDER BY block_number, tx_index, item LIMIT @n`,
    ).all(params) as Row[];
    const last = rows[rows.length - 1];
    if (last !== undefined && rows.length === n) {
      // finish the transaction the page ends in, so that a cursor of (block, txIndex) loses nothing
      const rest = this.#prepare(
        `SELECT * FROM changes WHERE block_number = @b AND tx_index = @t AND item > @i${extra} ORDER BY item`,
      ).all({ ...params, b: last.block_number, t: last.tx_index, i: last.item }) as Row[];
      rows.push(...rest);
    }
    const changes: Change[] = rows.map((r) => ({
      ...placement(r),
      item: Number(r.item),
      resourceId: String(r.resource_id),
      kind: r.kind === 'withdrawal' ? 'withdrawal' : 'version',
      version: Number(r.version),
      owner: String(r.owner),
    }));
    const end = changes[changes.length - 1];
    return {
      changes,
      next:
        end === undefined
          ? { blockNumber: after.blockNumber, txIndex: after.txIndex }
          : { blockNumber: end.blockNumber, txIndex: end.txIndex },
    };
  }

  // ---- rights ---------------------------------------------------------------------------------------

  getRights(rightsId: string): RightsView | undefined {
    const row = this.#prepare(`SELECT * FROM rights WHERE rights_id = ?`).get(rightsId) as Row | undefined;
    return row === undefined ? undefined : rightsView(row);
  }

  rightsHistory(rightsId: string): readonly (ChainPlacement & { readonly kind: 'granted' | 'revoked' })[] {
    const rows = this.#prepare(`SELECT * FROM rights_events WHERE rights_id = ? ORDER BY block_number, tx_index`).all(
      rightsId,
    ) as Row[];
    return rows.map((r) => ({ kind: r.kind === 'revoked' ? 'revoked' : 'granted', ...placement(r) }));
  }

  listRights(query: Readonly<RightsQuery> = {}): Paged<RightsView> {
    const { limit, offset } = page(query);
    const at = isoInstant(query.at, '/at');
    const where: string[] = [];
    const params: Record<string, unknown> = { at };
    if (query.resourceId !== undefined) {
      // Grants on the resource itself and on its owner's whole collection both cover it.
      where.push(
        `((target_type = 'resource' AND target_id = @resourceId) OR (target_type = 'collection' AND target_id = (SELECT owner FROM resources WHERE id = @resourceId)))`,
      );
      params.resourceId = query.resourceId;
    }
    if (query.assignee !== undefined) {
      where.push('assignee = @assignee');
      params.assignee = query.assignee;
    }
    if (query.assigner !== undefined) {
      where.push('assigner = @assigner');
      params.assigner = query.assigner;
    }
    const inForce = `status = 'granted' AND julianday(not_before) <= julianday(@at) AND (not_after IS NULL OR julianday(not_after) > julianday(@at))`;
    switch (query.status) {
      case undefined:
        break;
      case 'granted':
      case 'revoked':
        where.push('status = @status');
        params.status = query.status;
        break;
      case 'in-force':
        where.push(inForce);
        break;
      case 'expired':
        where.push(`not_after IS NOT NULL AND julianday(not_after) <= julianday(@at)`);
        break;
      default:
        throw new ValidationError(
          `/status: expected granted, revoked, in-force or expired, got "${String(query.status)}"`,
          { pointer: '/status' },
        );
    }
    if (query.expiringWithinDays !== undefined) {
      const days = query.expiringWithinDays;
      if (!Number.isFinite(days) || days < 0) {
        throw new ValidationError('/expiringWithinDays: expected a number of days >= 0', {
          pointer: '/expiringWithinDays',
        });
      }
      where.push(inForce, `julianday(not_after) <= julianday(@until)`);
      params.until = new Date(Date.parse(at) + days * DAY_MS).toISOString();
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number((this.#prepare(`SELECT count(*) AS n FROM rights ${clause}`).get(params) as Row).n);
    const order = query.expiringWithinDays !== undefined ? 'julianday(not_after), rights_id' : 'rights_id';
    const rows = this.#prepare(`SELECT * FROM rights ${clause} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all({
      ...params,
      limit,
      offset,
    }) as Row[];
    return { items: rows.map(rightsView), total, limit, offset };
  }

  isAuthorized(query: Readonly<AuthorizationQuery>): Authorization {
    if (!ACTIONS.includes(query.action)) {
      throw new ValidationError(`/action: expected one of ${ACTIONS.join(', ')}, got "${String(query.action)}"`, {
        pointer: '/action',
      });
    }
    const atIso = isoInstant(query.at, '/at');
    const resource = this.#prepare(`SELECT owner FROM resources WHERE id = ?`).get(query.resourceId) as Row | undefined;
    if (resource === undefined) {
      throw new NotFoundError(`resource ${query.resourceId} does not exist`, { resourceId: query.resourceId });
    }
    const w = this.#prepare(
      `SELECT record FROM withdrawals WHERE resource_id = ? ORDER BY block_number, tx_index LIMIT 1`,
    ).get(query.resourceId) as Row | undefined;
    const withdrawal = w === undefined ? null : (JSON.parse(String(w.record)) as Withdrawal);
    const rights = (
      this.#prepare(
        `SELECT record FROM rights WHERE (target_type = 'resource' AND target_id = ?) OR (target_type = 'collection' AND target_id = ?)
           ORDER BY CASE target_type WHEN 'resource' THEN 0 ELSE 1 END, rights_id`,
      ).all(query.resourceId, String(resource.owner)) as Row[]
    ).map((r) => JSON.parse(String(r.record)) as Rights);
    return decide({ resourceId: query.resourceId, org: query.org, action: query.action, atIso, withdrawal, rights });
  }

  // ---- batches, proofs, receipts, metadata ----------------------------------------------------------

  getBatch(batchId: string): BatchView | undefined {
    const row = this.#prepare(`SELECT * FROM batches WHERE batch_id = ?`).get(batchId) as Row | undefined;
    return row === undefined ? undefined : { ...placement(row), record: JSON.parse(String(row.record)) as Batch };
  }

  putBatchRecords(batchId: string, treeSize: number, records: readonly BatchRecordInput[]): void {
    if (typeof batchId !== 'string' || batchId === '')
      throw new ValidationError('/batchId: expected a batch id', { pointer: '/batchId' });
    if (!Number.isSafeInteger(treeSize) || treeSize < 1)
      throw new ValidationError('/treeSize: expected an integer >= 1', { pointer: '/treeSize' });
    const insert = this.#prepare(
      `INSERT INTO batch_records (record_id, batch_id, tree_size, leaf_index, leaf_hash, proof, record) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (record_id) DO UPDATE SET batch_id = excluded.batch_id, tree_size = excluded.tree_size,
       leaf_index = excluded.leaf_index, leaf_hash = excluded.leaf_hash, proof = excluded.proof, record = excluded.record`,
    );
    const doc = this.#prepare(
      `INSERT INTO search_docs (kind, ref, resource_id, version, owner, status, title, subjects, keywords, description, indexed)
       VALUES ('record', ?, ?, ?, NULL, NULL, ?, ?, ?, ?, 0)
       ON CONFLICT (kind, ref) DO UPDATE SET resource_id = excluded.resource_id, version = excluded.version, owner = excluded.owner,
       title = excluded.title, subjects = excluded.subjects, keywords = excluded.keywords, description = excluded.description,
       indexed = 0`,
    );
    const batch = this.#prepare(`SELECT parent_resource_id, parent_version FROM batches WHERE batch_id = ?`).get(
      batchId,
    ) as Row | undefined;
    this.#db
      .transaction(() => {
        for (let i = 0; i < records.length; i++) {
          const r = records[i] as BatchRecordInput;
          if (typeof r.recordId !== 'string' || r.recordId === '') {
            throw new ValidationError(`/records/${i}/recordId: expected a record id`, {
              pointer: `/records/${i}/recordId`,
            });
          }
          if (!Number.isSafeInteger(r.leafIndex) || r.leafIndex < 0 || r.leafIndex >= treeSize) {
            throw new ValidationError(`/records/${i}/leafIndex: expected an integer from 0 to ${treeSize - 1}`, {
              pointer: `/records/${i}/leafIndex`,
            });
          }
          const json = r.recordJson ?? (r.record === undefined ? null : JSON.stringify(r.record));
          insert.run(
            r.recordId,
            batchId,
            treeSize,
            r.leafIndex,
            leafBytes(r.leafHash, i),
            proofBytes(r.proof, i),
            json,
          );
          const text =
            r.searchDoc ??
            (r.record !== undefined
              ? recordSearchDoc(r.record)
              : json === null
                ? undefined
                : recordSearchDoc(JSON.parse(json) as unknown));
          if (text === undefined) continue;
          // positional parameters: binding from an object costs more, 170,000 times a job
          doc.run(
            r.recordId,
            text.resourceId ?? (batch?.parent_resource_id as string | null | undefined) ?? null,
            text.version ?? (batch?.parent_version as number | null | undefined) ?? null,
            text.title,
            text.subjects.join('\n'),
            text.keywords.join('\n'),
            text.description,
          );
        }
      })
      .immediate();
  }

  getBatchRecord(recordId: string): BatchRecord | undefined {
    const row = this.#prepare(`SELECT * FROM batch_records WHERE record_id = ?`).get(recordId) as Row | undefined;
    if (row === undefined) return undefined;
    const batchId = String(row.batch_id);
    return {
      recordId,
      batchId,
      treeSize: Number(row.tree_size),
      leafIndex: Number(row.leaf_index),
      leafHash: Buffer.from(row.leaf_hash as Uint8Array).toString('hex'),
      proof: splitHashes(row.proof as Uint8Array),
      ...(row.record === null ? {} : { record: JSON.parse(String(row.record)) as unknown }),
      batch: this.getBatch(batchId) ?? null,
    };
  }

  receipts(resourceId: string): readonly ReceiptView[] {
    const rows = this.#prepare(`SELECT * FROM receipts WHERE resource_id = ? ORDER BY block_number, tx_index`).all(
      resourceId,
    ) as Row[];
    return rows.map((r) => ({ ...placement(r), record: JSON.parse(String(r.record)) as Receipt }));
  }

  listReceipts(query: Readonly<ReceiptQuery> = {}): Paged<ReceiptView> {
    const { limit, offset } = page(query);
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (query.resourceId !== undefined) {
      where.push('resource_id = @resourceId');
      params.resourceId = query.resourceId;
    }
    if (query.warehouse !== undefined) {
      where.push('warehouse = @warehouse');
      params.warehouse = query.warehouse;
    }
    // the receipt's own (transaction) time, as the other audit periods
    if (query.from !== undefined) {
      where.push(`julianday(json_extract(record, '$.timestamp')) >= julianday(@from)`);
      params.from = isoInstant(query.from, '/from');
    }
    if (query.until !== undefined) {
      where.push(`julianday(json_extract(record, '$.timestamp')) <= julianday(@until)`);
      params.until = isoInstant(query.until, '/until');
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number((this.#prepare(`SELECT count(*) AS n FROM receipts ${clause}`).get(params) as Row).n);
    const rows = this.#prepare(
      `SELECT * FROM receipts ${clause} ORDER BY block_number, tx_index, resource_id, version LIMIT @limit OFFSET @offset`,
    ).all({ ...params, limit, offset }) as Row[];
    return {
      items: rows.map((r) => ({ ...placement(r), record: JSON.parse(String(r.record)) as Receipt })),
      total,
      limit,
      offset,
    };
  }

  putMetadata(metadataHash: string, metadata: unknown): void {
    this.putMetadataMany([{ metadataHash, metadata }]);
  }

  putMetadataMany(items: readonly Readonly<{ metadataHash: string; metadata: unknown }>[]): void {
    const rows = items.map(({ metadataHash, metadata }, i) => {
      const at = items.length === 1 ? '' : `/${i}`;
      if (!HEX64.test(metadataHash))
        throw new ValidationError(`${at}/metadataHash: expected 64 lowercase hex digits`, {
          pointer: `${at}/metadataHash`,
        });
      const json = canonicalize(metadata);
      const actual = sha256Hex(json);
      if (actual !== metadataHash) {
        throw new ValidationError(
          `${at}/metadataHash: the canonical metadata hashes to ${actual}, not ${metadataHash}`,
          {
            pointer: `${at}/metadataHash`,
          },
        );
      }
      return [metadataHash, json] as const;
    });
    if (rows.length === 0) return;
    // one write transaction for all of them: ingest stores a batch of files' metadata at a time
    this.#db
      .transaction(() => {
        for (const [metadataHash, json] of rows) {
          const { changes } = this.#prepare(`INSERT OR IGNORE INTO metadata (hash, json) VALUES (?, ?)`).run(
            metadataHash,
            json,
          );
          if (changes === 0) continue;
          const heads = this.#prepare(
            `SELECT r.id FROM resources r JOIN versions v ON v.resource_id = r.id AND v.version = r.head_version WHERE v.metadata_hash = ?`,
          ).all(metadataHash) as Row[];
          for (const h of heads) this.#projector.refreshResourceDoc(String(h.id));
        }
      })
      .immediate();
  }

  getMetadata(metadataHash: string): unknown {
    const row = this.#prepare(`SELECT json FROM metadata WHERE hash = ?`).get(metadataHash) as Row | undefined;
    return row === undefined ? undefined : (JSON.parse(String(row.json)) as unknown);
  }

  search(query: string, options: Readonly<SearchOptions> = {}): Paged<SearchHit> {
    this.flushSearch();
    return search(this.#db, query, options);
  }

  flushSearch(): number {
    if (this.#prepare(`SELECT 1 FROM search_docs WHERE indexed = 0 LIMIT 1`).get() === undefined) return 0;
    // one statement: the triggers feed every pending document to FTS5 without a round trip per row
    return this.#db
      .transaction(() => this.#prepare(`UPDATE search_docs SET indexed = 1 WHERE indexed = 0`).run().changes)
      .immediate();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  #resourceView(row: Row): ResourceView {
    const id = String(row.id);
    const versions = (
      this.#prepare(`SELECT * FROM versions WHERE resource_id = ? ORDER BY version`).all(id) as Row[]
    ).map((v) => ({
      ...placement(v),
      record: JSON.parse(String(v.record)) as ResourceVersion,
    }));
    const w = this.#prepare(
      `SELECT * FROM withdrawals WHERE resource_id = ? ORDER BY block_number, tx_index LIMIT 1`,
    ).get(id) as Row | undefined;
    const head = versions.find((v) => v.record.version === Number(row.head_version));
    return {
      id,
      owner: String(row.owner),
      status: row.status === 'withdrawn' ? 'withdrawn' : 'active',
      headVersion: Number(row.head_version),
      created: String(row.created),
      updated: String(row.updated),
      changed: placement(row),
      versions,
      withdrawal: w === undefined ? null : { ...placement(w), record: JSON.parse(String(w.record)) as Withdrawal },
      metadata: head === undefined ? undefined : this.getMetadata(head.record.metadataHash),
    };
  }

  async #fetchMetadata(event: LedgerEvent, content: ContentStore, signal: AbortSignal | undefined): Promise<void> {
    if (event.eventName !== EVENTS.resourceRegistered) return;
    let versions: unknown;
    try {
      versions = JSON.parse(Buffer.from(event.payload).toString('utf8'));
    } catch {
      return; // the projector reports the bad payload with its placement
    }
    if (!Array.isArray(versions)) return;
    for (const v of versions as ResourceVersion[]) {
      if (typeof v?.metadataCid !== 'string' || typeof v.metadataHash !== 'string') continue;
      if (this.#prepare(`SELECT 1 FROM metadata WHERE hash = ?`).get(v.metadataHash) !== undefined) continue;
      if (!(await content.has(v.metadataCid))) continue;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of content.get(v.metadataCid, signal ? { signal } : {})) {
        size += chunk.length;
        // Metadata documents are small; a huge one is not metadata and is not worth holding in memory.
        if (size > 16 * 1024 * 1024) break;
        chunks.push(Buffer.from(chunk));
      }
      if (size > 16 * 1024 * 1024) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        continue;
      }
      try {
        this.putMetadata(v.metadataHash, parsed);
      } catch (err) {
        // Stored bytes that do not hash to the recorded metadataHash are not this version's metadata.
        if (!(err instanceof ValidationError)) throw err;
      }
    }
  }
}

function splitHashes(bytes: Uint8Array): string[] {
  const hex = Buffer.from(bytes).toString('hex');
  const out: string[] = [];
  for (let i = 0; i < hex.length; i += 64) out.push(hex.slice(i, i + 64));
  return out;
}

function placement(row: Row): ChainPlacement {
  return {
    txId: String(row.tx_id),
    blockNumber: Number(row.block_number),
    txIndex: Number(row.tx_index),
    committed: String(row.committed),
  };
}

function rightsView(row: Row): RightsView {
  return {
    ...placement(row),
    grantedBlockNumber: Number(row.granted_block),
    record: JSON.parse(String(row.record)) as Rights,
  };
}

/** What search sees of an indexing record, with the resource version it names. */
function recordSearchDoc(record: unknown): RecordSearchDoc {
  const parent = recordParent(record);
  return { ...searchText(record), resourceId: parent?.resourceId ?? null, version: parent?.version ?? null };
}

/** A leaf hash as the 32 bytes stored: from 64 lowercase hex digits or from the bytes themselves. */
function leafBytes(hash: string | Uint8Array, i: number): Uint8Array {
  if (typeof hash === 'string' ? HEX64.test(hash) : hash instanceof Uint8Array && hash.byteLength === 32)
    return typeof hash === 'string' ? Buffer.from(hash, 'hex') : hash;
  throw new ValidationError(`/records/${i}/leafHash: expected 64 lowercase hex digits or 32 bytes`, {
    pointer: `/records/${i}/leafHash`,
  });
}

/** An audit path as the bytes stored, its hashes one after the other. */
function proofBytes(proof: readonly string[] | Uint8Array, i: number): Uint8Array {
  if (proof instanceof Uint8Array) {
    if (proof.byteLength % 32 === 0) return proof;
    throw new ValidationError(`/records/${i}/proof: expected 32-byte hashes, one after the other`, {
      pointer: `/records/${i}/proof`,
    });
  }
  const hex = proof.join('');
  // Checked whole, not hash by hash: decoding stops at the first non-hex pair, and encoding back gives
  // lower case, so only lower-case hex comes back equal.
  const bytes = Buffer.from(hex, 'hex');
  if (hex.length !== 64 * proof.length || bytes.toString('hex') !== hex || proof.some((h) => h.length !== 64)) {
    proof.forEach((h, j) => {
      if (!HEX64.test(h))
        throw new ValidationError(`/records/${i}/proof/${j}: expected 64 lowercase hex digits`, {
          pointer: `/records/${i}/proof/${j}`,
        });
    });
  }
  return bytes;
}

function recordParent(record: unknown): { resourceId: string; version: number | null } | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const o = record as Record<string, unknown>;
  const p = (o.parent ?? o.parentResource) as unknown;
  if (p !== null && typeof p === 'object') {
    const q = p as Record<string, unknown>;
    if (typeof q.resourceId === 'string')
      return { resourceId: q.resourceId, version: typeof q.version === 'number' ? q.version : null };
  }
  // The indexing-record schema (node/schemas/indexing-record.schema.json) names the parent `resource`.
  if (typeof o.resource === 'string')
    return { resourceId: o.resource, version: typeof o.version === 'number' ? o.version : null };
  if (typeof o.resourceId === 'string')
    return { resourceId: o.resourceId, version: typeof o.version === 'number' ? o.version : null };
  return undefined;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new ValidationError('/limit: expected an integer >= 1', { pointer: '/limit' });
  return Math.min(limit, MAX_PAGE);
}

function page(options: Readonly<{ limit?: number; offset?: number }>): { limit: number; offset: number } {
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new ValidationError('/offset: expected an integer >= 0', { pointer: '/offset' });
  return { limit: clampLimit(options.limit), offset };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** As the chaincode reads `at` (RFC 3339, normalised to UTC with milliseconds), so both answers read alike. */
function isoInstant(value: string | undefined, pointer: string): string {
  if (value === undefined || value === '') return new Date().toISOString();
  const m = ISO_DATE_TIME.exec(value);
  const ms = Date.parse(value);
  if (m !== null && Number.isFinite(ms)) {
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59) {
      return new Date(ms).toISOString();
    }
  }
  throw new ValidationError(`${pointer}: expected an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got "${value}"`, {
    pointer,
  });
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err instanceof ShulianError && err.code === 'ABORTED'));
}

export { PUBLIC };
