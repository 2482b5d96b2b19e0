// Where the embedded store keeps a block, for tests that damage one on disk: a region of the DAG's pack
// (a large put's leaves) or a file of its own, flatfs-style.
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import { base32upper } from 'multiformats/bases/base32';

export interface StoredBlock {
  readonly path: string;
  /** Set for a block in a pack: where it starts and how long it is. */
  readonly packed?: { readonly offset: number; readonly length: number };
}

export function keyOf(cid: string | CID): string {
  return base32upper.baseEncode((typeof cid === 'string' ? CID.parse(cid) : cid).multihash.bytes);
}

/** The root record of `root` in the store at `dir`. */
export async function rootRecord(
  dir: string,
  root: string,
): Promise<{ blocks: string[]; packs?: { file: string; blocks: [string, number, number][] }[] }> {
  const v1 = CID.parse(root).toV1().toString();
  return JSON.parse(await readFile(join(dir, 'roots', `${v1}.json`), 'utf8'));
}

/** Where block `cid` of the DAG `root` is stored. */
export async function storedBlock(dir: string, root: string, cid: string | CID): Promise<StoredBlock> {
  return storedKey(dir, root, keyOf(cid));
}

/** storedBlock, by the block's key (as root records list them). */
export async function storedKey(dir: string, root: string, key: string): Promise<StoredBlock> {
  for (const pack of (await rootRecord(dir, root)).packs ?? []) {
    const entry = pack.blocks.find(([k]) => k === key);
    if (entry) return { path: join(dir, 'packs', pack.file), packed: { offset: entry[1], length: entry[2] } };
  }
  return { path: join(dir, 'blocks', key.slice(-3, -1), `${key}.data`) };
}

export async function readStored(block: StoredBlock): Promise<Buffer> {
  if (!block.packed) return readFile(block.path);
  const fh = await open(block.path, 'r');
  try {
    const bytes = Buffer.alloc(block.packed.length);
    await fh.read(bytes, 0, bytes.byteLength, block.packed.offset);
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Overwrites the block's bytes in place (same length for a packed one). */
export async function writeStored(block: StoredBlock, bytes: Uint8Array): Promise<void> {
  const fh = await open(block.path, block.packed ? 'r+' : 'w');
  try {
    await fh.write(bytes, 0, bytes.byteLength, block.packed?.offset ?? 0);
  } finally {
    await fh.close();
  }
}

/** Every pack file of the store at `dir`. */
export async function packFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'packs'))).map((name) => join(dir, 'packs', name)).sort();
}

/** Every stored copy of a block whose bytes are exactly `bytes`, in packs and in block files. */
export async function storedBlocksHolding(dir: string, bytes: Uint8Array): Promise<StoredBlock[]> {
  const found: StoredBlock[] = [];
  const want = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const name of await readdir(join(dir, 'roots'))) {
    const record = JSON.parse(await readFile(join(dir, 'roots', name), 'utf8')) as Awaited<
      ReturnType<typeof rootRecord>
    >;
    for (const pack of record.packs ?? []) {
      for (const [, offset, length] of pack.blocks) {
        if (length !== want.byteLength) continue;
        const block = { path: join(dir, 'packs', pack.file), packed: { offset, length } };
        if ((await readStored(block)).equals(want)) found.push(block);
      }
    }
  }
  for (const entry of await readdir(join(dir, 'blocks'), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.data')) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).equals(want)) found.push({ path });
  }
  return found;
}
