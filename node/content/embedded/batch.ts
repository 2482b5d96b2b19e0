import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { ContentError } from '../../core/errors.js';
import { blockKey, keyOfSha256 } from '../dag.js';
import { asContentError, importPayload } from '../importing.js';
import { cidProfile, type CidProfile } from '../profiles.js';
import type { PutOptions, PutResult } from '../types.js';
import type { FsBlockstore } from './blockstore.js';
import type { RootIndex, RootRecord } from './roots.js';
import type { StoreLocks } from './locks.js';
import { errnoError, ThreadJobs, type ErrnoInfo, type ThreadReply } from './thread.js';

/**
 * Many small payloads put in one round: `ContentStore.putMany` of the embedded store.
 *
 * A put of a few kilobytes through fs/promises costs a dozen threadpool round trips on the main thread
 * (lock check, stat, open, write, datasync, close, rename, directory fsync, root record read, and the
 * same again for the root record), each with its promise, FileHandle and, for the misses, an Error with
 * a stack: for 10,000 small files and their metadata that is most of an ingest's main-thread time. Here
 * the main thread only hashes (CIDs, SHA-256, SM3, in memory) and I/O threads make the same system calls
 * synchronously, in three rounds for the whole batch, in the order a single put takes them:
 *
 *   1. every new block: temp file, write, fdatasync, rename into its shard; every root record: temp file,
 *      write, fsync (not yet visible);
 *   2. fsync of every shard folder a block went into (and of `blocks/` when a shard was made);
 *   3. only then each root record renamed into `roots/`, and `roots/` fsynced.
 *
 * So a CID becomes visible (has/get/stat) only when all its blocks are durable, as with `put`; a crash at
 * any point leaves at most temp files (removed by gc) and unreferenced blocks (collected by gc). Rounds 1
 * and 2 are spread over several threads, whose fsyncs the filesystem commits together.
 */
export interface BatchParts {
  readonly blocks: FsBlockstore;
  readonly roots: RootIndex;
  readonly locks: StoreLocks;
}

/** Payloads up to this size each (and the batch in total) are accepted: they are held in memory. */
export const PUT_MANY_MAX_BYTES = 64 << 20;
const IO_THREADS = 4;

interface Planned {
  readonly result: PutResult;
  readonly rootPath: string;
  readonly record: RootRecord;
}

interface Block {
  readonly key: string;
  readonly bytes: Uint8Array;
}

export async function putMany(
  parts: BatchParts,
  payloads: readonly Uint8Array[],
  options: Readonly<PutOptions> = {},
): Promise<PutResult[]> {
  const profile = cidProfile(options.profile);
  if (!Array.isArray(payloads)) {
    throw new ContentError('BAD_INPUT', '/payloads: expected an array of byte arrays', { pointer: '/payloads' });
  }
  let total = 0;
  payloads.forEach((p, i) => {
    if (!(p instanceof Uint8Array)) {
      throw new ContentError('BAD_INPUT', `/payloads/${i}: expected bytes (Uint8Array/Buffer)`, {
        pointer: `/payloads/${i}`,
      });
    }
    total += p.byteLength;
  });
  if (total > PUT_MANY_MAX_BYTES) {
    throw new ContentError(
      'BAD_INPUT',
      `/payloads: expected at most ${PUT_MANY_MAX_BYTES} bytes in one batch, got ${total} (use put for large payloads)`,
      { pointer: '/payloads' },
    );
  }
  options.signal?.throwIfAborted();
  try {
    const blocks = new Map<string, Uint8Array>();
    const planned: Planned[] = [];
    for (const payload of payloads) planned.push(await plan(parts, payload, profile, blocks));
    if (planned.length === 0) return [];
    const release = await parts.locks.enterPut(options.signal);
    try {
      await ioPool().run(
        parts,
        [...blocks].map(([key, bytes]) => ({ key, bytes })),
        unique(planned),
        options.signal,
      );
    } finally {
      await release();
    }
    return planned.map((p) => p.result);
  } catch (err) {
    throw asContentError(err, options.signal);
  }
}

/** The DAG of one payload, in memory: its blocks go into `blocks` (by key, so duplicates are written once). */
async function plan(
  parts: BatchParts,
  payload: Uint8Array,
  profile: CidProfile,
  blocks: Map<string, Uint8Array>,
): Promise<Planned> {
  let root: CID;
  let sha256: string;
  let sm3: string;
  const keys: string[] = [];
  if (profile.rawLeaves && payload.byteLength <= profile.chunkSize) {
    // One raw leaf is the whole DAG, and its multihash is the payload's SHA-256.
    const digest = createHash('sha256').update(payload).digest();
    root = CID.create(1, raw.code, Digest.create(0x12, digest));
    sha256 = digest.toString('hex');
    sm3 = createHash('sm3').update(payload).digest('hex');
    const key = keyOfSha256(digest);
    keys.push(key);
    blocks.set(key, payload);
  } else {
    const seen = new Set<string>();
    const imported = await importPayload(
      [payload],
      profile,
      {
        put(cid: CID, bytes: Uint8Array): void {
          const key = blockKey(cid);
          if (!seen.has(key)) keys.push(key);
          seen.add(key);
          blocks.set(key, bytes);
        },
      },
      { sm3: 'inline' },
    );
    root = imported.root;
    sha256 = imported.sha256;
    sm3 = imported.sm3;
  }
  const cid = root.toString();
  return {
    result: { cid, profile: profile.name, sha256, sm3, size: payload.byteLength },
    // the same file name RootIndex gives it: the CIDv1 spelling, for CIDv0 roots too
    rootPath: join(parts.roots.dir, `${CID.createV1(root.code, root.multihash).toString()}.json`),
    record: { v: 1, cid, profile: profile.name, size: payload.byteLength, sha256, sm3, blocks: keys },
  };
}

function unique(planned: readonly Planned[]): Planned[] {
  const byPath = new Map<string, Planned>();
  for (const p of planned) byPath.set(p.rootPath, p);
  return [...byPath.values()];
}

// Plain JavaScript evaluated from a string, like the block writer, so that it runs the same under tsx and
// from dist/. Each message is one round for a share of the batch; the steps are those of a single put.
const WORKER_SOURCE = `
const fs = require('node:fs');
const { join } = require('node:path');
const { O_WRONLY, O_CREAT, O_EXCL, O_RDONLY } = fs.constants;
function writeDurable(path, bytes, full) {
  const fd = fs.openSync(path, O_WRONLY | O_CREAT | O_EXCL, 0o644);
  try {
    for (let off = 0; off < bytes.byteLength; ) off += fs.writeSync(fd, bytes, off);
    if (full) fs.fsyncSync(fd); else fs.fdatasyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    try { fs.unlinkSync(path); } catch {}
    throw err;
  }
  fs.closeSync(fd);
}
function syncDir(dir) {
  const fd = fs.openSync(dir, O_RDONLY);
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
function stage(m) {
  const data = new Uint8Array(m.data);
  const dirty = new Set();
  for (const b of m.blocks) {
    const shardDir = join(m.blocksDir, b.key.slice(-3, -1));
    // Another put may have renamed this block in without having fsynced the folder yet: ours does it.
    dirty.add(shardDir);
    if (fs.mkdirSync(shardDir, { recursive: true }) !== undefined) dirty.add(m.blocksDir);
    const target = join(shardDir, b.key + '.data');
    if (fs.existsSync(target)) continue;
    const tmp = join(m.tmpDir, b.key + '.' + m.tag + '.tmp');
    writeDurable(tmp, data.subarray(b.offset, b.offset + b.length), false);
    fs.renameSync(tmp, target);
  }
  for (const r of m.roots) writeDurable(r.tmp, Buffer.from(r.text, 'utf8'), true);
  return { dirty: [...dirty] };
}
function commitRoots(m) {
  for (const r of m.roots) {
    let existing;
    try { existing = fs.readFileSync(r.target, 'utf8'); } catch (err) { if (err.code !== 'ENOENT') throw err; }
    let keep = false;
    if (existing !== undefined) {
      let parsed;
      try { parsed = JSON.parse(existing); } catch { throw Object.assign(new Error('root record ' + r.target + ' is not JSON'), { code: 'STORE_CORRUPT', path: r.target }); }
      // same root, same blocks: only rewritten when the new record knows more (digests after a CAR import)
      keep = parsed !== null && typeof parsed === 'object' && parsed.sha256 !== undefined;
    }
    if (keep) fs.unlinkSync(r.tmp); else fs.renameSync(r.tmp, r.target);
  }
  syncDir(m.rootsDir);
  return {};
}
serve((m) => {
  if (m.op === 'stage') return stage(m);
  if (m.op === 'syncDirs') { for (const d of m.dirs) syncDir(d); return {}; }
  if (m.op === 'commitRoots') return commitRoots(m);
  if (m.op === 'discard') { for (const p of m.paths) { try { fs.unlinkSync(p); } catch {} } return {}; }
  throw new Error('unknown op ' + m.op);
});
`;

interface Reply extends ThreadReply {
  readonly dirty?: readonly string[];
}

interface RootJob {
  readonly tmp: string;
  readonly target: string;
  readonly text: string;
}

class IoPool {
  readonly #threads = Array.from(
    { length: IO_THREADS },
    () => new ThreadJobs<Reply>('content I/O thread', WORKER_SOURCE, { toError: batchError }),
  );
  #next = 0;

  async run(
    parts: BatchParts,
    blocks: readonly Block[],
    planned: readonly Planned[],
    signal?: AbortSignal,
  ): Promise<void> {
    const tag = randomBytes(6).toString('hex');
    const roots: RootJob[] = planned.map((p, i) => ({
      tmp: join(parts.blocks.tmpDir, `root.${tag}.${i}.tmp`),
      target: p.rootPath,
      text: `${JSON.stringify(p.record)}\n`,
    }));
    const n = Math.max(1, Math.min(this.#threads.length, blocks.length + roots.length));
    const threads = Array.from(
      { length: n },
      () => this.#threads[this.#next++ % this.#threads.length] as ThreadJobs<Reply>,
    );
    let committed = false;
    try {
      // round 1: blocks and root temp files, shared out
      const dirty = new Set<string>();
      await Promise.all(
        threads.map(async (thread, t) => {
          const mine = blocks.filter((_, i) => i % n === t);
          const size = mine.reduce((s, b) => s + b.bytes.byteLength, 0);
          // one buffer of its own per thread, transferred: a pooled Buffer's view would clone its whole slab
          const data = new Uint8Array(new ArrayBuffer(size));
          let offset = 0;
          const list = mine.map((b) => {
            data.set(b.bytes, offset);
            const entry = { key: b.key, offset, length: b.bytes.byteLength };
            offset += b.bytes.byteLength;
            return entry;
          });
          const reply = await thread.run(
            {
              op: 'stage',
              blocksDir: parts.blocks.blocksDir,
              tmpDir: parts.blocks.tmpDir,
              tag: `${tag}${t}`,
              data: data.buffer,
              blocks: list,
              roots: roots.filter((_, i) => i % n === t).map((r) => ({ tmp: r.tmp, text: r.text })),
            },
            [data.buffer],
          );
          for (const d of reply.dirty ?? []) dirty.add(d);
        }),
      );
      signal?.throwIfAborted();
      // round 2: the folders the blocks were renamed into
      const synced = parts.blocks.withShardEntries(dirty);
      const dirs = [...dirty];
      await Promise.all(
        threads.map((thread, t) => thread.run({ op: 'syncDirs', dirs: dirs.filter((_, i) => i % n === t) })),
      );
      synced();
      signal?.throwIfAborted();
      // round 3: the roots become visible
      committed = true;
      await (threads[0] as ThreadJobs<Reply>).run({
        op: 'commitRoots',
        rootsDir: parts.roots.dir,
        roots: roots.map((r) => ({ tmp: r.tmp, target: r.target })),
      });
    } catch (err) {
      if (!committed) {
        await (threads[0] as ThreadJobs<Reply>)
          .run({ op: 'discard', paths: roots.map((r) => r.tmp) })
          .catch(() => undefined);
      }
      throw err;
    }
  }
}

/** A corrupt root record as the store reports it; anything else as the ErrnoException fs would have thrown. */
function batchError(e: ErrnoInfo): Error {
  if (e.code === 'STORE_CORRUPT') {
    return new ContentError('STORE_CORRUPT', e.message, e.path === undefined ? {} : { file: e.path });
  }
  return errnoError(e);
}

let pool: IoPool | undefined;
function ioPool(): IoPool {
  pool ??= new IoPool();
  return pool;
}
