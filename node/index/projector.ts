import type Database from 'better-sqlite3';
import { ShulianError } from '../core/errors.js';
import type { LedgerEvent } from '../ledger/types.js';
import { EVENTS, type Batch, type Receipt, type ResourceVersion, type Rights, type Withdrawal } from './records.js';
import { searchText } from './text.js';
import type { ApplyResult, Position } from './types.js';

type Row = Record<string, unknown>;

/**
 * Turns chain events into rows. Each event is applied in one SQLite transaction together with the
 * checkpoint that covers it, so after a crash the index holds either the event and its checkpoint or
 * neither, and an event at or before the checkpoint is skipped: exactly-once, however the stream replays.
 */
export class Projector {
  readonly #db: Database.Database;
  readonly #s;
  readonly #applyOne: (event: LedgerEvent) => boolean;

  constructor(db: Database.Database) {
    this.#db = db;
    const p = (sql: string): Database.Statement => db.prepare(sql);
    this.#s = {
      checkpoint: p(`SELECT block_number, tx_index, tx_id, events_applied FROM checkpoint WHERE id = 1`),
      saveCheckpoint: p(
        `INSERT INTO checkpoint (id, block_number, tx_index, tx_id, events_applied) VALUES (1, ?, ?, ?, 1)
         ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, tx_index = excluded.tx_index,
         tx_id = excluded.tx_id, events_applied = events_applied + 1`,
      ),
      resource: p(`SELECT id, owner, status, head_version FROM resources WHERE id = ?`),
      insertResource: p(
        `INSERT INTO resources (id, owner, status, head_version, created, updated, tx_id, block_number, tx_index, committed)
         VALUES (@id, @owner, 'active', @version, @timestamp, @timestamp, @txId, @blockNumber, @txIndex, @committed)`,
      ),
      updateHead: p(
        `UPDATE resources SET status = 'active', head_version = @version, updated = @timestamp, tx_id = @txId,
         block_number = @blockNumber, tx_index = @txIndex, committed = @committed WHERE id = @id`,
      ),
      withdrawResource: p(
        `UPDATE resources SET status = 'withdrawn', updated = @timestamp, tx_id = @txId, block_number = @blockNumber,
         tx_index = @txIndex, committed = @committed WHERE id = @id`,
      ),
      insertVersion: p(
        `INSERT INTO versions (resource_id, version, cid, sha256, sm3, size, media_type, metadata_hash, tx_id,
         block_number, tx_index, committed, record)
         VALUES (@resourceId, @version, @cid, @sha256, @sm3, @size, @mediaType, @metadataHash, @txId, @blockNumber,
         @txIndex, @committed, @record)`,
      ),
      insertWithdrawal: p(
        `INSERT INTO withdrawals (resource_id, tx_id, block_number, tx_index, committed, record)
         VALUES (@resourceId, @txId, @blockNumber, @txIndex, @committed, @record)`,
      ),
      insertChange: p(
        `INSERT INTO changes (block_number, tx_index, item, resource_id, kind, version, owner, tx_id, committed)
         VALUES (@blockNumber, @txIndex, @item, @resourceId, @kind, @version, @owner, @txId, @committed)`,
      ),
      upsertRights: p(
        `INSERT INTO rights (rights_id, target_type, target_id, assigner, assignee, status, not_before, not_after,
         granted_block, tx_id, block_number, tx_index, committed, record)
         VALUES (@rightsId, @targetType, @targetId, @assigner, @assignee, @status, @notBefore, @notAfter,
         @grantedBlock, @txId, @blockNumber, @txIndex, @committed, @record)
         ON CONFLICT (rights_id) DO UPDATE SET target_type = excluded.target_type, target_id = excluded.target_id,
         assigner = excluded.assigner, assignee = excluded.assignee, status = excluded.status,
         not_before = excluded.not_before, not_after = excluded.not_after, tx_id = excluded.tx_id,
         block_number = excluded.block_number, tx_index = excluded.tx_index, committed = excluded.committed,
         record = excluded.record`,
      ),
      insertRightsEvent: p(
        `INSERT INTO rights_events (rights_id, kind, tx_id, block_number, tx_index, committed)
         VALUES (@rightsId, @kind, @txId, @blockNumber, @txIndex, @committed)`,
      ),
      insertBatch: p(
        `INSERT INTO batches (batch_id, owner, root, count, kind, parent_resource_id, parent_version, tx_id,
         block_number, tx_index, committed, record)
         VALUES (@batchId, @owner, @root, @count, @kind, @parentResourceId, @parentVersion, @txId, @blockNumber,
         @txIndex, @committed, @record)`,
      ),
      insertReceipt: p(
        `INSERT INTO receipts (resource_id, version, warehouse, tx_id, block_number, tx_index, committed, record)
         VALUES (@resourceId, @version, @warehouse, @txId, @blockNumber, @txIndex, @committed, @record)`,
      ),
      metadata: p(`SELECT json FROM metadata WHERE hash = ?`),
      upsertResourceDoc: p(
        `INSERT INTO search_docs (kind, ref, resource_id, version, owner, status, title, subjects, keywords, description)
         VALUES ('resource', @id, @id, @version, @owner, @status, @title, @subjects, @keywords, @description)
         ON CONFLICT (kind, ref) DO UPDATE SET version = excluded.version, owner = excluded.owner,
         status = excluded.status, title = excluded.title, subjects = excluded.subjects,
         keywords = excluded.keywords, description = excluded.description`,
      ),
      docStatus: p(`UPDATE search_docs SET status = ? WHERE kind = 'resource' AND ref = ?`),
    };
    this.#applyOne = (event) => this.#apply(event);
  }

  position(): (Position & { txId: string; eventsApplied: number }) | null {
    const row = this.#s.checkpoint.get() as Row | undefined;
    if (row === undefined) return null;
    return {
      blockNumber: Number(row.block_number),
      txIndex: Number(row.tx_index),
      txId: String(row.tx_id),
      eventsApplied: Number(row.events_applied),
    };
  }

  applyAll(events: readonly LedgerEvent[]): ApplyResult {
    let applied = 0;
    const run = this.#db.transaction((list: readonly LedgerEvent[]) => {
      for (const event of list) if (this.#applyOne(event)) applied += 1;
    });
    // IMMEDIATE: take the write lock before reading the checkpoint, so that two processes following the
    // same index (`npm start` and a CLI command) serialise instead of both applying the same event.
    run.immediate(events);
    return { applied, skipped: events.length - applied };
  }

  /** Re-derives a resource's search document from its head version's metadata (after putMetadata). */
  refreshResourceDoc(resourceId: string): void {
    const res = this.#s.resource.get(resourceId) as Row | undefined;
    if (res === undefined) return;
    const head = this.#db
      .prepare(`SELECT metadata_hash FROM versions WHERE resource_id = ? AND version = ?`)
      .get(resourceId, res.head_version) as Row | undefined;
    this.#resourceDoc(
      resourceId,
      Number(res.head_version),
      String(res.owner),
      String(res.status),
      head ? String(head.metadata_hash) : '',
    );
  }

  #apply(event: LedgerEvent): boolean {
    const at = this.position();
    if (at !== null && compare(event, at) <= 0) return false;
    const placement = {
      txId: event.txId,
      blockNumber: event.blockNumber,
      txIndex: event.txIndex,
      committed: event.timestamp,
    };
    const records = parsePayload(event);
    switch (event.eventName) {
      case EVENTS.resourceRegistered:
        records.forEach((r, item) => this.#version(r as ResourceVersion, placement, item));
        break;
      case EVENTS.resourceWithdrawn:
        records.forEach((r, item) => this.#withdrawal(r as Withdrawal, placement, item));
        break;
      case EVENTS.batchAnchored:
        for (const r of records) this.#batch(r as Batch, placement);
        break;
      case EVENTS.rightsGranted:
        for (const r of records) this.#rights(r as Rights, placement, 'granted');
        break;
      case EVENTS.rightsRevoked:
        for (const r of records) this.#rights(r as Rights, placement, 'revoked');
        break;
      case EVENTS.receiptRecorded:
        for (const r of records) this.#receipt(r as Receipt, placement);
        break;
      default:
        // Events of a newer chaincode are passed over, but the checkpoint still moves past them.
        break;
    }
    this.#s.saveCheckpoint.run(event.blockNumber, event.txIndex, event.txId);
    return true;
  }

  #version(v: ResourceVersion, placement: Placement, item: number): void {
    const existing = this.#s.resource.get(v.resourceId) as Row | undefined;
    const params = { id: v.resourceId, owner: v.owner, version: v.version, timestamp: v.timestamp, ...placement };
    if (existing === undefined) this.#s.insertResource.run(params);
    else if (v.version > Number(existing.head_version)) this.#s.updateHead.run(params);
    this.#s.insertVersion.run({
      resourceId: v.resourceId,
      version: v.version,
      cid: v.cid,
      sha256: v.sha256,
      sm3: v.sm3,
      size: v.size,
      mediaType: v.mediaType,
      metadataHash: v.metadataHash,
      record: JSON.stringify(v),
      ...placement,
    });
    this.#s.insertChange.run({
      ...placement,
      item,
      resourceId: v.resourceId,
      kind: 'version',
      version: v.version,
      owner: v.owner,
    });
    const owner = existing === undefined ? v.owner : String(existing.owner);
    if (existing === undefined || v.version > Number(existing.head_version)) {
      this.#resourceDoc(v.resourceId, v.version, owner, 'active', v.metadataHash);
    }
  }

  #withdrawal(w: Withdrawal, placement: Placement, item: number): void {
    const existing = this.#s.resource.get(w.resourceId) as Row | undefined;
    if (existing === undefined) {
      throw projectionError(
        `withdrawal of resource ${w.resourceId}, which the index has never seen registered`,
        placement,
      );
    }
    this.#s.withdrawResource.run({ id: w.resourceId, timestamp: w.timestamp, ...placement });
    this.#s.insertWithdrawal.run({ resourceId: w.resourceId, record: JSON.stringify(w), ...placement });
    this.#s.insertChange.run({
      ...placement,
      item,
      resourceId: w.resourceId,
      kind: 'withdrawal',
      version: w.headVersion,
      owner: String(existing.owner),
    });
    this.#s.docStatus.run('withdrawn', w.resourceId);
  }

  #batch(b: Batch, placement: Placement): void {
    this.#s.insertBatch.run({
      batchId: b.batchId,
      owner: b.owner,
      root: b.root,
      count: b.count,
      kind: b.kind,
      parentResourceId: b.parent?.resourceId ?? null,
      parentVersion: b.parent?.version ?? null,
      record: JSON.stringify(b),
      ...placement,
    });
  }

  #rights(r: Rights, placement: Placement, kind: 'granted' | 'revoked'): void {
    this.#s.insertRightsEvent.run({ rightsId: r.rightsId, kind, ...placement });
    const prior = this.#db.prepare(`SELECT granted_block FROM rights WHERE rights_id = ?`).get(r.rightsId) as
      Row | undefined;
    this.#s.upsertRights.run({
      rightsId: r.rightsId,
      targetType: r.target.type,
      targetId: r.target.id,
      assigner: r.assigner,
      assignee: r.assignee,
      status: r.status,
      notBefore: r.constraints.notBefore,
      notAfter: r.constraints.notAfter ?? null,
      grantedBlock: prior === undefined ? placement.blockNumber : Number(prior.granted_block),
      record: JSON.stringify(r),
      ...placement,
    });
  }

  #receipt(r: Receipt, placement: Placement): void {
    this.#s.insertReceipt.run({
      resourceId: r.resourceId,
      version: r.version,
      warehouse: r.warehouse,
      record: JSON.stringify(r),
      ...placement,
    });
  }

  #resourceDoc(id: string, version: number, owner: string, status: string, metadataHash: string): void {
    const row = this.#s.metadata.get(metadataHash) as Row | undefined;
    const text = searchText(row === undefined ? undefined : JSON.parse(String(row.json)));
    this.#s.upsertResourceDoc.run({
      id,
      version,
      owner,
      status,
      title: text.title,
      subjects: text.subjects.join('\n'),
      keywords: text.keywords.join('\n'),
      description: text.description,
    });
  }
}

interface Placement {
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly committed: string;
}

function compare(a: Position, b: Position): number {
  return a.blockNumber - b.blockNumber || a.txIndex - b.txIndex;
}

function parsePayload(event: LedgerEvent): readonly unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(event.payload).toString('utf8'));
  } catch (cause) {
    throw projectionError(`event ${event.eventName} has a payload that is not JSON`, event, cause);
  }
  if (!Array.isArray(parsed))
    throw projectionError(`event ${event.eventName} payload: expected a JSON array of records`, event);
  return parsed;
}

function projectionError(
  message: string,
  at: Readonly<{ txId: string; blockNumber: number }>,
  cause?: unknown,
): ShulianError {
  return new ShulianError('INDEX_PROJECTION', message, { txId: at.txId, blockNumber: at.blockNumber, cause });
}
