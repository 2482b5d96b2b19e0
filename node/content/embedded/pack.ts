import { randomBytes } from 'node:crypto';

/**
 * The leaves of one large put, in one file: `packs/<name>.pack`.
 *
 * A file per block (flatfs) costs an inode, a temp file, a rename and an fdatasync for every 256 KiB.
 * On this kind of virtual machine each fdatasync is a device kick that exits to the hypervisor, and on
 * ext4 without a journal each new inode first skips every inode of its group freed in the last minutes:
 * measured on a 1 GiB put, the two block writers spent 1.8 to 4 CPU-seconds in the kernel, on the core
 * SM3 needs, and the put ran 10 to 20 % slower than with its leaves appended to one file synced every
 * few megabytes. So a put's leaves go into a pack of its own, at offsets the main thread hands out in
 * order (a read of the file is a read of the pack front to back), and the pack's index goes into the
 * root record, which the put writes last, as before. A pack belongs to exactly one root record: nothing
 * else points into it, so `remove` deletes it whole and gc deletes any pack no record names (a put
 * that was interrupted, or that lost the race to commit the same root).
 *
 * Offsets are reserved before the writer knows a raw leaf's key (it hashes the leaf as it writes it). A
 * writer remembers the last few thousand keys it wrote to a pack, so a leaf repeated in a put (a run of
 * zeros) is written once per writer and its other reservations stay holes in the file; the index keeps
 * one copy of each key.
 */
export interface PackRef {
  /** The pack's file name in `packs/`. */
  readonly file: string;
  /** Each block in it: its key (as in `blocks`), offset and length. */
  readonly blocks: readonly PackEntry[];
}

export type PackEntry = readonly [key: string, offset: number, length: number];

/** Where a packed block lies. */
export interface PackedBlock {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/** Finds a block of one DAG in its packs, or says it is a block file of its own (undefined). */
export type Locate = (key: string) => PackedBlock | undefined;

export const PACK_SUFFIX = '.pack';

/** One put's pack while it is written. */
export class PackSession {
  readonly file: string;
  readonly path: string;
  readonly #blocks = new Map<string, PackEntry>();
  #end = 0;
  /** Sealed or abandoned: no more writes. */
  closed = false;

  constructor(packsDir: string) {
    this.file = `${randomBytes(12).toString('hex')}${PACK_SUFFIX}`;
    this.path = `${packsDir}/${this.file}`;
  }

  /** Where the next block of `length` bytes goes. */
  reserve(length: number): number {
    const offset = this.#end;
    this.#end += length;
    return offset;
  }

  /** The block `key` is at `offset` (the first copy wins when a leaf repeats). */
  add(key: string, offset: number, length: number): void {
    if (!this.#blocks.has(key)) this.#blocks.set(key, [key, offset, length]);
  }

  get written(): boolean {
    return this.#end > 0;
  }

  ref(): PackRef {
    // In file order, whichever writer finished first: the same bytes make the same record.
    return { file: this.file, blocks: [...this.#blocks.values()].sort((a, b) => a[1] - b[1]) };
  }
}

/** The lookup of a root record's packs (none: every block is a file of its own). */
export function locateIn(packs: readonly PackRef[] | undefined, packsDir: string): Locate | undefined {
  if (!packs || packs.length === 0) return undefined;
  // Keyed to the record's own entries, with no object per block: a gateway streaming many large DAGs at
  // once holds one of these per stream.
  const indexes = packs.map((pack) => ({
    path: `${packsDir}/${pack.file}`,
    entries: new Map(pack.blocks.map((entry) => [entry[0], entry] as const)),
  }));
  return (key) => {
    for (const { path, entries } of indexes) {
      const entry = entries.get(key);
      if (entry) return { path, offset: entry[1], length: entry[2] };
    }
    return undefined;
  };
}

/** A pack file name as written by PackSession, and nothing that could leave `packs/`. */
export function isPackFileName(name: string): boolean {
  return /^[0-9a-f]{24}\.pack$/.test(name);
}
