import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { CID } from 'multiformats/cid';
import { ContentError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { DagStorage, StoreProgress } from '../builder.js';
import { exportCarFrom, verifyCar } from '../car.js';
import { blockKey, checkDag, parseCid, type BlockLoader, type ReadOptions, type ReadRange } from '../dag.js';
import { lendFile, readFile as readDagFile } from '../dag-read.js';
import type { Sm3Mode } from '../hashing.js';
import { asContentError, importPayload, toPutResult } from '../importing.js';
import { assertExpected, checkExpectOption } from '../expect.js';
import { cidProfile } from '../profiles.js';
import { pooledFile } from '../file-source.js';
import type {
  ContentStat,
  ContentStore,
  GetOptions,
  LentChunk,
  PutFileOptions,
  PutOptions,
  PutResult,
  VerifyReport,
} from '../types.js';
import { putMany } from './batch.js';
import { FsBlockstore, syncDir, syncDirs } from './blockstore.js';
import { StoreLocks } from './locks.js';
import { locateIn, type Locate, type PackSession } from './pack.js';
import { RootIndex, type RootRecord } from './roots.js';

export interface EmbeddedContentStoreOptions {
  /** The store's directory, e.g. `<SHULIAN_HOME>/content`. Created when missing. */
  readonly dir: string;
  /** Re-hash every block read by `get` against its CID (default true). `verify` always re-hashes. */
  readonly verifyReads?: boolean;
  /** Where SM3 runs (default 'auto': a worker thread for payloads over 1 MiB). For benchmarks. */
  readonly sm3?: Sm3Mode;
}

export interface GcReport {
  /** Block files no record uses. */
  readonly removedBlocks: number;
  /** Pack files no record names (interrupted large puts). */
  readonly removedPacks: number;
  /** Of block files and packs together. */
  readonly removedBytes: number;
  /** Blocks in use: block files and blocks in packs. */
  readonly keptBlocks: number;
  readonly removedTempFiles: number;
}

/** The embedded store also garbage-collects (`shulian content gc`). */
export interface EmbeddedContentStore extends ContentStore {
  readonly dir: string;
  putFile(path: string, options?: Readonly<PutFileOptions>): Promise<PutResult>;
  lend(cid: string, options?: Readonly<GetOptions>): AsyncIterable<LentChunk>;
  /** Deletes every block no committed root uses (leftovers of interrupted puts, removed DAGs). */
  gc(): Promise<GcReport>;
}

/** An on-disk content store with Kubo-identical CIDs: durable, crash-safe, streaming. */
export async function embeddedContentStore(
  options: Readonly<EmbeddedContentStoreOptions>,
): Promise<EmbeddedContentStore> {
  if (typeof options?.dir !== 'string' || options.dir === '') {
    throw new ContentError('CONFIG', 'embeddedContentStore: /dir: expected a directory path', { pointer: '/dir' });
  }
  const dir = resolve(options.dir);
  const made = await mkdir(dir, { recursive: true });
  if (made !== undefined) await syncDir(dirname(made)); // the new store's own entry, before anything in it
  const store = new Embedded(dir, options.verifyReads ?? true, options.sm3 ?? 'auto');
  await store.init();
  return store;
}

class Embedded implements EmbeddedContentStore {
  readonly dir: string;
  readonly verifiesReads: boolean;
  readonly #blocks: FsBlockstore;
  readonly #roots: RootIndex;
  readonly #locks: StoreLocks;
  readonly #sm3: Sm3Mode;
  #closed = false;

  constructor(dir: string, verifyReads: boolean, sm3: Sm3Mode) {
    this.dir = dir;
    this.#blocks = new FsBlockstore(dir);
    this.#roots = new RootIndex(dir);
    this.#locks = new StoreLocks(dir);
    this.verifiesReads = verifyReads;
    this.#sm3 = sm3;
  }

  async init(): Promise<void> {
    await this.#blocks.init();
    await this.#roots.init();
    await this.#locks.init();
  }

  put(source: AsyncIterable<Uint8Array> | Readable, options: Readonly<PutOptions> = {}): Promise<PutResult> {
    return this.#put(source as AsyncIterable<Uint8Array>, options, undefined);
  }

  async putFile(path: string, options: Readonly<PutFileOptions> = {}): Promise<PutResult> {
    if (typeof path !== 'string' || path === '') {
      throw new ValidationError('/path: expected the path of a file to put', { pointer: '/path' });
    }
    const file = pooledFile(path, options.onRead ? { onRead: options.onRead } : {});
    return this.#put(file.chunks, options, file);
  }

  async #put(
    source: AsyncIterable<Uint8Array>,
    options: Readonly<PutOptions>,
    progress: StoreProgress | undefined,
  ): Promise<PutResult> {
    this.#open();
    const profile = cidProfile(options.profile);
    checkExpectOption(options.expect);
    const release = await this.#locks.enterPut(options.signal);
    const pack = this.#blocks.openPack();
    let packKept = false;
    try {
      const keys = new Set<string>();
      const dirty = new Set<string>();
      const sink: DagStorage = {
        put: async (cid: CID, bytes: Uint8Array): Promise<void> => {
          const key = blockKey(cid);
          keys.add(key);
          await this.#blocks.write(key, bytes, dirty);
        },
        putLeaf: async (pieces: readonly Uint8Array[]): Promise<Uint8Array> => {
          const { key, digest } = await this.#blocks.writePackedLeaf(pack, pieces, dirty);
          keys.add(key);
          return digest;
        },
      };
      const imported = await importPayload(source, profile, sink, {
        signal: options.signal,
        sm3: this.#sm3,
        ...(progress ? { progress } : {}),
      });
      const result = toPutResult(imported, profile);
      // Before the commit: wrong bytes never get a record (their pack goes in `finally`, other blocks to gc).
      assertExpected(result, options.expect);
      packKept = await this.#commit(
        imported.root,
        dirty,
        {
          v: 1,
          cid: imported.root.toString(),
          profile: profile.name,
          size: imported.size,
          sha256: imported.sha256,
          sm3: imported.sm3,
          blocks: [...keys],
        },
        pack,
      );
      return result;
    } catch (err) {
      throw asContentError(err, options.signal);
    } finally {
      if (!packKept) await this.#blocks.dropPack(pack);
      await release();
    }
  }

  putMany(payloads: readonly Uint8Array[], options: Readonly<PutOptions> = {}): Promise<PutResult[]> {
    this.#open();
    if (options.expect !== undefined) {
      throw new ValidationError('/expect: applies to one payload: use put', { pointer: '/expect' });
    }
    return putMany({ blocks: this.#blocks, roots: this.#roots, locks: this.#locks }, payloads, options);
  }

  /**
   * Makes the put's blocks durable, then its root visible. Resolves true when the record names `pack`;
   * false when the root was already stored, and the put's pack (if any) is the caller's to delete.
   */
  async #commit(root: CID, dirty: Set<string>, record: RootRecord, pack?: PackSession): Promise<boolean> {
    if (pack) await this.#blocks.sealPack(pack);
    const synced = this.#blocks.withShardEntries(dirty);
    await syncDirs(dirty);
    synced();
    const existing = await this.#roots.read(root);
    if (existing) {
      // Same root, same blocks: only rewrite when the new record knows more (digests after a CAR import),
      // and then keep the blocks where the existing record has them.
      if (existing.sha256 === undefined && record.sha256 !== undefined) {
        const { packs } = existing;
        await this.#roots.commit(root, { ...record, blocks: existing.blocks, ...(packs ? { packs } : {}) });
      }
      return false;
    }
    if (!pack?.written) return this.#roots.create(root, record).then(() => false);
    return this.#roots.create(root, { ...record, packs: [pack.ref()] });
  }

  async *get(cid: string, options: Readonly<GetOptions> = {}): AsyncIterable<Uint8Array> {
    const { root, range, read, locate } = await this.#readOf(cid, options);
    yield* readDagFile(this.#blocks.ownedReader(locate), root, range, read);
  }

  async *lend(cid: string, options: Readonly<GetOptions> = {}): AsyncIterable<LentChunk> {
    const { root, range, read, locate } = await this.#readOf(cid, options);
    yield* lendFile(this.#blocks.lentReader(locate), root, range, read);
  }

  async #readOf(
    cid: string,
    options: Readonly<GetOptions>,
  ): Promise<{ root: CID; range: ReadRange; read: ReadOptions; locate: Locate | undefined }> {
    this.#open();
    const root = parseCid(cid);
    const record = await this.#record(root);
    const { offset, length, signal, readAhead } = options;
    if (readAhead !== undefined && (!Number.isSafeInteger(readAhead) || readAhead < 0)) {
      throw new ValidationError('/readAhead: expected a non-negative integer (bytes)', { pointer: '/readAhead' });
    }
    return {
      root,
      range: { offset, length },
      read: { verify: this.verifiesReads && options.verify !== false, signal, readAhead },
      locate: this.#locate(record),
    };
  }

  #locate(record: RootRecord): Locate | undefined {
    return locateIn(record.packs, this.#blocks.packsDir);
  }

  /** Reads the blocks of the DAG `record` describes. */
  #loader(record: RootRecord): BlockLoader {
    const locate = this.#locate(record);
    return (cid) => this.#blocks.read(cid, locate);
  }

  async has(cid: string): Promise<boolean> {
    this.#open();
    return this.#roots.has(parseCid(cid));
  }

  async stat(cid: string): Promise<ContentStat> {
    this.#open();
    const record = await this.#record(parseCid(cid));
    return { cid: cid.trim(), size: record.size, blocks: record.blocks.length };
  }

  async verify(cid: string): Promise<VerifyReport> {
    this.#open();
    const root = parseCid(cid);
    const check = await checkDag(this.#loader(await this.#record(root)), root);
    return { cid: cid.trim(), ok: check.missing.length === 0 && check.corrupt.length === 0, ...check };
  }

  async remove(cid: string): Promise<void> {
    this.#open();
    const root = parseCid(cid);
    await this.#locks.exclusive(async () => {
      const record = await this.#roots.read(root);
      if (!record) return; // already gone: takedown is idempotent
      await this.#roots.delete(root);
      const candidates = new Set(record.blocks);
      for await (const other of this.#roots.all()) {
        for (const key of other.blocks) candidates.delete(key);
        if (candidates.size === 0) break;
      }
      const dirty = new Set<string>();
      for (const key of candidates) await this.#blocks.deleteKey(key, dirty);
      // A pack belongs to its record alone.
      for (const pack of record.packs ?? []) await this.#blocks.deletePack(pack.file, dirty);
      await syncDirs(dirty);
    });
  }

  async gc(): Promise<GcReport> {
    this.#open();
    return this.#locks.exclusive(async () => {
      const live = new Set<string>();
      const livePacks = new Set<string>();
      let keptBlocks = 0;
      for await (const record of this.#roots.all()) {
        for (const key of record.blocks) live.add(key);
        for (const pack of record.packs ?? []) {
          livePacks.add(pack.file);
          keptBlocks += pack.blocks.length;
        }
      }
      const dirty = new Set<string>();
      let removedBlocks = 0;
      let removedPacks = 0;
      let removedBytes = 0;
      for (const file of await this.#blocks.packFiles()) {
        if (livePacks.has(file)) continue;
        removedBytes += await this.#blocks.deletePack(file, dirty);
        removedPacks++;
      }
      for await (const key of this.#blocks.keys()) {
        if (live.has(key)) {
          keptBlocks++;
          continue;
        }
        removedBytes += await this.#blocks.deleteKey(key, dirty);
        removedBlocks++;
      }
      await syncDirs(dirty);
      const removedTempFiles = await this.#blocks.clearTemp();
      return { removedBlocks, removedPacks, removedBytes, keptBlocks, removedTempFiles };
    });
  }

  async *exportCar(cid: string): AsyncIterable<Uint8Array> {
    this.#open();
    const root = parseCid(cid);
    yield* exportCarFrom(this.#loader(await this.#record(root)), root);
  }

  async importCar(source: AsyncIterable<Uint8Array>): Promise<{ readonly root: string; readonly blocks: number }> {
    this.#open();
    const release = await this.#locks.enterPut();
    try {
      const dirty = new Set<string>();
      const car = await verifyCar(source, async ({ bytes, key }) => this.#blocks.write(key, bytes, dirty));
      await this.#commit(car.root, dirty, {
        v: 1,
        cid: car.root.toString(),
        profile: null,
        size: car.size,
        blocks: [...car.keys],
      });
      return { root: car.root.toString(), blocks: car.blocks };
    } finally {
      await release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#locks.close();
  }

  async #record(root: CID): Promise<RootRecord> {
    const record = await this.#roots.read(root);
    if (!record) throw new NotFoundError(`no content with CID ${root} in this store`, { cid: root.toString() });
    return record;
  }

  #open(): void {
    if (this.#closed) throw new ContentError('CLOSED', 'the content store is closed');
  }
}
