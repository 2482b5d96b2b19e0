import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import { chunked, collect, kuboDeterministicBytes, sha256Hex } from './fixtures.js';
import { rootRecord } from './helpers/stored-blocks.js';

const KIB256 = 262144;

/**
 * Kubo's golden DAGs with a second level, stored and read back through the embedded store: their leaves
 * go into a pack, their nodes into block files. CIDs copied from Kubo's tests (see vectors.test.ts):
 * test/cli/cid_profiles_test.go FileOverMaxLinksCID, seed "v0-seed".
 */
describe('content: embedded store, a DAG with a second level', function () {
  this.timeout(120_000);
  let dir: string;
  let store: EmbeddedContentStore;
  const bytes = kuboDeterministicBytes('v0-seed', 174 * KIB256 + 1);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-content-large-'));
    store = await embeddedContentStore({ dir: join(dir, 'a') });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores Kubo's DAG of 174 × 256 KiB + 1 under its CID, reads it back whole and in ranges, and moves it by CAR", async () => {
    const put = await store.put(chunked(bytes, 1 << 20), { profile: 'kubo-legacy' });
    expect(put.cid).to.equal('QmV81WL765sC8DXsRhE5fJv2rwhS4icHRaf3J9Zk5FdRnW');
    expect(put.sha256).to.equal(sha256Hex(bytes));

    const record = await rootRecord(join(dir, 'a'), put.cid);
    // 174 full leaves in the pack; the 1-byte leaf, two nodes under the root and the root are files.
    expect(record.packs?.[0]?.blocks).to.have.length(174);
    expect(record.blocks).to.have.length(178);
    expect(await store.stat(put.cid)).to.deep.include({ size: bytes.byteLength, blocks: 178 });
    expect(await store.verify(put.cid)).to.deep.include({ ok: true, blocks: 178 });

    expect(sha256Hex(await collect(store.get(put.cid)))).to.equal(put.sha256);
    // Across the end of the first level and into the second.
    const from = 174 * KIB256 - 100;
    expect((await collect(store.get(put.cid, { offset: from, length: 101 }))).equals(bytes.subarray(from))).to.equal(
      true,
    );

    const other = await embeddedContentStore({ dir: join(dir, 'b') });
    try {
      const imported = await other.importCar(store.exportCar(put.cid));
      expect(imported).to.deep.equal({ root: put.cid, blocks: 178 });
      expect(sha256Hex(await collect(other.get(put.cid)))).to.equal(put.sha256);
      // The same bytes put into the store that imported them: the record gains the digests, the blocks
      // stay where the import put them, and the put's own pack is gone.
      const again = await other.put(chunked(bytes, 1 << 20), { profile: 'kubo-legacy' });
      expect(again).to.deep.equal(put);
      const rewritten = await rootRecord(join(dir, 'b'), put.cid);
      expect(rewritten).to.deep.include({ sha256: put.sha256, sm3: put.sm3 });
      expect(rewritten.packs).to.equal(undefined);
      expect((await other.gc()).removedPacks).to.equal(0);
      expect((await other.verify(put.cid)).ok).to.equal(true);
    } finally {
      await other.close();
    }
  });
});
