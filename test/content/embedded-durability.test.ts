import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { expect } from 'chai';
import { CID } from 'multiformats/cid';
import { base32upper } from 'multiformats/bases/base32';
import { computeCid, embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import { FsBlockstore } from '../../node/content/embedded/blockstore.js';
import { chunked, collect, kuboDeterministicBytes } from './fixtures.js';

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

  it('keeps one file per block, named and sharded like Kubo flatfs, and the root record', async () => {
    const { cid } = await store.put(chunked(bytes));
    const files = await blockFiles(dir);
    expect(files).to.have.length(5); // 4 leaves + root
    expect(files).to.include(blockPath(dir, cid));
    for (const f of files) expect(f).to.match(/\/blocks\/([A-Z2-7]{2})\/[A-Z2-7]+\1[A-Z2-7]\.data$/);
    const record = JSON.parse(await readFile(join(dir, 'roots', `${cid}.json`), 'utf8'));
    expect(record).to.include({ v: 1, cid, profile: 'kubo-v1', size: bytes.byteLength });
    expect(record.blocks).to.have.length(5);
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
    const [, leaf1, leaf2] = blocks.map(String);
    const path1 = blockPath(dir, leaf1!);
    const original = await readFile(path1);
    const flipped = Buffer.from(original);
    flipped[20] = flipped[20]! ^ 0xff;
    await writeFile(path1, flipped);
    await unlink(blockPath(dir, leaf2!));
    const report = await store.verify(cid);
    expect(report).to.deep.equal({ cid, ok: false, blocks: 5, missing: [leaf2], corrupt: [leaf1] });
    const err = await collect(store.get(cid)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'INTEGRITY');
    expect((err as Error).message).to.contain(leaf1);
    const missing = await collect(store.get(cid, { offset: 262144 + 10, length: 5 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(missing).to.have.property('code', 'NOT_FOUND');
  });

  it('an aborted put leaves no visible CID, and gc removes its blocks', async () => {
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
    expect((await blockFiles(dir)).length).to.be.greaterThan(1);
    const report = await store.gc();
    expect(report.removedBlocks).to.be.greaterThan(0);
    expect(report.keptBlocks).to.equal(1);
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
    const before = (await blockFiles(dir)).length;
    expect(before).to.be.greaterThan(5);
    const report = await store.gc();
    expect(report.removedBlocks).to.equal(before);
    expect(await blockFiles(dir)).to.deep.equal([]);
    expect(await readdir(join(dir, 'pending'))).to.deep.equal([]);
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
    expect((await stat(blockPath(dir, cid))).size).to.equal(bytes.byteLength);
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
