import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LedgerError } from '../../core/errors.js';
import { GENESIS_PREVIOUS_HASH } from './block.js';

/**
 * Writes blocks to the ledger's SQLite file on a thread of its own, so that the write and its fsync
 * (synchronous=FULL: ~3 ms a block) run while the ledger's thread endorses the next transactions.
 *
 * One SQLite transaction per block, as before: BEGIN IMMEDIATE, check that the tip is still the block
 * the new one was built on (another process, or another runtime on the same directory, may have
 * committed since it was validated: then nothing is written and the caller validates again on the new
 * tip), write the block, its transactions, world state, history and private data, COMMIT. `commit`
 * resolves only once COMMIT has returned, i.e. once the block is durable.
 *
 * The peer's signature of the header is given as a promise: the thread writes the block's rows while it
 * is being made (ECDSA on libuv's pool) and adds the block row with it just before COMMIT, so signing
 * and writing overlap. Should signing fail, the transaction is rolled back and nothing is written.
 */
export interface BlockWrite {
  readonly number: number;
  /** The tip the block was validated against (hex; 64 zeros for block 0). */
  readonly previousHash: string;
  readonly header: Uint8Array;
  readonly hash: Uint8Array;
  readonly signerCert: string;
  readonly txs: readonly {
    readonly idx: number;
    readonly txId: string;
    readonly envelope: Uint8Array;
    readonly valid: boolean;
    readonly eventName: string | null;
  }[];
  /** World state writes of the valid transactions, in block order; value null: delete. */
  readonly state: readonly { readonly key: Uint8Array; readonly value: Uint8Array | null; readonly tx: number }[];
  readonly history: readonly {
    readonly key: Uint8Array;
    readonly tx: number;
    readonly txId: string;
    readonly seconds: number;
    readonly nanos: number;
    readonly isDelete: boolean;
  }[];
  readonly private: readonly {
    readonly collection: string;
    readonly key: Uint8Array;
    /** null: delete */
    readonly value: Uint8Array | null;
    readonly hash: Uint8Array | null;
    readonly tx: number;
  }[];
}

/** 'stale': the tip moved since the block was built; nothing was written. */
export type CommitOutcome = 'committed' | 'stale';

export interface BlockCommitter {
  /** `signature`: the peer's signature of `block.header`. */
  commit(block: BlockWrite, signature: Promise<Uint8Array>): Promise<CommitOutcome>;
  close(): Promise<void>;
}

// CommonJS, evaluated in the worker (no TypeScript loader there). It only writes what the ledger's
// thread validated, built and signed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { timeout: 30000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = OFF');
const s = {
  tip: db.prepare('SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1'),
  putState: db.prepare('INSERT OR REPLACE INTO state (key, value, block, tx) VALUES (?, ?, ?, ?)'),
  deleteState: db.prepare('DELETE FROM state WHERE key = ?'),
  addHistory: db.prepare('INSERT INTO history (key, block, tx, tx_id, seconds, nanos, is_delete) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  putPrivate: db.prepare('INSERT OR REPLACE INTO private (collection, key, value, hash, block, tx) VALUES (?, ?, ?, ?, ?, ?)'),
  deletePrivate: db.prepare('DELETE FROM private WHERE collection = ? AND key = ?'),
  insertBlock: db.prepare('INSERT INTO blocks (number, header, hash, signature, signer_cert) VALUES (?, ?, ?, ?, ?)'),
  insertTx: db.prepare('INSERT INTO txs (block, idx, tx_id, envelope, valid, event_name) VALUES (?, ?, ?, ?, ?, ?)'),
};
const buf = (u) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
// the block whose rows are written, in an open transaction, and whose signature is awaited
let open;
function rollback() {
  open = undefined;
  if (db.inTransaction) db.exec('ROLLBACK');
}
// phase 1: tip check and every row but the block's own; undefined: waiting for the signature
function write(id, b) {
  if (open !== undefined) rollback();
  db.exec('BEGIN IMMEDIATE');
  try {
    const tip = s.tip.get();
    const number = tip === undefined ? 0 : tip.number + 1;
    const previousHash = tip === undefined ? workerData.genesis : tip.hash.toString('hex');
    if (number !== b.number || previousHash !== b.previousHash) {
      db.exec('ROLLBACK');
      return 'stale';
    }
    for (const w of b.state) {
      if (w.value === null) s.deleteState.run(buf(w.key));
      else s.putState.run(buf(w.key), buf(w.value), b.number, w.tx);
    }
    for (const h of b.history) s.addHistory.run(buf(h.key), b.number, h.tx, h.txId, h.seconds, h.nanos, h.isDelete ? 1 : 0);
    for (const p of b.private) {
      if (p.value === null) s.deletePrivate.run(p.collection, buf(p.key));
      else s.putPrivate.run(p.collection, buf(p.key), buf(p.value), buf(p.hash), b.number, p.tx);
    }
    for (const t of b.txs) s.insertTx.run(b.number, t.idx, t.txId, buf(t.envelope), t.valid ? 1 : 0, t.eventName);
    open = { id, block: b };
    return undefined;
  } catch (err) {
    rollback();
    throw err;
  }
}
// phase 2: the block row with its signature, COMMIT (fsync)
function seal(id, signature) {
  if (open === undefined || open.id !== id) return undefined;
  const b = open.block;
  try {
    s.insertBlock.run(b.number, buf(b.header), buf(b.hash), buf(signature), b.signerCert);
    db.exec('COMMIT');
    open = undefined;
    return 'committed';
  } catch (err) {
    rollback();
    throw err;
  }
}
parentPort.on('message', (m) => {
  if (m.close) {
    rollback();
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (m.abort) {
      if (open !== undefined && open.id === m.id) rollback();
      return;
    }
    const outcome = m.block ? write(m.id, m.block) : seal(m.id, m.signature);
    if (outcome !== undefined) parentPort.postMessage({ id: m.id, outcome });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.message ? err.message : err) });
  }
});
`;

const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

export function openBlockCommitter(path: string): BlockCommitter {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, sqlite: sqlitePath, genesis: GENESIS_PREVIOUS_HASH },
  });
  const pending = new Map<number, { resolve: (o: CommitOutcome) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      failure ??= new LedgerError('COMMITTER_STOPPED', 'the block writer thread stopped');
      for (const p of pending.values()) p.reject(failure);
      pending.clear();
      resolve();
    }),
  );
  worker.on('error', (err) => {
    failure = new LedgerError('COMMITTER_FAILED', `the block writer thread failed: ${err.message}`, { cause: err });
  });
  worker.on('message', (m: { id: number; outcome?: CommitOutcome; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    // an idle writer must not keep the process alive (the runtime may never be closed)
    if (pending.size === 0) worker.unref();
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.outcome as CommitOutcome);
  });
  worker.unref();
  return {
    commit(block, signature) {
      if (failure || exited) {
        signature.catch(() => undefined);
        return Promise.reject(failure ?? new LedgerError('LEDGER_CLOSED', 'the ledger is closed'));
      }
      return new Promise<CommitOutcome>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, block });
        // a reply already received (stale tip, failed write) settled the commit: the signature is moot
        signature.then(
          (sig) => {
            if (pending.has(id) && !exited) worker.postMessage({ id, signature: sig });
          },
          (err: unknown) => {
            if (!pending.has(id)) return;
            pending.delete(id);
            if (!exited) worker.postMessage({ id, abort: true });
            if (pending.size === 0) worker.unref();
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
    },
    async close() {
      if (exited) return;
      worker.ref();
      worker.postMessage({ close: true });
      await exit;
    },
  };
}
