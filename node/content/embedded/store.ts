import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { CID } from 'multiformats/cid';
import { ContentError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { DagStorage, StoreProgress } from '../builder.js';
import { exportCarFrom, verifyCar } from '../car.js';
import { blockKey, checkDag, parseCid, type BlockLoader, type ReadOptions, type ReadRange } from '../dag.js';
import { lendFile, readFile as readDagFile } from '../dag-read.js';
import type { Sm3Mode } from '../hashing.js';
import { asContentError, importPayload, toPutResult } from '../importing.js';
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
import { FsBlockstore, syncDirs } from './blockstore.js';
import { StoreLocks } from './locks.js';
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
  readonly removedBlocks: number;
  readonly removedBytes: number;
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
  await mkdir(dir, { recursive: true });
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
  readonly #load: BlockLoader;
  #closed = false;

  constructor(dir: string, verifyReads: boolean, sm3: Sm3Mode) {
    this.dir = dir;
    this.#blocks = new FsBlockstore(dir);
    this.#roots = new RootIndex(dir);
    this.#locks = new StoreLocks(dir);
    this.verifiesReads = verifyReads;
    this.#sm3 = sm3;
    this.#load = (cid) => this.#blocks.read(cid);
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
    const release = await this.#locks.enterPut(options.signal);
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
          const { key, digest } = await this.#blocks.writeLeaf(pieces, dirty);
          keys.add(key);
          return digest;
        },
      };
      const imported = await importPayload(source, profile, sink, {
        signal: options.signal,
        sm3: this.#sm3,
        ...(progress ? { progress } : {}),
      });
      await this.#commit(imported.root, dirty, {
        v: 1,
        cid: imported.root.toString(),
        profile: profile.name,
        size: imported.size,
        sha256: imported.sha256,
        sm3: imported.sm3,
        blocks: [...keys],
      });
      return toPutResult(imported, profile);
    } catch (err) {
      throw asContentError(err, options.signal);
    } finally {
      await release();
    }
  }

  putMany(payloads: readonly Uint8Array[], options: Readonly<PutOptions> = {}): Promise<PutResult[]> {
    this.#open();
    return putMany({ blocks: this.#blocks, roots: this.#roots, locks: this.#locks }, payloads, options);
  }

  async #commit(root: CID, dirty: Set<string>, record: RootRecord): Promise<void> {
    const synced = this.#blocks.withShardEntries(dirty);
    await syncDirs(dirty);
    synced();
    const existing = await this.#roots.read(root);
    // Same root, same blocks: only rewrite when the new record knows more (digests after a CAR import).
    if (existing && (existing.sha256 !== undefined || record.sha256 === undefined)) return;
    await this.#roots.commit(root, record);
  }

  async *get(cid: string, options: Readonly<GetOptions> = {}): AsyncIterable<Uint8Array> {
    const { root, range, read } = await this.#readOf(cid, options);
    yield* readDagFile(this.#blocks.ownedReader(), root, range, read);
  }

  async *lend(cid: string, options: Readonly<GetOptions> = {}): AsyncIterable<LentChunk> {
    const { root, range, read } = await this.#readOf(cid, options);
    yield* lendFile(this.#blocks.lentReader(), root, range, read);
  }

  async #readOf(
    cid: string,
    options: Readonly<GetOptions>,
  ): Promise<{ root: CID; range: ReadRange; read: ReadOptions }> {
    this.#open();
    const root = parseCid(cid);
    await this.#record(root);
    const { offset, length, signal, readAhead } = options;
    if (readAhead !== undefined && (!Number.isSafeInteger(readAhead) || readAhead < 0)) {
      throw new ValidationError('/readAhead: expected a non-negative integer (bytes)', { pointer: '/readAhead' });
    }
    return {
      root,
      range: { offset, length },
      read: { verify: this.verifiesReads && options.verify !== false, signal, readAhead },
    };
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
    await this.#record(root);
    const check = await checkDag(this.#load, root);
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
      await syncDirs(dirty);
    });
  }

  async gc(): Promise<GcReport> {
    this.#open();
    return this.#locks.exclusive(async () => {
      const live = new Set<string>();
      for await (const record of this.#roots.all()) for (const key of record.blocks) live.add(key);
      const dirty = new Set<string>();
      let removedBlocks = 0;
      let removedBytes = 0;
      let keptBlocks = 0;
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
      return { removedBlocks, removedBytes, keptBlocks, removedTempFiles };
    });
  }

  async *exportCar(cid: string): AsyncIterable<Uint8Array> {
    this.#open();
    const root = parseCid(cid);
    await this.#record(root);
    yield* exportCarFrom(this.#load, root);
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
