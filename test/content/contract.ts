import { CarBlockIterator, CarWriter } from '@ipld/car';
import { expect } from 'chai';
import type { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { computeCid, type ContentStore } from '../../node/content/index.js';
import { collect, chunked, kuboDeterministicBytes, sha256Hex, sm3Hex } from './fixtures.js';

export interface StoreUnderTest {
  readonly store: ContentStore;
  /** Closes the store and removes what the test created. */
  cleanup(): Promise<void>;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; ids?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

async function carBlocks(car: Uint8Array): Promise<{ roots: CID[]; blocks: { cid: CID; bytes: Uint8Array }[] }> {
  const reader = await CarBlockIterator.fromBytes(car);
  const blocks: { cid: CID; bytes: Uint8Array }[] = [];
  for await (const b of reader) blocks.push(b);
  return { roots: await reader.getRoots(), blocks };
}

async function buildCar(roots: CID[], blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Buffer> {
  const { writer, out } = CarWriter.create(roots);
  const done = collect(out);
  for (const b of blocks) await writer.put(b);
  await writer.close();
  return done;
}

/**
 * The ContentStore contract, run against every adapter. `open` gives a fresh, empty store (or one whose
 * other content the test does not touch).
 */
export function contentStoreContract(open: () => Promise<StoreUnderTest>): void {
  let sut: StoreUnderTest;
  let store: ContentStore;
  // 2 MiB + 3 bytes: 9 leaves under kubo-v1 (one partial), 3 under unixfs-v1-2025.
  const big = kuboDeterministicBytes('shulian-contract', 2 * 1048576 + 3);

  beforeEach(async () => {
    sut = await open();
    store = sut.store;
  });
  afterEach(async () => {
    await sut.cleanup();
  });

  it('put resolves to the CID Kubo computes, with SHA-256, SM3 and size, for every profile', async () => {
    for (const profile of ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const) {
      const result = await store.put(chunked(big, 100_000), { profile });
      const expected = await computeCid([big], profile);
      expect(result).to.deep.equal(expected);
      expect(result.sha256).to.equal(sha256Hex(big));
      expect(result.sm3).to.equal(sm3Hex(big));
      expect(result.size).to.equal(big.byteLength);
    }
    const hello = await store.put(chunked(Buffer.from('hello world')));
    expect(hello.cid).to.equal('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
    expect(hello.profile).to.equal('kubo-v1');
  });

  it('get streams the bytes back, whole or a range', async () => {
    const { cid } = await store.put(chunked(big));
    expect((await collect(store.get(cid))).equals(big)).to.equal(true);
    const cases: [number | undefined, number | undefined][] = [
      [0, 10],
      [262140, 10], // across a leaf boundary
      [262144, 262144],
      [big.byteLength - 5, undefined],
      [big.byteLength - 5, 100], // longer than what is left
      [big.byteLength, 10], // at the end
      [big.byteLength + 100, undefined], // past the end
      [5, 0],
      [undefined, 7],
    ];
    for (const [offset, length] of cases) {
      const got = await collect(
        store.get(cid, { ...(offset === undefined ? {} : { offset }), ...(length === undefined ? {} : { length }) }),
      );
      const start = Math.min(offset ?? 0, big.byteLength);
      const end = length === undefined ? big.byteLength : Math.min(big.byteLength, start + length);
      expect(got.equals(big.subarray(start, end)), `offset ${offset} length ${length}`).to.equal(true);
    }
    const legacy = await store.put(chunked(big), { profile: 'kubo-legacy' });
    expect(
      (await collect(store.get(legacy.cid, { offset: 300_000, length: 500_000 }))).equals(
        big.subarray(300_000, 800_000),
      ),
    ).to.equal(true);
  });

  it('lend (optional: pending for an adapter without it) lends the bytes get streams, each intact until released', async function () {
    if (!store.lend) return this.skip(); // Kubo's adapter has none
    for (const profile of ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const) {
      const { cid } = await store.put(chunked(big), { profile });
      const ranges: [number | undefined, number | undefined][] = [
        [undefined, undefined],
        [262140, 10],
        [300_000, 1_500_000],
        [big.byteLength - 5, 100],
        [big.byteLength, 10],
      ];
      for (const [offset, length] of ranges) {
        const options = { ...(offset === undefined ? {} : { offset }), ...(length === undefined ? {} : { length }) };
        const expected = await collect(store.get(cid, options));
        // Every chunk held until the end, then each released once or twice (the second call does nothing).
        const held = [];
        for await (const chunk of store.lend(cid, options)) held.push(chunk);
        const joined = Buffer.concat(held.map((c) => c.bytes));
        for (const c of held) c.release();
        for (const c of held) c.release();
        expect(joined.equals(expected), `${profile} offset ${offset} length ${length}`).to.equal(true);
        // Each chunk copied and released at once, so that later chunks reuse its buffer.
        const copies: Buffer[] = [];
        for await (const chunk of store.lend(cid, options)) {
          copies.push(Buffer.from(chunk.bytes));
          chunk.release();
        }
        expect(Buffer.concat(copies).equals(expected), `${profile} released early`).to.equal(true);
      }
    }
  });

  it('stores and returns the empty file', async () => {
    const { cid, size } = await store.put(chunked(Buffer.alloc(0)));
    expect(size).to.equal(0);
    expect(cid).to.equal('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    expect((await collect(store.get(cid))).byteLength).to.equal(0);
    expect(await store.has(cid)).to.equal(true);
  });

  it('has, stat and verify describe stored content; unknown CIDs are not there', async () => {
    const { cid } = await store.put(chunked(big));
    expect(await store.has(cid)).to.equal(true);
    const stat = await store.stat(cid);
    expect(stat).to.deep.equal({ cid, size: big.byteLength, blocks: 10 }); // 9 leaves + root
    const report = await store.verify(cid);
    expect(report).to.deep.equal({ cid, ok: true, blocks: 10, missing: [], corrupt: [] });
    const absent = (await computeCid([Buffer.from('never stored')])).cid;
    expect(await store.has(absent)).to.equal(false);
    expect(await rejection(store.stat(absent))).to.have.property('code', 'NOT_FOUND');
    expect(await rejection(collect(store.get(absent)))).to.have.property('code', 'NOT_FOUND');
  });

  it('refuses what is not a CID, and an unknown profile, naming them', async () => {
    const notCid = await rejection(store.has('not-a-cid'));
    expect(notCid).to.have.property('code', 'VALIDATION');
    expect(notCid.message).to.contain('not-a-cid');
    const profile = await rejection(store.put(chunked(big), { profile: 'fast' as never }));
    expect(profile).to.have.property('code', 'UNKNOWN_PROFILE');
    expect(profile.message).to.contain('"fast"').and.contain('kubo-v1, kubo-legacy, unixfs-v1-2025');
  });

  it('a put with expected digests keeps only bytes that give them, and names every field that differs', async () => {
    const want = await computeCid([big]);
    const other = Buffer.from(big);
    other[1000] = other[1000]! ^ 0xff;
    const wrong = await computeCid([other]);
    const err = await rejection(
      store.put(chunked(other), { expect: { cid: want.cid, sha256: want.sha256, sm3: want.sm3, size: want.size } }),
    );
    expect(err).to.have.property('code', 'INTEGRITY');
    expect(err.message).to.contain(`cid ${wrong.cid} ≠ ${want.cid}`).and.contain('sha256').and.contain('sm3');
    expect(err.message).not.to.contain('size');
    expect((err as { details?: { mismatches?: unknown[] } }).details?.mismatches).to.have.length(3);
    expect(await store.has(wrong.cid)).to.equal(false);
    expect(await store.has(want.cid)).to.equal(false);
    // The same put with the right bytes, digests in upper case, is stored.
    const put = await store.put(chunked(big), { expect: { ...want, sha256: want.sha256.toUpperCase() } });
    expect(put).to.deep.equal(want);
    expect(await store.has(want.cid)).to.equal(true);
    const bad = await rejection(store.put(chunked(big), { expect: { size: -1 } }));
    expect(bad).to.have.property('code', 'VALIDATION');
    expect(bad).to.have.nested.property('ids.pointer', '/expect/size');
  });

  it('concurrent puts of the same bytes agree and leave one intact DAG', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => store.put(chunked(big, 50_000 + Math.floor(Math.random() * 1000)))),
    );
    for (const r of results) expect(r).to.deep.equal(results[0]);
    expect((await store.verify(results[0]!.cid)).ok).to.equal(true);
    expect((await collect(store.get(results[0]!.cid))).equals(big)).to.equal(true);
  });

  it('remove takes the DAG down but keeps blocks another stored DAG uses', async () => {
    const a = await store.put(chunked(big));
    // The first 256 KiB of `big` alone is a single raw leaf: the very block `a` uses as its first leaf.
    const b = await store.put(chunked(big.subarray(0, 262144)));
    expect(b.cid.startsWith('bafkrei')).to.equal(true);
    await store.remove(a.cid);
    expect(await store.has(a.cid)).to.equal(false);
    expect(await rejection(collect(store.get(a.cid)))).to.have.property('code', 'NOT_FOUND');
    expect((await store.verify(b.cid)).ok).to.equal(true);
    expect((await collect(store.get(b.cid))).equals(big.subarray(0, 262144))).to.equal(true);
    await store.remove(a.cid); // idempotent
    await store.remove(b.cid);
    expect(await store.has(b.cid)).to.equal(false);
  });

  it('exports a CARv1 of exactly the DAG and imports it back, verified', async () => {
    const { cid } = await store.put(chunked(big), { profile: 'kubo-legacy' });
    const car = await collect(store.exportCar(cid));
    const { roots, blocks } = await carBlocks(car);
    expect(roots.map(String)).to.deep.equal([cid]);
    expect(blocks).to.have.length(10);
    expect(blocks[0]!.cid.toString()).to.equal(cid);
    await store.remove(cid);
    expect(await store.has(cid)).to.equal(false);
    const imported = await store.importCar(chunked(car, 10_000));
    expect(imported).to.deep.equal({ root: cid, blocks: 10 });
    expect(await store.has(cid)).to.equal(true);
    expect((await collect(store.get(cid))).equals(big)).to.equal(true);
  });

  describe('CAR import refuses bad CARs, naming the block', () => {
    let car: Buffer;
    let root: CID;
    let blocks: { cid: CID; bytes: Uint8Array }[];
    beforeEach(async () => {
      const { cid } = await store.put(chunked(big));
      car = await collect(store.exportCar(cid));
      const parsed = (await carBlocks(car)) as { roots: CID[]; blocks: typeof blocks };
      if (!parsed.roots[0]) throw new Error('the exported CAR names no root');
      root = parsed.roots[0];
      blocks = parsed.blocks;
      await store.remove(cid);
    });

    it('a block whose bytes do not match its CID', async () => {
      const bad = blocks.map((b, i) =>
        i === 3 ? { cid: b.cid, bytes: Uint8Array.from(b.bytes, (x, j) => (j === 7 ? x ^ 1 : x)) } : b,
      );
      const err = await rejection(store.importCar(chunked(await buildCar([root], bad))));
      expect(err).to.have.property('code', 'INTEGRITY');
      expect(err.message).to.contain(blocks[3]!.cid.toString());
      expect(await store.has(root.toString())).to.equal(false);
    });

    it('a missing block', async () => {
      const err = await rejection(
        store.importCar(
          chunked(
            await buildCar(
              [root],
              blocks.filter((_, i) => i !== 5),
            ),
          ),
        ),
      );
      expect(err).to.have.property('code', 'CAR_MISSING_BLOCKS');
      expect(err.message).to.contain(blocks[5]!.cid.toString());
      expect(await store.has(root.toString())).to.equal(false);
    });

    it('an extra block', async () => {
      const extraBytes = Buffer.from('not part of this DAG');
      const extra = { cid: (await computeCid([extraBytes], 'kubo-v1')).cid, bytes: extraBytes };
      const { CID: CIDClass } = await import('multiformats/cid');
      const extraCid = CIDClass.parse(extra.cid);
      expect(extraCid.code).to.equal(raw.code);
      const err = await rejection(
        store.importCar(chunked(await buildCar([root], [...blocks, { cid: extraCid, bytes: extraBytes }]))),
      );
      expect(err).to.have.property('code', 'CAR_EXTRA_BLOCKS');
      expect(err.message).to.contain(extra.cid);
      expect(await store.has(root.toString())).to.equal(false);
    });

    it('a truncated CAR', async () => {
      const err = await rejection(store.importCar(chunked(car.subarray(0, car.byteLength - 1000))));
      expect(err).to.have.property('code', 'CAR_TRUNCATED');
      expect(await store.has(root.toString())).to.equal(false);
    });

    it('a CAR with two roots, or none', async () => {
      expect(
        await rejection(store.importCar(chunked(await buildCar([root, blocks[1]!.cid], blocks)))),
      ).to.have.property('code', 'CAR_ROOTS');
      expect(await rejection(store.importCar(chunked(Buffer.from('definitely not a car')))))
        .to.have.property('code')
        .that.matches(/^CAR_/);
    });
  });
}
