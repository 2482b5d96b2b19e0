import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CID } from 'multiformats/cid';
import { lendFile, type BlockLender } from '../../node/content/dag-read.js';
import {
  adaptiveReads,
  BufferPool,
  readBlockFile,
  readBlockFileSync,
  type BlockFileReads,
} from '../../node/content/embedded/block-reader.js';
import { FsBlockstore } from '../../node/content/embedded/blockstore.js';
import { locateIn } from '../../node/content/embedded/pack.js';
import { embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import type { LentChunk } from '../../node/content/types.js';
import { chunked, collect, kuboDeterministicBytes } from './fixtures.js';
import { readStored, rootRecord, storedKey, writeStored } from './helpers/stored-blocks.js';

describe('content: lent reads', function () {
  this.timeout(60_000);
  let dir: string;
  let store: EmbeddedContentStore;
  // 2 MiB + 3 bytes: 9 leaves under kubo-v1 and kubo-legacy, 3 under unixfs-v1-2025.
  const big = kuboDeterministicBytes('shulian-lend', 2 * 1048576 + 3);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-lend-'));
    store = await embeddedContentStore({ dir });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A lender over the blocks of `root`'s DAG that counts what it lent and what came back, and when. */
  async function counting(root: string, blocks = new FsBlockstore(dir)) {
    const inner = blocks.lentReader(locateIn((await rootRecord(dir, root)).packs, blocks.packsDir));
    const out = new Map<LentChunk, number>();
    const lend: BlockLender = async (cid, size) => {
      const chunk = await inner(cid, size);
      if (!chunk) return chunk;
      const counted: LentChunk = {
        bytes: chunk.bytes,
        release: () => {
          out.set(counted, (out.get(counted) ?? 0) + 1);
          chunk.release();
        },
      };
      out.set(counted, 0);
      return counted;
    };
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    return { lend, out, settle, unreleased: () => [...out.values()].filter((n) => n !== 1).length };
  }

  it('every block lent is released exactly once: whole reads, ranges, early stops', async () => {
    for (const profile of ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const) {
      const { cid } = await store.put(chunked(big), { profile });
      const root = CID.parse(cid);
      for (const range of [
        {},
        { offset: 262140, length: 10 },
        { offset: 300_000, length: 1_000_000 },
        { offset: big.byteLength },
      ]) {
        const c = await counting(cid);
        const parts: Buffer[] = [];
        for await (const chunk of lendFile(c.lend, root, range, { verify: true })) {
          parts.push(Buffer.from(chunk.bytes));
          chunk.release();
        }
        await c.settle();
        const start = Math.min(range.offset ?? 0, big.byteLength);
        const end = range.length === undefined ? big.byteLength : Math.min(big.byteLength, start + range.length);
        expect(Buffer.concat(parts).equals(big.subarray(start, end)), `${profile} ${JSON.stringify(range)}`).to.equal(
          true,
        );
        expect(c.out.size, 'blocks were lent').to.be.greaterThan(0);
        expect(c.unreleased(), `${profile} ${JSON.stringify(range)}`).to.equal(0);
      }
      // The consumer stops after the first chunk: the blocks read ahead for it come back all the same.
      const c = await counting(cid);
      for await (const chunk of lendFile(c.lend, root, {}, { verify: false })) {
        chunk.release();
        break;
      }
      await c.settle();
      expect(c.out.size, `${profile}: read ahead`).to.be.greaterThan(2);
      expect(c.unreleased(), `${profile} early stop`).to.equal(0);
    }
  });

  it('a read stops at the next block once its signal aborts, and gives back what it read ahead', async () => {
    for (const profile of ['kubo-v1', 'kubo-legacy'] as const) {
      const { cid } = await store.put(chunked(big), { profile });
      const c = await counting(cid);
      const ac = new AbortController();
      let chunks = 0;
      const failure = await failureOf(
        (async function* () {
          for await (const chunk of lendFile(c.lend, CID.parse(cid), {}, { verify: false, signal: ac.signal })) {
            chunks++;
            ac.abort(new Error('client gone'));
            yield chunk;
          }
        })(),
      );
      await c.settle();
      expect(failure?.message, profile).to.equal('client gone');
      expect(chunks, profile).to.equal(1);
      expect(c.unreleased(), profile).to.equal(0);
      expect((await failureOf(store.get(cid, { signal: ac.signal })))?.message, profile).to.equal('client gone');
    }
  });

  it('a corrupt or missing block fails the read, naming it, and every block lent comes back', async () => {
    const { cid } = await store.put(chunked(big));
    const blocks = new FsBlockstore(dir);
    // A leaf (every block but the root is one): flip a byte in it.
    const rootKey = (await import('../../node/content/dag.js')).blockKey(CID.parse(cid));
    const leaf = await storedKey(
      dir,
      cid,
      (await rootRecord(dir, cid)).blocks.find((k) => k !== rootKey)!,
    );
    const corrupt = await readStored(leaf);
    corrupt[100] = corrupt[100]! ^ 0xff;
    await writeStored(leaf, corrupt);
    const c = await counting(cid, blocks);
    let failure = await failureOf(lendFile(c.lend, CID.parse(cid), {}, { verify: true }));
    await c.settle();
    expect(failure?.code).to.equal('INTEGRITY');
    expect(failure?.message).to.match(/^block \S+ is corrupt/);
    expect(c.unreleased()).to.equal(0);

    await rm(leaf.path); // a block file, or the pack holding the leaf
    const m = await counting(cid, blocks);
    failure = await failureOf(lendFile(m.lend, CID.parse(cid), {}, { verify: false }));
    await m.settle();
    expect(failure?.code).to.equal('NOT_FOUND');
    expect(failure?.message).to.match(/^block \S+ is missing/);
    expect(m.unreleased()).to.equal(0);
  });

  it('a read with verify: false skips the block check of a store that verifies reads; absent, the check holds', async () => {
    const { cid } = await store.put(chunked(big));
    const rootKey = (await import('../../node/content/dag.js')).blockKey(CID.parse(cid));
    const leaf = await storedKey(
      dir,
      cid,
      (await rootRecord(dir, cid)).blocks.find((k) => k !== rootKey)!,
    );
    const corrupt = await readStored(leaf);
    corrupt[7] = corrupt[7]! ^ 0x01;
    await writeStored(leaf, corrupt);
    expect((await failureOf(store.get(cid)))?.code).to.equal('INTEGRITY');
    expect((await failureOf(store.lend(cid, { verify: true })))?.code).to.equal('INTEGRITY');
    const unchecked = await collect(store.get(cid, { verify: false }));
    expect(unchecked.byteLength).to.equal(big.byteLength);
    expect(unchecked.equals(big)).to.equal(false); // the flipped bit came through: the caller checks
    expect(await failureOf(store.lend(cid, { verify: false }))).to.equal(undefined);
  });

  it("the store's lend reuses the buffers of released chunks, with and without verified reads", async () => {
    for (const verifyReads of [true, false]) {
      const s = await embeddedContentStore({ dir, verifyReads });
      try {
        const { cid } = await s.put(chunked(big));
        const seen = new Set<ArrayBufferLike>();
        let reused = 0;
        for (let pass = 0; pass < 2; pass++) {
          for await (const chunk of s.lend(cid)) {
            if (seen.has(chunk.bytes.buffer)) reused++;
            seen.add(chunk.bytes.buffer);
            chunk.release();
          }
        }
        expect(reused, `verifyReads ${verifyReads}`).to.be.greaterThan(0);
        // get's chunks are the caller's own: never a buffer a lent chunk had.
        for await (const chunk of s.get(cid)) expect(seen.has(chunk.buffer)).to.equal(false);
      } finally {
        await s.close();
      }
    }
  });

  describe('block files', () => {
    const readers = {
      'on the threadpool': readBlockFile,
      'in place': async (path: string, size: number | undefined, pool: BufferPool, position?: number) =>
        readBlockFileSync(path, size, pool, position),
    };
    for (const [name, read] of Object.entries(readers)) {
      it(`reads whole, short, missing and oversized block files (${name})`, async () => {
        const pool = new BufferPool(8 << 20);
        const bytes = kuboDeterministicBytes('block-file', 300_000);
        const path = join(dir, 'block.data');
        await writeFile(path, bytes.subarray(0, 1000));
        expect(Buffer.from((await read(path, 1000, pool))!.bytes).equals(bytes.subarray(0, 1000))).to.equal(true);
        expect(Buffer.from((await read(path, undefined, pool))!.bytes).equals(bytes.subarray(0, 1000))).to.equal(true);
        // Shorter than its parent says: the read returns what is there; the DAG reader reports the shortfall.
        expect((await read(path, 5000, pool))!.bytes.byteLength).to.equal(1000);
        // Of unknown size and larger than a first buffer: read whole.
        await writeFile(path, bytes);
        const whole = (await read(path, undefined, pool))!;
        expect(Buffer.from(whole.bytes).equals(bytes)).to.equal(true);
        await truncate(path, 0);
        expect((await read(path, undefined, pool))!.bytes.byteLength).to.equal(0);
        expect(await read(join(dir, 'absent.data'), 10, pool)).to.equal(undefined);
        expect(await read(join(dir, 'absent.data'), undefined, pool)).to.equal(undefined);
        // A block in a pack: from its offset, exactly its length; short where the file ends first.
        await writeFile(path, bytes);
        const packed = (await read(path, 70_000, pool, 200_000))!;
        expect(Buffer.from(packed.bytes).equals(bytes.subarray(200_000, 270_000))).to.equal(true);
        expect((await read(path, 70_000, pool, 250_000))!.bytes.byteLength).to.equal(50_000);
        expect((await read(path, 70_000, pool, 400_000))!.bytes.byteLength).to.equal(0);
      });
    }

    it('a pool hands released buffers out again, by 64 KiB class, up to what it may retain', () => {
      const pool = new BufferPool(512 * 1024);
      const a = pool.take(262144);
      const b = pool.take(200_000); // same 256 KiB class
      expect(a.byteLength).to.equal(262144);
      expect(b.byteLength).to.equal(262144);
      pool.give(a);
      pool.give(b);
      expect(pool.retainedBytes).to.equal(524288);
      pool.give(Buffer.allocUnsafeSlow(262144)); // beyond what it may retain: dropped
      expect(pool.retainedBytes).to.equal(524288);
      const again = pool.take(262144);
      expect(again === a || again === b).to.equal(true);
      expect(pool.take(65536).byteLength).to.equal(65536); // another class: a new buffer
      pool.give(Buffer.allocUnsafeSlow(1000)); // not a pool size: dropped
      expect(pool.retainedBytes).to.equal(262144);
    });
  });

  it('reads in place until one is slow, then on the threadpool for a while', async () => {
    const calls: string[] = [];
    let slow = false;
    const reads: BlockFileReads = {
      inPlace: () => {
        calls.push('in place');
        if (slow) {
          // A read that waits like one that goes to the disk (the test double's own wait, well over the limit).
          const until = process.hrtime.bigint() + 30_000_000n;
          while (process.hrtime.bigint() < until);
        }
        return { bytes: new Uint8Array(10), release: () => undefined };
      },
      offThread: async () => {
        calls.push('off thread');
        return { bytes: new Uint8Array(10), release: () => undefined };
      },
    };
    const read = adaptiveReads(reads);
    for (let i = 0; i < 3; i++) await read('x', 10, 0);
    expect(calls).to.deep.equal(['in place', 'in place', 'in place']);
    slow = true;
    await read('x', 10, 0);
    slow = false;
    calls.length = 0;
    for (let i = 0; i < 33; i++) await read('x', 10, 0);
    expect(calls.slice(0, 32).every((c) => c === 'off thread')).to.equal(true);
    expect(calls[32]).to.equal('in place');
  });
});

/** Reads `source` to its end, releasing lent chunks; the error it failed with, if any. */
async function failureOf(source: AsyncIterable<unknown>): Promise<(Error & { code?: string }) | undefined> {
  try {
    for await (const chunk of source) (chunk as Partial<LentChunk>).release?.();
  } catch (err) {
    return err as Error & { code?: string };
  }
  return undefined;
}
