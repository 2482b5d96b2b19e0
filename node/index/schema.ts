import type Database from 'better-sqlite3';
import { ShulianError } from '../core/errors.js';

/**
 * The index's tables. Chain tables are a pure projection of the ledger's events (dropped and replayed by
 * `rebuild`); off-chain tables hold what the ingest pipeline keeps beside the chain (metadata JSON by its
 * hash, inclusion proofs by record id) and survive a rebuild. Every chain row keeps its placement
 * (tx id, block number, index in block, block commit time) and the record exactly as the chaincode wrote it.
 */
export const SCHEMA_VERSION = 2;

export const CHAIN_TABLES = [
  'resources',
  'versions',
  'withdrawals',
  'changes',
  'rights',
  'rights_events',
  'batches',
  'receipts',
] as const;
export const OFF_CHAIN_TABLES = ['metadata', 'batch_records'] as const;

const PLACEMENT = `tx_id TEXT NOT NULL, block_number INTEGER NOT NULL, tx_index INTEGER NOT NULL, committed TEXT NOT NULL`;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

-- The position of the last applied event; written in the same transaction as the rows it covers.
CREATE TABLE IF NOT EXISTS checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  block_number INTEGER NOT NULL, tx_index INTEGER NOT NULL, tx_id TEXT NOT NULL, events_applied INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS resources (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL, head_version INTEGER NOT NULL,
  created TEXT NOT NULL, updated TEXT NOT NULL, ${PLACEMENT}
) STRICT;
CREATE INDEX IF NOT EXISTS resources_owner ON resources (owner, id);

CREATE TABLE IF NOT EXISTS versions (
  resource_id TEXT NOT NULL, version INTEGER NOT NULL, cid TEXT NOT NULL, sha256 TEXT NOT NULL, sm3 TEXT NOT NULL,
  size INTEGER NOT NULL, media_type TEXT NOT NULL, metadata_hash TEXT NOT NULL, ${PLACEMENT}, record TEXT NOT NULL,
  PRIMARY KEY (resource_id, version)
) STRICT;
CREATE INDEX IF NOT EXISTS versions_cid ON versions (cid);
CREATE INDEX IF NOT EXISTS versions_sha256 ON versions (sha256);
CREATE INDEX IF NOT EXISTS versions_metadata ON versions (metadata_hash);

CREATE TABLE IF NOT EXISTS withdrawals (
  resource_id TEXT NOT NULL, ${PLACEMENT}, record TEXT NOT NULL, PRIMARY KEY (resource_id, block_number, tx_index)
) STRICT;

-- The changes feed: one row per resource changed by a transaction, in chain order.
CREATE TABLE IF NOT EXISTS changes (
  block_number INTEGER NOT NULL, tx_index INTEGER NOT NULL, item INTEGER NOT NULL,
  resource_id TEXT NOT NULL, kind TEXT NOT NULL, version INTEGER NOT NULL, owner TEXT NOT NULL,
  tx_id TEXT NOT NULL, committed TEXT NOT NULL,
  PRIMARY KEY (block_number, tx_index, item)
) STRICT;
CREATE INDEX IF NOT EXISTS changes_committed ON changes (committed);

CREATE TABLE IF NOT EXISTS rights (
  rights_id TEXT PRIMARY KEY, target_type TEXT NOT NULL, target_id TEXT NOT NULL, assigner TEXT NOT NULL,
  assignee TEXT NOT NULL, status TEXT NOT NULL, not_before TEXT NOT NULL, not_after TEXT,
  granted_block INTEGER NOT NULL, ${PLACEMENT}, record TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS rights_target ON rights (target_type, target_id);
CREATE INDEX IF NOT EXISTS rights_assignee ON rights (assignee, status);
CREATE INDEX IF NOT EXISTS rights_not_after ON rights (status, not_after);

-- Every grant and revocation with its placement: the audit trail of a rights record.
CREATE TABLE IF NOT EXISTS rights_events (
  rights_id TEXT NOT NULL, kind TEXT NOT NULL, ${PLACEMENT}, PRIMARY KEY (rights_id, block_number, tx_index)
) STRICT;

CREATE TABLE IF NOT EXISTS batches (
  batch_id TEXT PRIMARY KEY, owner TEXT NOT NULL, root TEXT NOT NULL, count INTEGER NOT NULL, kind TEXT NOT NULL,
  parent_resource_id TEXT, parent_version INTEGER, ${PLACEMENT}, record TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS batches_parent ON batches (parent_resource_id, parent_version);

CREATE TABLE IF NOT EXISTS receipts (
  resource_id TEXT NOT NULL, version INTEGER NOT NULL, warehouse TEXT NOT NULL, ${PLACEMENT}, record TEXT NOT NULL,
  PRIMARY KEY (resource_id, version, tx_id)
) STRICT;

-- Off chain: canonical metadata JSON by its SHA-256 (the version's metadataHash).
CREATE TABLE IF NOT EXISTS metadata (hash TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT;

-- Off chain: each indexing record's place in its Merkle batch (anchored or about to be). The leaf hash is
-- 32 bytes and the proof its audit path, 32 bytes per level, concatenated.
CREATE TABLE IF NOT EXISTS batch_records (
  record_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, tree_size INTEGER NOT NULL, leaf_index INTEGER NOT NULL,
  leaf_hash BLOB NOT NULL, proof BLOB NOT NULL, record TEXT
) STRICT;
-- No index by batch: nothing looks records up by their batch (a record's owner is its batch's, joined by
-- record id when search filters by owner; records' search documents carry no owner of their own), and one
-- more B-tree entry a record cost ingest about 0.5 s in 170,000. Indexes made by earlier versions go.
DROP INDEX IF EXISTS batch_records_batch;

-- Search documents: resources (from their head version's metadata) and indexing records. A document is in
-- the full-text index when \`indexed\` = 1; records arrive with 0 (hundreds of thousands at a time, from
-- ingest) and are indexed in one SQL statement before the next search (\`flushSearch\`).
CREATE TABLE IF NOT EXISTS search_docs (
  doc_id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, resource_id TEXT, version INTEGER,
  owner TEXT, status TEXT, title TEXT NOT NULL, subjects TEXT NOT NULL, keywords TEXT NOT NULL,
  description TEXT NOT NULL, indexed INTEGER NOT NULL DEFAULT 1, UNIQUE (kind, ref)
) STRICT;
CREATE INDEX IF NOT EXISTS search_docs_pending ON search_docs (doc_id) WHERE indexed = 0;

-- trigram: substring matching that works for Chinese, which has no spaces between words.
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5 (
  title, subjects, keywords, description, content = 'search_docs', content_rowid = 'doc_id', tokenize = 'trigram'
);
CREATE TRIGGER IF NOT EXISTS search_docs_ai AFTER INSERT ON search_docs WHEN new.indexed = 1 BEGIN
  INSERT INTO search_fts (rowid, title, subjects, keywords, description)
  VALUES (new.doc_id, new.title, new.subjects, new.keywords, new.description);
END;
CREATE TRIGGER IF NOT EXISTS search_docs_ad AFTER DELETE ON search_docs WHEN old.indexed = 1 BEGIN
  INSERT INTO search_fts (search_fts, rowid, title, subjects, keywords, description)
  VALUES ('delete', old.doc_id, old.title, old.subjects, old.keywords, old.description);
END;
-- One trigger, so that the old row leaves the full-text index before the new one enters it.
CREATE TRIGGER IF NOT EXISTS search_docs_au AFTER UPDATE OF title, subjects, keywords, description, indexed ON search_docs BEGIN
  INSERT INTO search_fts (search_fts, rowid, title, subjects, keywords, description)
  SELECT 'delete', old.doc_id, old.title, old.subjects, old.keywords, old.description WHERE old.indexed = 1;
  INSERT INTO search_fts (rowid, title, subjects, keywords, description)
  SELECT new.doc_id, new.title, new.subjects, new.keywords, new.description WHERE new.indexed = 1;
END;
`;

export function migrate(db: Database.Database): void {
  db.exec(DDL);
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'schemaVersion'`).get() as { value: string } | undefined;
  if (row === undefined) {
    db.prepare(`INSERT INTO meta (key, value) VALUES ('schemaVersion', ?)`).run(String(SCHEMA_VERSION));
  } else if (Number(row.value) !== SCHEMA_VERSION) {
    throw new ShulianError(
      'INDEX_SCHEMA',
      `index schema version ${row.value} is not ${SCHEMA_VERSION}: delete the index file and run \`shulian index rebuild\``,
    );
  }
}

/** Empties the projection (chain tables, checkpoint, resource search documents); keeps off-chain data. */
export function clearProjection(db: Database.Database): void {
  for (const table of CHAIN_TABLES) db.exec(`DELETE FROM ${table}`);
  db.exec(`DELETE FROM checkpoint`);
  db.exec(`DELETE FROM search_docs WHERE kind = 'resource'`);
  db.exec(`UPDATE search_docs SET owner = NULL WHERE kind = 'record'`);
}
