import { expect } from 'chai';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { buildFileDag, fixedChunks } from '../../node/content/builder.js';
import { CID_PROFILE_NAMES, cidProfile, type CidProfile } from '../../node/content/profiles.js';

/** The oracle: ipfs-unixfs-importer with the options that match `ipfs add` (see profiles.ts). */
async function importerDag(bytes: Uint8Array, p: CidProfile): Promise<{ root: string; blocks: Map<string, string> }> {
  const blocks = new Map<string, string>();
  const sink = {
    put: async (cid: CID, b: Uint8Array) => (blocks.set(cid.toString(), Buffer.from(b).toString('hex')), cid),
  };
  let root: CID | undefined;
  const options = {
    cidVersion: p.cidVersion,
    rawLeaves: p.rawLeaves,
    leafType: 'file' as const,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: p.chunkSize }),
    layout: balanced({ maxChildrenPerNode: p.maxLinks }),
  };
  for await (const entry of importer([{ content: [bytes] }], sink, options)) root = entry.cid;
  return { root: root!.toString(), blocks };
}

async function ourDag(
  pieces: Uint8Array[],
  p: CidProfile,
  leafHashing: 'inline' | 'storage',
): Promise<{ root: string; blocks: Map<string, string> }> {
  const blocks = new Map<string, string>();
  const storage = {
    put: (cid: CID, b: Uint8Array) => void blocks.set(cid.toString(), Buffer.from(b).toString('hex')),
    // The embedded store's way: the storage hashes the leaf; the builder must make the same CID from it.
    ...(leafHashing === 'storage' && {
      putLeaf: async (pieces: readonly Uint8Array[]) => {
        const b = Buffer.concat(pieces);
        const digest = await sha256.digest(b);
        const cid = p.rawLeaves ? CID.createV1(raw.code, digest) : CID.create(p.cidVersion, dagPb.code, digest);
        blocks.set(cid.toString(), Buffer.from(b).toString('hex'));
        return digest.digest;
      },
    }),
  };
  async function* source(): AsyncGenerator<Uint8Array> {
    yield* pieces;
  }
  const root = await buildFileDag(fixedChunks(source(), p.chunkSize), p, storage);
  return { root: root.toString(), blocks };
}

/** A profile with tiny chunks and fan-out, so that deep trees cost a few hundred bytes. */
function tiny(cidVersion: 0 | 1, rawLeaves: boolean, chunkSize: number, maxLinks: number): CidProfile {
  return { ...cidProfile('kubo-v1'), name: 'kubo-v1', cidVersion, rawLeaves, chunkSize, maxLinks };
}

/** Deterministic bytes and a deterministic, irregular way of cutting them into stream pieces. */
function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
function cut(bytes: Uint8Array, seed: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let x = seed + 7;
  for (let at = 0; at < bytes.byteLength;) {
    x = (x * 1103515245 + 12345) >>> 0;
    const n = Math.min(bytes.byteLength - at, 1 + (x % 53));
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  // Empty pieces in the stream must change nothing.
  if (pieces.length > 1) pieces.splice(1, 0, new Uint8Array(0));
  return pieces;
}

describe('content: our DAG builder against ipfs-unixfs-importer', function () {
  this.timeout(120_000);

  for (const [cidVersion, rawLeaves] of [
    [1, true],
    [0, false],
    [1, false],
    [0, true],
  ] as const) {
    for (const maxLinks of [2, 3]) {
      const p = tiny(cidVersion, rawLeaves, 16, maxLinks);
      const limit = 16 * maxLinks ** 3 + 40; // past a third level
      it(`CIDv${cidVersion}, ${rawLeaves ? 'raw' : 'dag-pb'} leaves, 16-byte chunks, ${maxLinks} links: every size 0..${limit}`, async () => {
        for (let n = 0; n <= limit; n++) {
          // Every size while the tree is small, then the sizes around each chunk boundary.
          if (n > 64 && ![0, 1, 15].includes(n % 16)) continue;
          const bytes = bytesOf(n, n);
          const want = await importerDag(bytes, p);
          const whole = await ourDag([bytes], p, 'inline');
          expect(whole.root, `size ${n}, one piece`).to.equal(want.root);
          const pieces = await ourDag(cut(bytes, n), p, n % 2 === 0 ? 'storage' : 'inline');
          expect(pieces.root, `size ${n}, irregular pieces`).to.equal(want.root);
          expect(pieces.blocks, `size ${n}: the same blocks`).to.deep.equal(want.blocks);
        }
      });
    }
  }

  for (const name of CID_PROFILE_NAMES) {
    it(`${name}: the same root as the importer at small sizes and around one chunk`, async () => {
      const p = cidProfile(name);
      for (const n of [0, 1, 1000, p.chunkSize - 1, p.chunkSize, p.chunkSize + 1, 3 * p.chunkSize + 5]) {
        const bytes = bytesOf(n, 3);
        const ours = await ourDag([bytes.subarray(0, n >> 1), bytes.subarray(n >> 1)], p, 'storage');
        expect(ours.root, `${n} bytes`).to.equal((await importerDag(bytes, p)).root);
      }
    });
  }
});

describe('content: fixedChunks', () => {
  async function chunksOf(pieces: Uint8Array[], size: number): Promise<number[]> {
    const out: number[] = [];
    async function* src(): AsyncGenerator<Uint8Array> {
      yield* pieces;
    }
    for await (const c of fixedChunks(src(), size)) out.push(c.byteLength);
    return out;
  }

  it('cuts exact chunks, the rest last, and one empty chunk for an empty stream', async () => {
    expect(await chunksOf([], 4)).to.deep.equal([0]);
    expect(await chunksOf([new Uint8Array(0)], 4)).to.deep.equal([0]);
    expect(await chunksOf([new Uint8Array(8)], 4)).to.deep.equal([4, 4]);
    expect(await chunksOf([new Uint8Array(3), new Uint8Array(3), new Uint8Array(3)], 4)).to.deep.equal([4, 4, 1]);
    expect(await chunksOf([new Uint8Array(9)], 4)).to.deep.equal([4, 4, 1]);
  });

  it('passes whole chunks inside an input as views, without copying', async () => {
    const input = new Uint8Array(8);
    async function* src(): AsyncGenerator<Uint8Array> {
      yield input;
    }
    for await (const c of fixedChunks(src(), 4)) expect(c.buffer).to.equal(input.buffer);
  });
});
