import { SlotRing } from '../ring.js';
import { ThreadJobs, type ThreadReply } from './thread.js';

/**
 * Large block writes, done synchronously on worker threads.
 *
 * A block written through fs/promises costs six threadpool round trips (stat, open, write, datasync,
 * close, rename); on this kind of virtual machine each round trip costs tens of microseconds of CPU, and
 * they run on the core that SM3 needs. Measured for 256 KiB blocks: about 0.85 ms of CPU per block that
 * way, 0.17 ms with the same syscalls made synchronously in a row. So a large put hands its blocks to
 * writer threads through a shared ring (one message each way per block), which write, fdatasync and
 * rename them exactly as the threadpool path does. Small blocks keep the threadpool path: they are bound
 * by fsync latency, and parallel fsyncs there let the filesystem share journal commits.
 */
export interface BlockWrite {
  /** `blocks/`: block files go in its shard folders, `blocks/<2 chars>/<KEY>.data`. */
  readonly blocksDir: string;
  /** Temp files are made here, on the same filesystem. */
  readonly tmpDir: string;
  /** The block's key (base32 multihash), or undefined: the writer hashes the bytes (SHA-256) to find it. */
  readonly key: string | undefined;
  /** The block's bytes as consecutive pieces (a dag-pb leaf comes as header, chunk, trailer). */
  readonly pieces: readonly Uint8Array[];
  /** Write it into this pack file at this offset instead of a file of its own (see pack.ts). */
  readonly pack?: { readonly path: string; readonly offset: number; readonly closed: boolean } | undefined;
}

export interface BlockWriteResult {
  readonly key: string;
  /** The SHA-256 of the bytes, when the writer computed it (no key given). */
  readonly digest: Uint8Array | undefined;
  /** The block was already on disk: nothing was written. */
  readonly existed: boolean;
  /** Its shard folder was created, so `blocks/` itself changed. */
  readonly createdShard: boolean;
  /** Packed: where the block is in the pack (an earlier copy's offset when this thread wrote it before). */
  readonly at: number | undefined;
}

/** Blocks at least this large go to the writer thread. */
export const OFFLOAD_MIN_BYTES = 64 * 1024;
/** Room for a 1 MiB leaf plus a dag-pb envelope; anything larger takes the threadpool path. */
export const OFFLOAD_MAX_BYTES = (1 << 20) + (64 << 10);
/** Ring slots per writer thread. */
const SLOTS = 4;
/**
 * Two writer threads, so that one block's open and write run while the other's fdatasync waits for the
 * disk: with one, the writer was busy about 1.9 ms per 256 KiB block, barely faster than SM3 consumes
 * them, and its waits stalled the put. Same-load A/B, 1 GiB kubo-v1 putFile, three pairs: 110, 110, 114
 * MB/s with one, 113, 114, 123 MB/s with two.
 */
const WRITERS = 2;
/**
 * A writer fdatasyncs a pack after this many bytes of its own writes: the disk works while SM3 does, and
 * the seal at the end of a put has little left to flush. Syncing every block instead (a pack with no
 * batching) measured 124 MB/s against 132 to 137 MB/s.
 */
const PACK_SYNC_BYTES = 8 << 20;

// Plain JavaScript evaluated from a string, like the SM3 worker, so that it runs the same under tsx and from dist/.
// It names files exactly as blockKey() does: the multihash (0x12 0x20 + SHA-256) in unpadded upper-case
// base32, sharded by the two characters before the last (flatfs next-to-last/2).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { join } = require('node:path');
const { createHash, randomBytes } = require('node:crypto');
const ring = new Uint8Array(workerData.ring);
const slot = workerData.slot;
const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
/** Open packs: path -> { fd, unsynced bytes, key -> offset of the last few thousand blocks this thread wrote }. */
const packs = new Map();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes) {
  let out = '', bits = 0, value = 0;
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8;
    while (bits >= 5) { out += ALPHABET[(value >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
function write(m) {
  const bytes = ring.subarray(m.index * slot, m.index * slot + m.length);
  let key = m.key, digest;
  if (!key) {
    digest = createHash('sha256').update(bytes).digest();
    key = base32(Buffer.concat([Buffer.from([0x12, 0x20]), digest]));
  }
  if (m.pack) return writePacked(m, bytes, key, digest);
  const shardDir = join(m.blocksDir, key.slice(-3, -1));
  // No cache of known shards: a store may be deleted and made again at the same path; EEXIST is cheap.
  const createdShard = fs.mkdirSync(shardDir, { recursive: true }) !== undefined;
  const target = join(shardDir, key + '.data');
  if (fs.existsSync(target)) return { key, digest, existed: true, createdShard };
  const tmp = join(m.tmpDir, key + '.' + randomBytes(6).toString('hex') + '.tmp');
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644);
  try {
    for (let off = 0; off < bytes.byteLength; ) off += fs.writeSync(fd, bytes, off);
    fs.fdatasyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch {}
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, target);
  return { key, digest, existed: false, createdShard };
}
function writePacked(m, bytes, key, digest) {
  let p = packs.get(m.pack);
  if (!p) {
    // Not O_EXCL: both writers open the same pack (its name is random, so no other put's).
    p = { fd: fs.openSync(m.pack, O_WRONLY | O_CREAT, 0o644), unsynced: 0, keys: new Map() };
    packs.set(m.pack, p);
  }
  const seen = p.keys.get(key);
  if (seen !== undefined) return { key, digest, existed: true, createdShard: false, at: seen };
  for (let off = 0; off < bytes.byteLength; ) {
    off += fs.writeSync(p.fd, bytes, off, bytes.byteLength - off, m.offset + off);
  }
  // Only recent keys: enough for a run of repeated chunks (zeros), without growing with the payload.
  if (p.keys.size >= 4096) p.keys.clear();
  p.keys.set(key, m.offset);
  p.unsynced += bytes.byteLength;
  if (p.unsynced >= workerData.packSyncBytes) {
    fs.fdatasyncSync(p.fd);
    p.unsynced = 0;
  }
  return { key, digest, existed: false, createdShard: false, at: m.offset };
}
// Each writer makes its own writes to a pack durable (an fdatasync flushes the file's pages whoever wrote
// them, but only this thread knows which of its writes are not yet synced) and closes it.
function seal(m) {
  const p = packs.get(m.pack);
  if (!p) return {};
  packs.delete(m.pack);
  try {
    if (m.sync && p.unsynced > 0) fs.fdatasyncSync(p.fd);
  } finally {
    fs.closeSync(p.fd);
  }
  return {};
}
serve((m) => (m.op === 'seal' ? seal(m) : write(m)));
`;

interface Reply extends ThreadReply {
  readonly key?: string;
  readonly digest?: Uint8Array;
  readonly existed?: boolean;
  readonly createdShard?: boolean;
  readonly at?: number;
}

class BlockWriter {
  readonly #ring = new SlotRing(OFFLOAD_MAX_BYTES, SLOTS * WRITERS);
  readonly #threads = Array.from(
    { length: WRITERS },
    () =>
      new ThreadJobs<Reply>('block writer', WORKER_SOURCE, {
        workerData: { ring: this.#ring.buffer, slot: this.#ring.slotSize, packSyncBytes: PACK_SYNC_BYTES },
      }),
  );
  readonly #outstanding = new Array<number>(WRITERS).fill(0);

  async write(job: Readonly<BlockWrite>): Promise<BlockWriteResult> {
    const length = piecesLength(job.pieces);
    if (length > OFFLOAD_MAX_BYTES) throw new RangeError('block too large for the writer ring');
    const index = await this.#ring.acquire();
    let m: Reply;
    try {
      // A failed put abandons its pack while other leaves still wait for a slot: none may reopen it.
      if (job.pack?.closed) throw new Error('block writer: the pack was closed');
      let at = 0;
      for (const piece of job.pieces) {
        this.#ring.fill(index, piece, at);
        at += piece.byteLength;
      }
      let t = 0;
      for (let i = 1; i < WRITERS; i++) if (this.#outstanding[i]! < this.#outstanding[t]!) t = i;
      this.#outstanding[t]!++;
      try {
        m = await this.#threads[t]!.run({
          index,
          length,
          key: job.key,
          blocksDir: job.blocksDir,
          tmpDir: job.tmpDir,
          pack: job.pack?.path,
          offset: job.pack?.offset,
        });
      } finally {
        this.#outstanding[t]!--;
      }
    } finally {
      // Free again once answered, or once the worker died with it.
      this.#ring.release(index);
    }
    if (typeof m.key !== 'string') throw new Error('block writer: a reply without a key');
    const digest = m.digest ? new Uint8Array(m.digest.buffer, m.digest.byteOffset, m.digest.byteLength) : undefined;
    return {
      key: m.key,
      digest,
      existed: m.existed === true,
      createdShard: m.createdShard === true,
      at: typeof m.at === 'number' ? m.at : undefined,
    };
  }

  /**
   * After the last write to a pack: every writer fdatasyncs what it wrote there (`sync`) and closes it.
   * Without `sync` (a failed put), the writers only close it.
   */
  async seal(path: string, sync: boolean): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.run({ op: 'seal', pack: path, sync })));
  }
}

export function piecesLength(pieces: readonly Uint8Array[]): number {
  let length = 0;
  for (const piece of pieces) length += piece.byteLength;
  return length;
}

let writer: BlockWriter | undefined;
/** The process's one block writer (created on first use). */
export function blockWriter(): Pick<BlockWriter, 'write' | 'seal'> {
  writer ??= new BlockWriter();
  return writer;
}
