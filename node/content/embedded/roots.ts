import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CID } from 'multiformats/cid';
import { ContentError } from '../../core/errors.js';
import type { CidProfileName } from '../types.js';
import { isNotFound, syncDir } from './blockstore.js';
import { isPackFileName, type PackRef } from './pack.js';

/**
 * A committed root: the file `roots/<CIDv1>.json`, written last by a put (temp file, fsync, rename, fsync
 * of the directory). A CID is visible (has/get/stat) only once its record exists. The record lists the
 * keys of every block of the DAG, so gc and remove know what is live without walking DAGs.
 */
export interface RootRecord {
  readonly v: 1;
  readonly cid: string;
  /** The profile that produced the DAG, or null for a DAG imported from a CAR. */
  readonly profile: CidProfileName | null;
  readonly size: number;
  readonly sha256?: string;
  readonly sm3?: string;
  readonly blocks: readonly string[];
  /** The packs holding some of those blocks (a large put's leaves); the others are files of their own. */
  readonly packs?: readonly PackRef[];
}

export class RootIndex {
  readonly dir: string;
  readonly #tmpDir: string;

  constructor(root: string) {
    this.dir = join(root, 'roots');
    this.#tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    if ((await mkdir(this.dir, { recursive: true })) !== undefined) await syncDir(dirname(this.dir));
  }

  /** The same record for the CIDv0 and CIDv1 spellings of one root. */
  #path(cid: CID): string {
    return join(this.dir, `${CID.createV1(cid.code, cid.multihash).toString()}.json`);
  }

  async read(cid: CID): Promise<RootRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(cid), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return parseRecord(text, this.#path(cid));
  }

  async has(cid: CID): Promise<boolean> {
    return (await this.read(cid)) !== undefined;
  }

  /** Writes the record, replacing any. */
  async commit(cid: CID, record: RootRecord): Promise<void> {
    const tmp = await this.#written(record);
    await rename(tmp, this.#path(cid));
    await syncDir(this.dir);
  }

  /**
   * Writes the record unless one exists (then resolves false, and the existing one stays): the check and
   * the write are one step, also against another process committing the same root. A put that loses
   * must delete its own pack, which no record will name.
   */
  async create(cid: CID, record: RootRecord): Promise<boolean> {
    const tmp = await this.#written(record);
    try {
      await link(tmp, this.#path(cid));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // A filesystem without hard links: the check and the write are two steps, as they were.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
      if (await this.has(cid)) return false;
      await rename(tmp, this.#path(cid));
      await syncDir(this.dir);
      return true;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await syncDir(this.dir);
    return true;
  }

  async #written(record: RootRecord): Promise<string> {
    const tmp = join(this.#tmpDir, `root.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await fh.writeFile(`${JSON.stringify(record)}\n`);
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await fh.close();
    return tmp;
  }

  /** Removes the record; false when there was none. */
  async delete(cid: CID): Promise<boolean> {
    try {
      await unlink(this.#path(cid));
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    await syncDir(this.dir);
    return true;
  }

  async *all(): AsyncGenerator<RootRecord> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    for (const name of names.sort()) {
      if (!name.endsWith('.json')) continue;
      const path = join(this.dir, name);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (isNotFound(err)) continue; // removed meanwhile
        throw err;
      }
      yield parseRecord(text, path);
    }
  }
}

function parseRecord(text: string, path: string): RootRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ContentError('STORE_CORRUPT', `root record ${path} is not JSON`, { file: path, cause: err });
  }
  const r = value as Partial<RootRecord> | null;
  if (!r || r.v !== 1 || typeof r.cid !== 'string' || typeof r.size !== 'number' || !Array.isArray(r.blocks)) {
    throw new ContentError(
      'STORE_CORRUPT',
      `root record ${path} does not have the expected fields (v, cid, size, blocks)`,
      { file: path },
    );
  }
  if (r.packs !== undefined && !(Array.isArray(r.packs) && r.packs.every(isPackRef))) {
    throw new ContentError('STORE_CORRUPT', `root record ${path} has a malformed packs list`, { file: path });
  }
  return r as RootRecord;
}

function isPackRef(p: unknown): p is PackRef {
  const ref = p as Partial<PackRef> | null;
  return (
    !!ref &&
    typeof ref.file === 'string' &&
    isPackFileName(ref.file) &&
    Array.isArray(ref.blocks) &&
    ref.blocks.every(
      (b) =>
        Array.isArray(b) &&
        b.length === 3 &&
        typeof b[0] === 'string' &&
        Number.isSafeInteger(b[1]) &&
        b[1] >= 0 &&
        Number.isSafeInteger(b[2]) &&
        b[2] >= 0,
    )
  );
}
