import type { Readable } from 'node:stream';

export type CidProfileName = 'kubo-v1' | 'kubo-legacy' | 'unixfs-v1-2025';

export interface PutResult {
  readonly cid: string;
  readonly profile: CidProfileName;
  readonly sha256: string; // lowercase hex
  readonly sm3: string; // lowercase hex
  readonly size: number;
}

export interface PutOptions {
  readonly profile?: CidProfileName;
  readonly signal?: AbortSignal;
  /**
   * What the bytes must give (a chain record's digests): when any given field differs, the put rejects
   * with an IntegrityError naming each one (`details.mismatches`) and stores nothing, neither a root
   * record nor a pin. For a caller that would otherwise hash the bytes once to check them and once more
   * to store them (the warehouse's pull).
   */
  readonly expect?: ExpectedContent;
}

export type ExpectedContent = Readonly<Partial<Pick<PutResult, 'cid' | 'sha256' | 'sm3' | 'size'>>>;

export interface PutFileOptions extends PutOptions {
  /** Told the size of each read as it happens (for a progress bar). */
  readonly onRead?: (bytes: number) => void;
}

export interface GetOptions {
  readonly offset?: number;
  readonly length?: number;
  readonly signal?: AbortSignal;
  /**
   * Bytes a reader may have read ahead of the consumer (default 4 MiB). Blocks read ahead are verified on
   * other cores meanwhile, so more is faster; a server with many streams bounds its memory with less.
   */
  readonly readAhead?: number;
  /**
   * false: this read skips the per-block check of a store that verifies reads (`verifiesReads`), for a
   * caller that checks every byte it reads against the chain's digests itself (a fixity check). Absent or
   * true: the store's own setting.
   */
  readonly verify?: boolean;
}

/**
 * Bytes lent by a store: valid until `release()`, after which the store reuses their buffer. Call it once
 * (more calls do nothing), when done with the bytes: after the write that took them has called back, not
 * when it was queued. A chunk never released costs only the reuse of its buffer.
 */
export interface LentChunk {
  readonly bytes: Uint8Array;
  readonly release: () => void;
}

export interface ContentStat {
  readonly cid: string;
  readonly size: number; // file bytes
  readonly blocks: number;
}

export interface VerifyReport {
  readonly cid: string;
  readonly ok: boolean;
  readonly blocks: number;
  readonly missing: readonly string[];
  readonly corrupt: readonly string[];
}

/** The content store port: content-addressed, Kubo-identical CIDs. */
export interface ContentStore {
  /**
   * True when `get` re-hashes every block it reads against its CID and fails on a mismatch (the embedded
   * store with verifyReads): a reader of a whole DAG then has every byte checked against the root CID.
   * False when reads come back unchecked (Kubo's `cat`): readers must hash what they stream themselves.
   */
  readonly verifiesReads: boolean;
  put(source: AsyncIterable<Uint8Array> | Readable, options?: Readonly<PutOptions>): Promise<PutResult>;
  /**
   * Optional: many small payloads, held in memory, put at once with the guarantees of `put` for each (its
   * blocks durable before its CID is visible), in a few rounds of fsyncs instead of several per payload.
   * Resolves to one result per payload, in order. Stores without it take `put` one payload at a time.
   */
  putMany?(payloads: readonly Uint8Array[], options?: Readonly<PutOptions>): Promise<PutResult[]>;
  /**
   * Optional: puts a file by path, exactly as `put` of its bytes would. A store that has it reads the file
   * into a few buffers it reuses, which a stream cannot do (a stream's every read is a new allocation, and
   * for a large file the garbage collector's work costs about a fifth of the put). Without it, callers
   * `put` a read stream of the file.
   */
  putFile?(path: string, options?: Readonly<PutFileOptions>): Promise<PutResult>;
  get(cid: string, options?: Readonly<GetOptions>): AsyncIterable<Uint8Array>;
  /**
   * Optional: `get`, in buffers the store lends and then reuses (see LentChunk). For a large read into a
   * sink (a hash, a file, a socket): every fresh buffer of `get` costs the kernel a page fault per 4 KiB
   * and the garbage collector its share, which together cost more than reading from the page cache.
   * Without it, callers use `get`.
   */
  lend?(cid: string, options?: Readonly<GetOptions>): AsyncIterable<LentChunk>;
  has(cid: string): Promise<boolean>;
  stat(cid: string): Promise<ContentStat>;
  verify(cid: string): Promise<VerifyReport>;
  /** Takedown: deletes the blocks of this DAG that no other stored DAG uses. */
  remove(cid: string): Promise<void>;
  exportCar(cid: string): AsyncIterable<Uint8Array>;
  /** Imports a CARv1 with one root, verifying every block; rejects missing or extra blocks. */
  importCar(source: AsyncIterable<Uint8Array>): Promise<{ readonly root: string; readonly blocks: number }>;
  close(): Promise<void>;
}
