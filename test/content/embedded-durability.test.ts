import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { expect } from 'chai';
import { CID } from 'multiformats/cid';
import { base32upper } from 'multiformats/bases/base32';
import { computeCid, embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import { FsBlockstore } from '../../node/content/embedded/blockstore.js';
import { chunked, collect, kuboDeterministicBytes } from './fixtures.js';
import { keyOf, packFiles, readStored, rootRecord, storedBlock, writeStored } from './helpers/stored-blocks.js';

async function blockFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await readdir(join(dir, 'blocks'))) {
    for (const name of await readdir(join(dir, 'blocks', shard))) out.push(join(dir, 'blocks', shard, name));
  }
  return out.sort();
}

function blockPath(dir: string, cid: string): string {
  const key = base32upper.baseEncode(CID.parse(cid).multihash.bytes);
  return join(dir, 'blocks', key.slice(-3, -1), `${key}.data`);
}

describe('content: embedded store on disk', function () {
  this.timeout(60_000);
  let dir: string;
  let store: EmbeddedContentStore;
  const bytes = kuboDeterministicBytes('durability', 3 * 262144 + 100);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-content-'));
    store = await embeddedContentStore({ dir });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps a large put's leaves in one pack, other blocks in files sharded like Kubo flatfs, and the root record", async () => {
    const { cid } = await store.put(chunked(bytes));
    // The three full leaves go into the pack; the 100-byte leaf and the root are files of their own.
    const files = await blockFiles(dir);
    expect(files).to.have.length(2);
    expect(files).to.include(blockPath(dir, cid));
    for (const f of files) expect(f).to.match(/\/blocks\/([A-Z2-7]{2})\/[A-Z2-7]+\1[A-Z2-7]\.data$/);
    const record = JSON.parse(await readFile(join(dir, 'roots', `${cid}.json`), 'utf8'));
    expect(record).to.include({ v: 1, cid, profile: 'kubo-v1', size: bytes.byteLength });
    expect(record.blocks).to.have.length(5);
    const packs = await packFiles(dir);
    expect(packs).to.have.length(1);
    expect((await stat(packs[0]!)).size).to.equal(3 * 262144);
    expect(record.packs).to.have.length(1);
    expect(join(dir, 'packs', record.packs[0].file)).to.equal(packs[0]);
    // In the file's order, each leaf where the pack's index says, with its bytes.
    expect(record.packs[0].blocks.map((b: [string, number, number]) => b.slice(1))).to.deep.equal([
      [0, 262144],
      [262144, 262144],
      [524288, 262144],
    ]);
    for (const [key, offset] of record.packs[0].blocks as [string, number, number][]) {
      expect(record.blocks).to.include(key);
      const stored = await readStored({ path: packs[0]!, packed: { offset, length: 262144 } });
      expect(stored.equals(bytes.subarray(offset, offset + 262144))).to.equal(true);
    }
    // A small put makes no pack.
    const small = await store.put(chunked(Buffer.from('small')));
    expect((await rootRecord(dir, small.cid)).packs).to.equal(undefined);
    expect(await packFiles(dir)).to.have.length(1);
    expect(await readdir(join(dir, 'tmp'))).to.deep.equal([]);
    // The put's marker lingers briefly for the next put, and goes with close().
    await store.close();
    expect(await readdir(join(dir, 'pending'))).to.deep.equal([]);
  });

  it('reads the same bytes whatever the read-ahead, and refuses a read-ahead that is not a byte count', async () => {
    const { cid } = await store.put(chunked(bytes));
    for (const readAhead of [0, 1, 262144, 64 << 20]) {
      expect((await collect(store.get(cid, { readAhead }))).equals(bytes), `readAhead ${readAhead}`).to.equal(true);
    }
    expect(
      (await collect(store.get(cid, { offset: 262140, length: 10, readAhead: 0 }))).equals(
        bytes.subarray(262140, 262150),
      ),
    ).to.equal(true);
    const err = await collect(store.get(cid, { readAhead: -1 })).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'VALIDATION');
    expect(err).to.have.nested.property('ids.pointer', '/readAhead');
  });

  it('answers for both spellings of a CIDv0 root', async () => {
    const { cid } = await store.put(chunked(bytes), { profile: 'kubo-legacy' });
    expect(cid.startsWith('Qm')).to.equal(true);
    const v1 = CID.parse(cid).toV1().toString();
    expect(await store.has(v1)).to.equal(true);
    expect((await collect(store.get(v1))).equals(bytes)).to.equal(true);
  });

  it('verify names corrupt and missing blocks; get refuses a corrupt block', async () => {
    const { cid } = await store.put(chunked(bytes), { profile: 'kubo-legacy' });
    const car = await collect(store.exportCar(cid));
    expect(car.byteLength).to.be.greaterThan(bytes.byteLength);
    const { CarBlockIterator } = await import('@ipld/car');
    const blocks: CID[] = [];
    for await (const b of await CarBlockIterator.fromBytes(car)) blocks.push(b.cid);
    // leaf1 is in the pack; leaf4 (100 bytes and its framing) is a file of its own.
    const [, leaf1, , , leaf4] = blocks.map(String);
    const stored1 = await storedBlock(dir, cid, leaf1!);
    expect(stored1.packed).to.not.equal(undefined);
    const flipped = await readStored(stored1);
    flipped[20] = flipped[20]! ^ 0xff;
    await writeStored(stored1, flipped);
    const stored4 = await storedBlock(dir, cid, leaf4!);
    expect(stored4.packed).to.equal(undefined);
    await unlink(stored4.path);
    const report = await store.verify(cid);
    expect(report).to.deep.equal({ cid, ok: false, blocks: 5, missing: [leaf4], corrupt: [leaf1] });
    const err = await collect(store.get(cid)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'INTEGRITY');
    expect((err as Error).message).to.contain(leaf1);
    const missing = await collect(store.get(cid, { offset: 3 * 262144 + 10, length: 5 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).to.have.property('code', 'NOT_FOUND');
  });

  it('an aborted put leaves no visible CID, deletes its pack at once, and gc removes its other blocks', async () => {
    const kept = await store.put(chunked(Buffer.from('keep me')));
    const controller = new AbortController();
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 64; i++) {
        yield Buffer.alloc(65536, i);
        if (i === 40) controller.abort();
      }
    }
    const err = await store.put(source(), { signal: controller.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ABORTED');
    const whole = await computeCid(
      (function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(65536, i);
      })(),
    );
    expect(await store.has(whole.cid)).to.equal(false);
    expect(await packFiles(dir)).to.deep.equal([]);
    // A small block of the aborted put, as a put killed before it could clean up would leave it.
    await store.put(chunked(Buffer.from('orphan')));
    await unlink(join(dir, 'roots', `${(await computeCid([Buffer.from('orphan')])).cid}.json`));
    expect((await blockFiles(dir)).length).to.equal(2);
    const report = await store.gc();
    expect(report).to.include({ removedBlocks: 1, removedPacks: 0, keptBlocks: 1 });
    expect(await blockFiles(dir)).to.deep.equal([blockPath(dir, kept.cid)]);
    expect((await store.verify(kept.cid)).ok).to.equal(true);
  });

  it('takes a Node Readable, and reports a failing source as SOURCE_FAILED with nothing visible', async () => {
    const file = join(dir, 'input.bin');
    await writeFile(file, bytes);
    const fromFile = await store.put(createReadStream(file, { highWaterMark: 100_000 }));
    expect(fromFile).to.deep.equal(await computeCid([bytes]));
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 300_000);
      throw new Error('disk on fire');
    }
    const err = await store.put(broken()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'SOURCE_FAILED');
    expect((err as Error).message).to.contain('disk on fire');
    const notBytes = await store
      .put(
        (async function* () {
          yield 'text' as unknown as Uint8Array;
        })(),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(notBytes).to.have.property('code', 'BAD_INPUT');
    expect((await readdir(join(dir, 'roots'))).length).to.equal(1);
  });

  it('a put killed with SIGKILL leaves no visible CID; gc clears its blocks and its stale marker', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'slow-put.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(line.toString()).to.contain('writing');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect((await readdir(join(dir, 'roots'))).length).to.equal(0);
    expect((await readdir(join(dir, 'pending'))).length).to.equal(1); // the dead process's marker
    const [pack] = await packFiles(dir);
    const packSize = (await stat(pack!)).size;
    expect(packSize).to.be.greaterThan(4 * 262144 - 1);
    const report = await store.gc();
    expect(report).to.include({ removedBlocks: 0, removedPacks: 1, keptBlocks: 0 });
    expect(report.removedBytes).to.be.at.least(packSize);
    expect(await packFiles(dir)).to.deep.equal([]);
    expect(await blockFiles(dir)).to.deep.equal([]);
    expect(await readdir(join(dir, 'pending'))).to.deep.equal([]);
  });

  it("a pack is its DAG's alone: remove deletes it, a lost pack is missing blocks, gc keeps named packs", async () => {
    const a = await store.put(chunked(bytes));
    // The same leaves again in another DAG (one more byte at the end): stored again, in its own pack.
    const b = await store.put(chunked(Buffer.concat([bytes, Buffer.from('!')])));
    const [packA] = (await rootRecord(dir, a.cid)).packs!;
    const [packB] = (await rootRecord(dir, b.cid)).packs!;
    expect(packA!.file).to.not.equal(packB!.file);
    expect(packA!.blocks.map(([k]) => k)).to.deep.equal(packB!.blocks.map(([k]) => k));
    const kept = await store.gc();
    expect(kept).to.include({ removedBlocks: 0, removedPacks: 0, keptBlocks: 3 + 3 + 4 });
    expect(await packFiles(dir)).to.have.length(2);

    await store.remove(a.cid);
    expect(await packFiles(dir)).to.deep.equal([join(dir, 'packs', packB!.file)]);
    expect((await store.verify(b.cid)).ok).to.equal(true);
    expect((await collect(store.get(b.cid))).subarray(0, bytes.byteLength).equals(bytes)).to.equal(true);

    // A pack that is gone: every block in it is missing, and reads say which.
    await unlink(join(dir, 'packs', packB!.file));
    const report = await store.verify(b.cid);
    expect(report.ok).to.equal(false);
    expect(report.missing.map(keyOf)).to.have.members(packB!.blocks.map(([k]) => k));
    expect(report.corrupt).to.deep.equal([]);
    const err = await collect(store.get(b.cid)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'NOT_FOUND');
  });

  it('a pack cut short fails the read of the blocks it no longer holds, checked or not', async () => {
    const { cid } = await store.put(chunked(bytes));
    const [pack] = (await rootRecord(dir, cid)).packs!;
    await truncate(join(dir, 'packs', pack!.file), 262144 + 1000);
    const report = await store.verify(cid);
    expect(report.corrupt).to.have.length(2);
    expect(report.missing).to.deep.equal([]);
    for (const verify of [true, false]) {
      const err = await collect(store.get(cid, { verify })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `verify ${verify}`).to.have.property('code', 'INTEGRITY');
    }
    // What the pack still holds reads as before.
    expect((await collect(store.get(cid, { length: 262144 }))).equals(bytes.subarray(0, 262144))).to.equal(true);
  });

  it('a put whose bytes miss their expected digests leaves no record and no pack', async () => {
    const err = await store.put(chunked(bytes), { expect: { sm3: '0'.repeat(64) } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'INTEGRITY');
    expect(await readdir(join(dir, 'roots'))).to.deep.equal([]);
    expect(await packFiles(dir)).to.deep.equal([]);
    // What it wrote as block files (the short last leaf, the root) is gc's.
    expect((await store.gc()).removedBlocks).to.equal(2);
  });

  it('concurrent puts of the same large bytes keep one pack, named by the one record', async () => {
    const results = await Promise.all([1, 2, 3].map(() => store.put(chunked(bytes, 100_000))));
    for (const r of results) expect(r).to.deep.equal(results[0]);
    const [pack] = (await rootRecord(dir, results[0]!.cid)).packs!;
    expect(await packFiles(dir)).to.deep.equal([join(dir, 'packs', pack!.file)]);
    expect((await store.gc()).removedPacks).to.equal(0);
    expect((await store.verify(results[0]!.cid)).ok).to.equal(true);
  });

  it('a leaf repeated within a put is indexed once and written once per writer thread, not once per repeat', async () => {
    const zeros = Buffer.alloc(8 * 262144);
    const { cid } = await store.put(chunked(zeros));
    const [pack] = (await rootRecord(dir, cid)).packs!;
    expect(pack!.blocks).to.have.length(1);
    expect((await collect(store.get(cid))).equals(zeros)).to.equal(true);
    // Reserved room for the repeats stays a hole: at most one copy per writer thread takes disk space.
    const { blocks: used } = await stat(join(dir, 'packs', pack!.file));
    expect(used * 512).to.be.at.most(2 * 262144 + 65536);
  });

  it('refuses a root record whose packs point anywhere but a pack file', async () => {
    const { cid } = await store.put(chunked(bytes));
    const path = join(dir, 'roots', `${cid}.json`);
    const record = JSON.parse(await readFile(path, 'utf8'));
    record.packs[0].file = '../roots/x.pack';
    await writeFile(path, JSON.stringify(record));
    const err = await collect(store.get(cid)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'STORE_CORRUPT');
  });

  it('gc waits for a put in progress and keeps its blocks', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* source(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 600_000);
      await gate;
      yield bytes.subarray(600_000);
    }
    const put = store.put(source());
    await new Promise((r) => setTimeout(r, 100));
    let gcDone = false;
    const gc = store.gc().then((r) => {
      gcDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(gcDone).to.equal(false);
    release();
    const { cid } = await put;
    const report = await gc;
    expect(report.removedBlocks).to.equal(0);
    expect((await store.verify(cid)).ok).to.equal(true);
  });

  it('a put into shard folders whose entries it has not seen synced syncs blocks/ too, once', () => {
    // A shard folder left by a put that failed before its sync reports no creation to the next put.
    const blocks = new FsBlockstore(dir);
    const shardA = join(blocks.blocksDir, 'AB');
    const shardB = join(blocks.blocksDir, 'CD');
    const first = new Set([shardA]);
    const synced = blocks.withShardEntries(first);
    expect([...first]).to.have.members([shardA, blocks.blocksDir]);
    // Until that sync is done, another put cannot count on it.
    const meanwhile = new Set([shardA]);
    blocks.withShardEntries(meanwhile);
    expect(meanwhile.has(blocks.blocksDir)).to.equal(true);
    synced();
    const later = new Set([shardA]);
    blocks.withShardEntries(later)();
    expect([...later]).to.deep.equal([shardA]);
    const another = new Set([shardA, shardB, join(dir, 'roots')]);
    blocks.withShardEntries(another);
    expect(another.has(blocks.blocksDir)).to.equal(true);
  });

  it('survives reopening: what was committed is there, fsynced files and all', async () => {
    const { cid } = await store.put(chunked(bytes), { profile: 'unixfs-v1-2025' });
    await store.close();
    store = await embeddedContentStore({ dir });
    expect(await store.stat(cid)).to.deep.equal({ cid, size: bytes.byteLength, blocks: 1 });
    // One leaf, the root itself: in a pack of its own.
    const stored = await storedBlock(dir, cid, cid);
    expect(stored.packed).to.deep.equal({ offset: 0, length: bytes.byteLength });
    expect((await stat(stored.path)).size).to.equal(bytes.byteLength);
    expect((await collect(store.get(cid))).equals(bytes)).to.equal(true);
    const closed = await embeddedContentStore({ dir });
    await closed.close();
    expect(
      await closed.has(cid).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ).to.have.property('code', 'CLOSED');
  });
});
