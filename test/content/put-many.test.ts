import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { CID } from 'multiformats/cid';
import { computeCid, embeddedContentStore, type EmbeddedContentStore } from '../../node/content/index.js';
import { collect, kuboDeterministicBytes } from './fixtures.js';

describe('content: embedded putMany (small payloads in one round)', function () {
  this.timeout(60_000);
  let dir: string;
  let store: EmbeddedContentStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-content-many-'));
    store = await embeddedContentStore({ dir });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  // around every boundary the fast path (one raw leaf) and the general one (a DAG) meet
  const payloads = [
    new Uint8Array(0),
    Buffer.from('{"title":["小文件"]}', 'utf8'),
    kuboDeterministicBytes('many-a', 262144),
    kuboDeterministicBytes('many-b', 262145),
    kuboDeterministicBytes('many-c', 1048576 + 7),
    Buffer.from('small file 1 small file 1 ', 'utf8'),
  ];

  it('gives, for every profile, exactly what put gives: CID, SHA-256, SM3, size; and the bytes read back', async () => {
    for (const profile of ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const) {
      const results = await store.putMany!(payloads, { profile });
      expect(results).to.have.length(payloads.length);
      for (const [i, payload] of payloads.entries()) {
        expect(results[i], `${profile} #${i}`).to.deep.equal(await computeCid([payload], profile));
        const cid = results[i]!.cid;
        expect(await store.has(cid)).to.equal(true);
        expect((await collect(store.get(cid))).equals(Buffer.from(payload)), `${profile} #${i} bytes`).to.equal(true);
        const report = await store.verify(cid);
        expect(report.ok, `${profile} #${i} verify`).to.equal(true);
        expect((await store.stat(cid)).size).to.equal(payload.byteLength);
      }
    }
    expect(await readdir(join(dir, 'tmp'))).to.deep.equal([]);
  });

  it('writes the same root record as put, and a payload twice in a batch once', async () => {
    const a = Buffer.from('the same bytes', 'utf8');
    const [r1, r2] = await store.putMany!([a, Buffer.from(a)]);
    expect(r1).to.deep.equal(r2);
    const record = JSON.parse(await readFile(join(dir, 'roots', `${r1!.cid}.json`), 'utf8'));
    const other = await mkdtemp(join(tmpdir(), 'shulian-content-one-'));
    const single = await embeddedContentStore({ dir: other });
    try {
      const put = await single.put(Readable.from([a]));
      expect(put).to.deep.equal(r1);
      expect(JSON.parse(await readFile(join(other, 'roots', `${put.cid}.json`), 'utf8'))).to.deep.equal(record);
    } finally {
      await single.close();
      await rm(other, { recursive: true, force: true });
    }
  });

  it('is idempotent and mixes with put: content already there stays as it is', async () => {
    const first = await store.put(Readable.from([payloads[1]!]));
    const again = await store.putMany!(payloads);
    const twice = await store.putMany!(payloads);
    expect(twice).to.deep.equal(again);
    expect(again[1]).to.deep.equal(first);
    expect((await collect(store.get(first.cid))).equals(Buffer.from(payloads[1]!))).to.equal(true);
  });

  it('keeps the digests a CAR import lacks: a root record without them is completed', async () => {
    const bytes = Buffer.from('imported first', 'utf8');
    const expected = await computeCid([bytes]);
    const path = join(dir, 'roots', `${CID.parse(expected.cid).toV1().toString()}.json`);
    const [put] = await store.putMany!([bytes]);
    const full = JSON.parse(await readFile(path, 'utf8'));
    // as a CAR import leaves it: no sha256/sm3, profile null
    await writeFile(path, `${JSON.stringify({ ...full, profile: null, sha256: undefined, sm3: undefined })}\n`);
    await store.putMany!([bytes]);
    expect(JSON.parse(await readFile(path, 'utf8'))).to.deep.equal(full);
    expect(put).to.deep.equal(expected);
  });

  it('refuses what is not bytes, naming the payload, and writes nothing', async () => {
    const err = await store.putMany!([Buffer.from('ok'), 'text' as unknown as Uint8Array]).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'BAD_INPUT');
    expect(err).to.have.nested.property('ids.pointer', '/payloads/1');
    expect(await readdir(join(dir, 'roots'))).to.deep.equal([]);
  });

  it('gc keeps what putMany committed', async () => {
    const results = await store.putMany!(payloads.slice(0, 3));
    const report = await store.gc();
    expect(report.removedBlocks).to.equal(0);
    for (const r of results) expect((await store.verify(r.cid)).ok).to.equal(true);
  });
});
