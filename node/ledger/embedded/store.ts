import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LedgerError } from '../../core/errors.js';
import { GENESIS_PREVIOUS_HASH } from './block.js';

type Db = Database.Database;
type Statement = Database.Statement;

/**
 * The embedded ledger's durable store: one SQLite file (WAL, synchronous=FULL) holding the block log and
 * everything derived from it (world state with versions, key history, private data, the tx index).
 * One SQLite transaction per block, so a block and its effects are applied entirely or not at all.
 *
 * Connections: `reader` for queries, events and the validation of a block before it is written (sees
 * committed blocks only); a `SimulationReader` that holds one read transaction while proposals are being
 * endorsed (a consistent snapshot, whatever other threads commit meanwhile); `writer` for the schema and
 * tools; blocks themselves are written by the committer's own connection on its own thread
 * (committer.ts), one BEGIN IMMEDIATE ... COMMIT per block, which also serialises commits from several
 * processes that opened the same directory.
 */
export const DB_FILE = 'ledger.sqlite';
const SCHEMA_VERSION = '2';

export interface StateRow {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly block: number;
  readonly tx: number;
}

export interface HistoryRow {
  readonly block: number;
  readonly tx: number;
  readonly txId: string;
  readonly seconds: number;
  readonly nanos: number;
  readonly isDelete: boolean;
}

export interface PrivateRow {
  readonly value: Buffer;
  readonly hash: Buffer;
  readonly block: number;
  readonly tx: number;
}

export interface BlockRow {
  readonly number: number;
  readonly header: Buffer;
  readonly hash: Buffer;
  readonly signature: Buffer;
  readonly signerCert: string;
}

export interface TxRow {
  readonly block: number;
  readonly idx: number;
  readonly txId: string;
  readonly envelope: Buffer;
  readonly valid: boolean;
}

const DDL = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  number INTEGER PRIMARY KEY, header BLOB NOT NULL, hash BLOB NOT NULL, signature BLOB NOT NULL, signer_cert TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS txs (
  block INTEGER NOT NULL, idx INTEGER NOT NULL, tx_id TEXT NOT NULL, envelope BLOB NOT NULL, valid INTEGER NOT NULL,
  event_name TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS txs_by_position ON txs (block, idx);
CREATE INDEX IF NOT EXISTS txs_by_id ON txs (tx_id);
CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, value BLOB NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL) WITHOUT ROWID;
-- as Fabric's history database: which transactions wrote a key; the values stay in the blocks
CREATE TABLE IF NOT EXISTS history (
  key BLOB NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL, tx_id TEXT NOT NULL, seconds INTEGER NOT NULL,
  nanos INTEGER NOT NULL, is_delete INTEGER NOT NULL, PRIMARY KEY (key, block, tx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS private (
  collection TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, hash BLOB NOT NULL, block INTEGER NOT NULL,
  tx INTEGER NOT NULL, PRIMARY KEY (collection, key)) WITHOUT ROWID;
`;

/** Schema 1 kept each history entry's value (duplicating the blocks); schema 2 reads it from the block. */
function migrateFrom1(db: Db): void {
  const columns = (db.prepare('PRAGMA table_info(history)').all() as { name: string }[]).map((c) => c.name);
  if (columns.includes('value')) {
    db.exec(`
      CREATE TABLE history_v2 (
        key BLOB NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL, tx_id TEXT NOT NULL, seconds INTEGER NOT NULL,
        nanos INTEGER NOT NULL, is_delete INTEGER NOT NULL, PRIMARY KEY (key, block, tx)) WITHOUT ROWID;
      INSERT INTO history_v2 SELECT key, block, tx, tx_id, seconds, nanos, is_delete FROM history;
      DROP TABLE history;
      ALTER TABLE history_v2 RENAME TO history;`);
  }
  db.prepare("UPDATE meta SET value = ? WHERE name = 'schemaVersion'").run(SCHEMA_VERSION);
}

function openDb(path: string): Db {
  const db = new Database(path, { timeout: 30_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = OFF');
  db.defaultSafeIntegers(false);
  return db;
}

/** State queries bound to one connection: the reader's (committed state) or the writer's (inside a commit). */
export class StateView {
  readonly #get: Statement;
  readonly #range: Statement;
  readonly #rangeOpen: Statement;
  readonly #getPrivate: Statement;

  constructor(db: Db) {
    this.#get = db.prepare('SELECT key, value, block, tx FROM state WHERE key = ?');
    this.#range = db.prepare('SELECT key, value, block, tx FROM state WHERE key >= ? AND key < ? ORDER BY key LIMIT ?');
    this.#rangeOpen = db.prepare('SELECT key, value, block, tx FROM state WHERE key >= ? ORDER BY key LIMIT ?');
    this.#getPrivate = db.prepare('SELECT value, hash, block, tx FROM private WHERE collection = ? AND key = ?');
  }

  get(key: Buffer): StateRow | undefined {
    return this.#get.get(key) as StateRow | undefined;
  }

  /** Up to `limit` rows with from <= key < end (end null: unbounded), in key (UTF-8 byte) order. */
  range(from: Buffer, end: Buffer | null, limit: number): StateRow[] {
    return (end === null ? this.#rangeOpen.all(from, limit) : this.#range.all(from, end, limit)) as StateRow[];
  }

  getPrivate(collection: string, key: Buffer): PrivateRow | undefined {
    return this.#getPrivate.get(collection, key) as PrivateRow | undefined;
  }
}

/**
 * The reads of proposals being endorsed, on a connection of their own: `begin` opens a read transaction
 * (its snapshot is taken at the first read) and `end` closes it, so every read of a simulation sees the
 * same committed state while the committer thread writes blocks.
 */
export class SimulationReader {
  readonly view: StateView;
  readonly #db: Db;
  readonly #history: Statement;
  readonly #envelopeAt: Statement;
  // prepared once: exec() parses its SQL on every call, and these run for every stretch of simulations
  readonly #begin: Statement;
  readonly #commit: Statement;

  constructor(db: Db) {
    this.#db = db;
    this.view = new StateView(db);
    const reads = prepareReads(db);
    this.#history = reads.history;
    this.#envelopeAt = reads.envelopeAt;
    this.#begin = db.prepare('BEGIN');
    this.#commit = db.prepare('COMMIT');
  }

  begin(): void {
    if (!this.#db.inTransaction) this.#begin.run();
  }

  end(): void {
    if (this.#db.inTransaction) this.#commit.run();
  }

  history(key: Buffer): HistoryRow[] {
    return toHistoryRows(this.#history.all(key) as RawHistory[]);
  }

  envelopeAt(block: number, idx: number): Buffer | undefined {
    return (this.#envelopeAt.get(block, idx) as { envelope: Buffer } | undefined)?.envelope;
  }

  close(): void {
    this.end();
    this.#db.close();
  }
}

export class LedgerStore {
  readonly path: string;
  readonly #reader: Db;
  readonly #writer: Db;
  readonly view: StateView;
  readonly #stmts: ReturnType<typeof prepareReads>;

  readonly #snapshot: boolean;

  private constructor(path: string, reader: Db, writer: Db, snapshot = false) {
    this.#snapshot = snapshot;
    this.path = path;
    this.#reader = reader;
    this.#writer = writer;
    this.view = new StateView(reader);
    this.#stmts = prepareReads(reader);
  }

  static open(dir: string, channel: string): LedgerStore {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, DB_FILE);
    const writer = openDb(path);
    writer.exec('BEGIN IMMEDIATE');
    try {
      writer.exec(DDL);
      const meta = new Map(
        (writer.prepare('SELECT name, value FROM meta').all() as { name: string; value: string }[]).map((r) => [
          r.name,
          r.value,
        ]),
      );
      if (meta.size === 0) {
        const put = writer.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
        put.run('schemaVersion', SCHEMA_VERSION);
        put.run('channel', channel);
      } else {
        if (meta.get('schemaVersion') === '1') migrateFrom1(writer);
        if (meta.get('schemaVersion') !== SCHEMA_VERSION && meta.get('schemaVersion') !== '1') {
          throw new LedgerError(
            'LEDGER_FORMAT',
            `ledger ${path} has schema version ${String(meta.get('schemaVersion'))}, expected ${SCHEMA_VERSION}`,
          );
        }
        if (meta.get('channel') !== channel) {
          throw new LedgerError(
            'LEDGER_CHANNEL',
            `ledger ${path} belongs to channel "${String(meta.get('channel'))}", not "${channel}"`,
          );
        }
      }
      writer.exec('COMMIT');
    } catch (err) {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      writer.close();
      throw err;
    }
    const reader = openDb(path);
    return new LedgerStore(path, reader, writer);
  }

  /**
   * A read-only view of this ledger frozen at one point (one SQLite read transaction on its own
   * connection): `verify` reads blocks and state from the same snapshot while other connections, here or
   * in other processes, keep committing.
   */
  openSnapshot(): LedgerStore {
    const db = openDb(this.path);
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM blocks').get();
    return new LedgerStore(this.path, db, db, true);
  }

  /** A connection for the reads of simulations (see SimulationReader). */
  openSimulationReader(): SimulationReader {
    return new SimulationReader(openDb(this.path));
  }

  /** The number of the next block and the hash it must link to, as committed now. */
  tip(): { number: number; previousHash: string } {
    const tip = this.#stmts.tipHash.get() as { number: number; hash: Buffer } | undefined;
    return tip === undefined
      ? { number: 0, previousHash: GENESIS_PREVIOUS_HASH }
      : { number: tip.number + 1, previousHash: tip.hash.toString('hex') };
  }

  txIdExists(txId: string): boolean {
    return this.#stmts.txExists.get(txId) !== undefined;
  }

  /** The number of the next block. */
  height(): number {
    const row = this.#stmts.tip.get() as { number: number } | undefined;
    return row === undefined ? 0 : row.number + 1;
  }

  counts(): { transactions: number; valid: number; stateKeys: number } {
    const t = this.#stmts.txCounts.get() as { n: number; v: number | null };
    const k = this.#stmts.stateCount.get() as { n: number };
    return { transactions: t.n, valid: t.v ?? 0, stateKeys: k.n };
  }

  history(key: Buffer): HistoryRow[] {
    return toHistoryRows(this.#stmts.history.all(key) as RawHistory[]);
  }

  block(number: number): BlockRow | undefined {
    const r = this.#stmts.block.get(number) as
      { number: number; header: Buffer; hash: Buffer; signature: Buffer; signer_cert: string } | undefined;
    return r && { number: r.number, header: r.header, hash: r.hash, signature: r.signature, signerCert: r.signer_cert };
  }

  blockTxs(number: number): TxRow[] {
    return (this.#stmts.blockTxs.all(number) as RawTx[]).map(toTxRow);
  }

  /** Valid transactions that emitted an event, from block `from` on, in order; at most `limit` rows. */
  eventTxs(fromBlock: number, fromIdx: number, limit: number): TxRow[] {
    return (this.#stmts.eventTxs.all(fromBlock, fromIdx, limit) as RawTx[]).map(toTxRow);
  }

  /** The first (valid if any) occurrence of a txId. */
  findTx(txId: string): TxRow | undefined {
    const r = this.#stmts.findTx.get(txId) as RawTx | undefined;
    return r && toTxRow(r);
  }

  /** Every state row in key order (for verify). */
  *iterateState(): Generator<StateRow> {
    yield* this.#stmts.allState.iterate() as IterableIterator<StateRow>;
  }

  /** The stored envelope of the transaction at (block, idx). */
  envelopeAt(block: number, idx: number): Buffer | undefined {
    return (this.#stmts.envelopeAt.get(block, idx) as { envelope: Buffer } | undefined)?.envelope;
  }

  *iterateHistory(): Generator<{
    key: Buffer;
    block: number;
    tx: number;
    txId: string;
    seconds: number;
    nanos: number;
    isDelete: boolean;
  }> {
    for (const r of this.#stmts.allHistory.iterate() as IterableIterator<RawHistory & { key: Buffer }>) {
      yield { key: r.key, ...toHistoryRow(r) };
    }
  }

  *iteratePrivate(): Generator<{
    collection: string;
    key: Buffer;
    value: Buffer;
    hash: Buffer;
    block: number;
    tx: number;
  }> {
    yield* this.#stmts.allPrivate.iterate() as IterableIterator<{
      collection: string;
      key: Buffer;
      value: Buffer;
      hash: Buffer;
      block: number;
      tx: number;
    }>;
  }

  /** Raw access for tests and tools that must reach under the API (tamper tests). */
  get rawWriter(): Db {
    return this.#writer;
  }

  close(): void {
    if (this.#snapshot) {
      if (this.#reader.inTransaction) this.#reader.exec('COMMIT');
      this.#reader.close();
      return;
    }
    this.#reader.close();
    this.#writer.close();
  }
}

interface RawHistory {
  block: number;
  tx: number;
  tx_id: string;
  seconds: number;
  nanos: number;
  is_delete: number;
}

function toHistoryRows(rows: readonly RawHistory[]): HistoryRow[] {
  return rows.map(toHistoryRow);
}

function toHistoryRow(r: RawHistory): HistoryRow {
  return {
    block: r.block,
    tx: r.tx,
    txId: r.tx_id,
    seconds: r.seconds,
    nanos: r.nanos,
    isDelete: r.is_delete === 1,
  };
}

interface RawTx {
  block: number;
  idx: number;
  tx_id: string;
  envelope: Buffer;
  valid: number;
}

function toTxRow(r: RawTx): TxRow {
  return { block: r.block, idx: r.idx, txId: r.tx_id, envelope: r.envelope, valid: r.valid === 1 };
}

function prepareReads(db: Db) {
  return {
    tip: db.prepare('SELECT number FROM blocks ORDER BY number DESC LIMIT 1'),
    tipHash: db.prepare('SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1'),
    txExists: db.prepare('SELECT 1 FROM txs WHERE tx_id = ? LIMIT 1'),
    txCounts: db.prepare('SELECT count(*) AS n, sum(valid) AS v FROM txs'),
    stateCount: db.prepare('SELECT count(*) AS n FROM state'),
    // Fabric 2.x returns history newest first
    history: db.prepare(
      'SELECT block, tx, tx_id, seconds, nanos, is_delete FROM history WHERE key = ? ORDER BY block DESC, tx DESC',
    ),
    envelopeAt: db.prepare('SELECT envelope FROM txs WHERE block = ? AND idx = ?'),
    block: db.prepare('SELECT number, header, hash, signature, signer_cert FROM blocks WHERE number = ?'),
    blockTxs: db.prepare('SELECT block, idx, tx_id, envelope, valid FROM txs WHERE block = ? ORDER BY idx'),
    eventTxs: db.prepare(
      'SELECT block, idx, tx_id, envelope, valid FROM txs WHERE (block, idx) >= (?, ?) AND valid = 1 AND event_name IS NOT NULL ORDER BY block, idx LIMIT ?',
    ),
    findTx: db.prepare(
      'SELECT block, idx, tx_id, envelope, valid FROM txs WHERE tx_id = ? ORDER BY valid DESC, block, idx LIMIT 1',
    ),
    allState: db.prepare('SELECT key, value, block, tx FROM state ORDER BY key'),
    allHistory: db.prepare(
      'SELECT key, block, tx, tx_id, seconds, nanos, is_delete FROM history ORDER BY key, block, tx',
    ),
    allPrivate: db.prepare('SELECT collection, key, value, hash, block, tx FROM private ORDER BY collection, key'),
  };
}
