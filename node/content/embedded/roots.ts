import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { ContentError } from '../../core/errors.js';
import type { CidProfileName } from '../types.js';
import { isNotFound, syncDir } from './blockstore.js';

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
}

export class RootIndex {
  readonly dir: string;
  readonly #tmpDir: string;

  constructor(root: string) {
    this.dir = join(root, 'roots');
    this.#tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
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

  async commit(cid: CID, record: RootRecord): Promise<void> {
    const tmp = join(this.#tmpDir, `root.${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await fh.writeFile(`${JSON.stringify(record)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#path(cid));
    await syncDir(this.dir);
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
  return r as RootRecord;
}
