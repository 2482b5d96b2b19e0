import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { computeCid, embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import { pooledFile } from '../../node/content/file-source.js';
import { importPayload } from '../../node/content/importing.js';
import { cidProfile } from '../../node/content/profiles.js';
import { collect, kuboDeterministicBytes } from './fixtures.js';

describe('content: putFile (a file read into reused buffers)', function () {
  this.timeout(60_000);
  let dir: string;
  let store: EmbeddedContentStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-content-file-'));
    store = await embeddedContentStore({ dir: join(dir, 'store') });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  // Past the six 1 MiB buffers of the pool, so that each is refilled; with a tail that is no whole chunk.
  const sizes = [0, 1, 262_144, 262_145, 7 * 1048576 + 12_345];
  for (const profile of ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const) {
    it(`gives exactly what put gives, and the same bytes back (${profile})`, async () => {
      for (const size of sizes) {
        const bytes = kuboDeterministicBytes(`put-file-${size}`, size);
        const path = join(dir, `payload-${size}`);
        await writeFile(path, bytes);
        let read = 0;
        const result = await store.putFile(path, { profile, onRead: (n) => (read += n) });
        expect(result, `${size} bytes`).to.deep.equal(await computeCid([bytes], profile));
        expect(read).to.equal(size);
        expect((await collect(store.get(result.cid))).equals(bytes), `${size} bytes read back`).to.equal(true);
      }
    });
  }

  it('reports a file it cannot read as SOURCE_FAILED, naming it, with nothing made visible', async () => {
    const missing = join(dir, 'no-such-file.bin');
    const before = await readdir(join(dir, 'store', 'roots'));
    const err = await store.putFile(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'SOURCE_FAILED');
    expect(String((err as Error).message)).to.include(missing);
    expect(await readdir(join(dir, 'store', 'roots'))).to.deep.equal(before);
  });

  it('refuses an empty path, naming the field', async () => {
    const err = await store.putFile('').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.nested.property('ids.pointer', '/path');
  });
});

describe('content: pooledFile', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'shulian-pooled-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('refills a buffer only once everything it held is stored', async () => {
    const path = join(dir, 'abc');
    await writeFile(path, 'aaaabbbbccccddddeeeeff');
    const file = pooledFile(path, { bufferSize: 4, buffers: 3 });
    const it = file.chunks[Symbol.asyncIterator]();
    const seen: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) seen.push((await it.next()).value as Uint8Array);
    expect(seen.map((c) => Buffer.from(c).toString())).to.deep.equal(['aaaa', 'bbbb', 'cccc']);
    // The fourth read needs the first buffer back: it waits while "aaaa" is not stored.
    let fourth: IteratorResult<Uint8Array> | undefined;
    const pending = it.next().then((r) => (fourth = r));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fourth).to.equal(undefined);
    expect(Buffer.from(seen[0]!).toString()).to.equal('aaaa');
    file.stored(3); // not yet the whole buffer
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fourth).to.equal(undefined);
    file.stored(4);
    await pending;
    expect(Buffer.from(fourth!.value as Uint8Array).toString()).to.equal('dddd');
    expect((fourth!.value as Buffer).buffer, 'the first buffer, refilled').to.equal((seen[0] as Buffer).buffer);
    file.stored(22);
    const rest: string[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(Buffer.from(r.value).toString());
    expect(rest).to.deep.equal(['eeee', 'ff']);
  });

  it('ends when a leaf fails, so that the put rejects with that failure instead of waiting for it', async function () {
    this.timeout(20_000);
    const path = join(dir, 'eight-mib');
    await writeFile(path, kuboDeterministicBytes('pooled-fail', 8 << 20));
    // 1 MiB leaves, one per read: the seventh read needs the first buffer back, which the failed first
    // leaf never frees, while the builder (fewer than its window of leaves in flight) waits for that read.
    const file = pooledFile(path);
    let leaves = 0;
    const failing = {
      put: async () => undefined,
      putLeaf: async () => {
        const n = ++leaves;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (n === 1) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        return new Uint8Array(32);
      },
    };
    const err = await importPayload(file.chunks, cidProfile('unixfs-v1-2025'), failing, { progress: file }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ENOSPC');
  });
});
