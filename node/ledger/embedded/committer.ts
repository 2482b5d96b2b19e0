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
 *
 * The WAL is checkpointed into the database by a third thread (openCheckpointer), not inside a COMMIT.
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
// No checkpoint inside a COMMIT: the WAL is copied into the database by a thread of its own (CHECKPOINT_SOURCE),
// so the blocks after it are not held up by the copy and its fsync of the database file. Durability does not
// depend on checkpoints: every COMMIT fsyncs the WAL (synchronous=FULL).
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpoint);
const s = {
  tip: db.prepare('SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1'),
  putState: db.prepare('INSERT OR REPLACE INTO state (key, value, block, tx) VALUES (?, ?, ?, ?)'),
  deleteState: db.prepare('DELETE FROM state WHERE key = ?'),
  addHistory: db.prepare('INSERT INTO history (key, block, tx, tx_id, seconds, nanos, is_delete) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  putPrivate: db.prepare('INSERT OR REPLACE INTO private (collection, key, value, hash, block, tx) VALUES (?, ?, ?, ?, ?, ?)'),
  deletePrivate: db.prepare('DELETE FROM private WHERE collection = ? AND key = ?'),
  insertBlock: db.prepare('INSERT INTO blocks (number, header, hash, signature, signer_cert) VALUES (?, ?, ?, ?, ?)'),
  insertTx: db.prepare('INSERT INTO txs (block, idx, tx_id, envelope, valid, event_name) VALUES (?, ?, ?, ?, ?, ?)'),
  // prepared once: exec() parses its SQL on every call
  begin: db.prepare('BEGIN IMMEDIATE'),
  commit: db.prepare('COMMIT'),
};
const buf = (u) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
// the block as encodeBlock (below, in the ledger's thread) packed it: one transferred buffer
function decodeBlock(ab) {
  const b = Buffer.from(ab);
  let o = 0;
  const u32 = () => { const v = b.readUInt32LE(o); o += 4; return v; };
  const f64 = () => { const v = b.readDoubleLE(o); o += 8; return v; };
  const u8 = () => b[o++];
  const bytes = () => { const n = u32(); const v = b.subarray(o, o + n); o += n; return v; };
  const maybeBytes = () => { if (b.readUInt32LE(o) === 0xffffffff) { o += 4; return null; } return bytes(); };
  const str = () => bytes().toString('utf8');
  const maybeStr = () => { const v = maybeBytes(); return v === null ? null : v.toString('utf8'); };
  const block = { number: f64(), previousHash: str(), header: bytes(), hash: bytes(), signerCert: str(), txs: [], state: [], history: [], private: [] };
  for (let n = u32(); n > 0; n--) block.txs.push({ idx: u32(), txId: str(), envelope: bytes(), valid: u8() === 1, eventName: maybeStr() });
  for (let n = u32(); n > 0; n--) block.state.push({ key: bytes(), value: maybeBytes(), tx: u32() });
  for (let n = u32(); n > 0; n--) block.history.push({ key: bytes(), tx: u32(), txId: str(), seconds: f64(), nanos: u32(), isDelete: u8() === 1 });
  for (let n = u32(); n > 0; n--) block.private.push({ collection: str(), key: bytes(), value: maybeBytes(), hash: maybeBytes(), tx: u32() });
  if (o !== b.length) throw new Error('block encoding: ' + (b.length - o) + ' bytes left over');
  return block;
}
// the block whose rows are written, in an open transaction, and whose signature is awaited
let open;
function rollback() {
  open = undefined;
  if (db.inTransaction) db.exec('ROLLBACK');
}
// phase 1: tip check and every row but the block's own; undefined: waiting for the signature
function write(id, b) {
  if (open !== undefined) rollback();
  s.begin.run();
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
    s.commit.run();
    open = undefined;
    return 'committed';
  } catch (err) {
    rollback();
    throw err;
  }
}
parentPort.on('message', (m) => {
  if (m.autocheckpoint !== undefined) {
    db.pragma('wal_autocheckpoint = ' + m.autocheckpoint);
    return;
  }
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
    const outcome = m.block ? write(m.id, decodeBlock(m.block)) : seal(m.id, m.signature);
    if (outcome !== undefined) parentPort.postMessage({ id: m.id, outcome });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.message ? err.message : err) });
  }
});
`;

// CommonJS, evaluated in the checkpointer's worker: copies the WAL into the database when asked (PASSIVE:
// it never waits for, nor blocks, the writer or the readers).
const CHECKPOINT_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { timeout: 30000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ done: true });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message ? err.message : err) });
  }
});
`;

/**
 * Packed block bytes committed between checkpoints: about 35 MiB of WAL (a block's pages weigh about twice
 * its packed bytes), the ~10,000 pages SQLite's autocheckpoint was set to before it moved off the writer.
 * Fewer, larger checkpoints copy each page the blocks keep rewriting (the tables' right edges, their
 * indexes) fewer times, and fsync the database file less often.
 */
const CHECKPOINT_BYTES = 16 * 1024 * 1024;
/** The writer's own autocheckpoint (pages), should the checkpointer thread fail. */
const FALLBACK_AUTOCHECKPOINT = 10_000;

const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Checkpoints the WAL on a thread of its own, once enough has been committed since the last one. Inside a
 * COMMIT (SQLite's autocheckpoint) a checkpoint took 30-60 ms here, while every transaction in flight
 * waited for that block. Should the thread fail, `onFailure` gives the job back to the writer.
 */
function openCheckpointer(
  path: string,
  threshold: number,
  onFailure: () => void,
): { committed(bytes: number): void; close(): Promise<void> } {
  let worker: Worker | undefined;
  let exit: Promise<void> | undefined;
  let since = 0;
  let running = false;
  let failed = false;
  const fail = () => {
    if (failed) return;
    failed = true;
    onFailure();
  };
  const start = () => {
    if (worker === undefined) {
      const w = new Worker(CHECKPOINT_SOURCE, { eval: true, workerData: { path, sqlite: sqlitePath } });
      exit = new Promise<void>((resolve) =>
        w.once('exit', () => {
          worker = undefined;
          // an exit while a checkpoint was asked for (not a close): the writer checkpoints again
          if (running) fail();
          resolve();
        }),
      );
      w.on('error', () => fail());
      w.on('message', (m: { done?: true; error?: string }) => {
        running = false;
        // an idle checkpointer must not keep the process alive
        w.unref();
        if (m.error !== undefined) fail();
        else if (since >= threshold) start();
      });
      worker = w;
    }
    running = true;
    since = 0;
    worker.ref();
    worker.postMessage({ checkpoint: true });
  };
  return {
    committed(bytes) {
      since += bytes;
      if (!failed && !running && since >= threshold) start();
    },
    async close() {
      const w = worker;
      if (w === undefined) return;
      running = false;
      w.ref();
      w.postMessage({ close: true });
      await exit;
    },
  };
}

export interface BlockCommitterOptions {
  /** Packed block bytes committed before the WAL is checkpointed (default 16 MiB). */
  readonly checkpointBytes?: number;
}

export function openBlockCommitter(path: string, options: Readonly<BlockCommitterOptions> = {}): BlockCommitter {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, sqlite: sqlitePath, genesis: GENESIS_PREVIOUS_HASH, autocheckpoint: 0 },
  });
  const checkpointer = openCheckpointer(path, options.checkpointBytes ?? CHECKPOINT_BYTES, () => {
    if (!exited) worker.postMessage({ autocheckpoint: FALLBACK_AUTOCHECKPOINT });
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
        const packed = encodeBlock(block);
        const bytes = packed.byteLength;
        worker.ref();
        pending.set(id, {
          resolve: (outcome) => {
            if (outcome === 'committed') checkpointer.committed(bytes);
            resolve(outcome);
          },
          reject,
        });
        worker.postMessage({ id, block: packed }, [packed]);
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
      await checkpointer.close();
      if (exited) return;
      worker.ref();
      worker.postMessage({ close: true });
      await exit;
    },
  };
}

/**
 * The block packed into one buffer, transferred to the writer thread: structured cloning the block's
 * objects (a few per transaction, each with its own small byte arrays) cost the ledger's thread about as
 * much as validating them. Little-endian; byte strings and UTF-8 strings are a u32 length and the bytes,
 * null is the length 0xffffffff; numbers that may pass 2^32 are f64.
 */
export function encodeBlock(b: BlockWrite): ArrayBuffer {
  const NULL = 0xffffffff;
  const strLen = (s: string) => 4 + Buffer.byteLength(s, 'utf8');
  const bytesLen = (u: Uint8Array | null) => 4 + (u === null ? 0 : u.byteLength);
  let size = 8 + strLen(b.previousHash) + bytesLen(b.header) + bytesLen(b.hash) + strLen(b.signerCert) + 16;
  for (const t of b.txs)
    size += 4 + strLen(t.txId) + bytesLen(t.envelope) + 1 + (t.eventName === null ? 4 : strLen(t.eventName));
  for (const w of b.state) size += bytesLen(w.key) + bytesLen(w.value) + 4;
  for (const h of b.history) size += bytesLen(h.key) + 4 + strLen(h.txId) + 8 + 4 + 1;
  for (const p of b.private) size += strLen(p.collection) + bytesLen(p.key) + bytesLen(p.value) + bytesLen(p.hash) + 4;
  const out = Buffer.from(new ArrayBuffer(size));
  let o = 0;
  const u32 = (v: number) => {
    o = out.writeUInt32LE(v, o);
  };
  const f64 = (v: number) => {
    o = out.writeDoubleLE(v, o);
  };
  const u8 = (v: number) => {
    out[o++] = v;
  };
  const bytes = (u: Uint8Array | null) => {
    if (u === null) return u32(NULL);
    u32(u.byteLength);
    out.set(u, o);
    o += u.byteLength;
  };
  const str = (s: string | null) => {
    if (s === null) return u32(NULL);
    const n = out.write(s, o + 4, 'utf8');
    u32(n);
    o += n;
  };
  f64(b.number);
  str(b.previousHash);
  bytes(b.header);
  bytes(b.hash);
  str(b.signerCert);
  u32(b.txs.length);
  for (const t of b.txs) {
    u32(t.idx);
    str(t.txId);
    bytes(t.envelope);
    u8(t.valid ? 1 : 0);
    str(t.eventName);
  }
  u32(b.state.length);
  for (const w of b.state) {
    bytes(w.key);
    bytes(w.value);
    u32(w.tx);
  }
  u32(b.history.length);
  for (const h of b.history) {
    bytes(h.key);
    u32(h.tx);
    str(h.txId);
    f64(h.seconds);
    u32(h.nanos);
    u8(h.isDelete ? 1 : 0);
  }
  u32(b.private.length);
  for (const p of b.private) {
    str(p.collection);
    bytes(p.key);
    bytes(p.value);
    bytes(p.hash);
    u32(p.tx);
  }
  if (o !== size) throw new LedgerError('BLOCK_ENCODING', `block ${b.number}: encoded ${o} bytes, expected ${size}`);
  return out.buffer as ArrayBuffer;
}
