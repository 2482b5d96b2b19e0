import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import {
  EMPTY_ROOT,
  fromHex,
  HASH_SIZE,
  inclusionProof,
  leafHash,
  MerkleTree,
  merkleRoot,
  nodeHash,
  rootFromInclusionProof,
  toHex,
  ValidationError,
  verifyInclusion,
} from '../../node/core/index.js';

// The test data of Certificate Transparency (RFC 6962, hashing unchanged in RFC 9162), as used by
// google/certificate-transparency-go and transparency-dev/merkle.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(
  (hex) => fromHex(hex),
);

/** Roots of the trees over the first 1..8 leaves. */
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Leaf hashes of the eight leaves (level 0 of the 8-leaf tree). */
const LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];

/** Known inclusion proofs: leaf index (0-based), tree size, audit path. */
const PROOFS: { index: number; size: number; path: string[] }[] = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

/** RFC 9162 section 2.1.1 MTH, written straight from the definition, to check the level-array tree against. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(createHash('sha256').digest());
  if (leaves.length === 1) return leafHash(leaves[0] as Uint8Array);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function flipped(bytes: Uint8Array, at = 0): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

function randomLeaves(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => randomBytes(i % 5 === 0 ? 0 : 1 + (i % 40)));
}

describe('core/merkle (RFC 9162)', () => {
  it('hashes leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    LEAF_HASHES.forEach((hex, i) => expect(toHex(leafHash(LEAVES[i] as Uint8Array))).to.equal(hex));
    const left = fromHex(LEAF_HASHES[0] as string);
    const right = fromHex(LEAF_HASHES[1] as string);
    expect(toHex(nodeHash(left, right))).to.equal(ROOTS[1]);
  });

  it('the empty tree has the SHA-256 of the empty string as its root', () => {
    expect(toHex(EMPTY_ROOT)).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(merkleRoot([]))).to.equal(toHex(EMPTY_ROOT));
    expect(MerkleTree.fromLeaves([]).size).to.equal(0);
  });

  it('roots of the CT test trees of sizes 1..8', () => {
    for (let n = 1; n <= 8; n++) {
      const leaves = LEAVES.slice(0, n);
      expect(toHex(merkleRoot(leaves)), `size ${n}`).to.equal(ROOTS[n - 1]);
      expect(toHex(MerkleTree.fromLeafHashes(LEAF_HASHES.slice(0, n)).root), `size ${n}`).to.equal(ROOTS[n - 1]);
    }
  });

  describe('known inclusion proofs', () => {
    for (const { index, size, path } of PROOFS) {
      it(`leaf ${index} of ${size}`, () => {
        const leaves = LEAVES.slice(0, size);
        const root = ROOTS[size - 1] as string;
        expect(inclusionProof(leaves, index).map(toHex)).to.deep.equal(path);
        const tree = MerkleTree.fromLeaves(leaves);
        expect(tree.inclusionProof(index).map(toHex)).to.deep.equal(path);
        expect(toHex(tree.leafHash(index))).to.equal(LEAF_HASHES[index]);

        const leaf = LEAVES[index] as Uint8Array;
        expect(verifyInclusion({ data: leaf }, index, size, path, root)).to.equal(true);
        expect(
          verifyInclusion(
            leafHash(leaf),
            index,
            size,
            path.map((h) => fromHex(h)),
            fromHex(root),
          ),
        ).to.equal(true);
        expect(toHex(rootFromInclusionProof({ data: leaf }, index, size, path))).to.equal(root);
      });
    }
  });

  describe('corrupted proofs do not verify (the probes of transparency-dev/merkle)', () => {
    for (const { index, size, path } of PROOFS.filter((p) => p.size > 1)) {
      it(`leaf ${index} of ${size}`, () => {
        const leaf = leafHash(LEAVES[index] as Uint8Array);
        const root = fromHex(ROOTS[size - 1] as string);
        const proof = path.map((h) => fromHex(h));
        const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
        const probes: [string, () => boolean][] = [
          ['index - 1', () => verifyInclusion(leaf, index - 1, size, proof, root)],
          ['index + 1', () => verifyInclusion(leaf, index + 1, size, proof, root)],
          ['index ^ 2', () => verifyInclusion(leaf, index ^ 2, size, proof, root)],
          ['size * 2', () => verifyInclusion(leaf, index, size * 2, proof, root)],
          ['size / 2', () => verifyInclusion(leaf, index, Math.floor(size / 2), proof, root)],
          ['wrong leaf', () => verifyInclusion({ data: 'WrongLeaf' }, index, size, proof, root)],
          ['empty root', () => verifyInclusion(leaf, index, size, proof, EMPTY_ROOT)],
          ['random root', () => verifyInclusion(leaf, index, size, proof, someHash)],
          ['trailing root', () => verifyInclusion(leaf, index, size, [...proof, root], root)],
          ['preceding root', () => verifyInclusion(leaf, index, size, [root, ...proof], root)],
          ['trailing garbage', () => verifyInclusion(leaf, index, size, [...proof, new Uint8Array(0)], root)],
          ['removed component', () => verifyInclusion(leaf, index, size, proof.slice(0, -1), root)],
          [
            'inserted component',
            () => verifyInclusion(leaf, index, size, [proof[0] as Uint8Array, someHash, ...proof.slice(1)], root),
          ],
          ['not hex', () => verifyInclusion(leaf, index, size, ['zz'.repeat(32), ...path.slice(1)], root)],
          ['short root', () => verifyInclusion(leaf, index, size, proof, root.subarray(1))],
        ];
        proof.forEach((_, i) =>
          probes.push([
            `flipped bit in proof[${i}]`,
            () =>
              verifyInclusion(
                leaf,
                index,
                size,
                proof.map((p, j) => (j === i ? flipped(p) : p)),
                root,
              ),
          ]),
        );
        for (const [name, probe] of probes) expect(probe(), name).to.equal(false);
      });
    }
  });

  it('a one-leaf tree: the root is the leaf hash and the proof is empty', () => {
    const hash = leafHash('data');
    expect(verifyInclusion(hash, 0, 1, [], hash)).to.equal(true);
    expect(verifyInclusion(hash, 0, 1, [], new Uint8Array(0))).to.equal(false);
    expect(verifyInclusion(new Uint8Array(0), 0, 1, [], hash)).to.equal(false);
    expect(verifyInclusion(hash, 0, 0, [], hash)).to.equal(false);
    expect(verifyInclusion(hash, 1, 1, [], hash)).to.equal(false);
  });

  it('property: every leaf of random trees of sizes 1..70 verifies, and nothing altered does', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = randomLeaves(n);
      const tree = MerkleTree.fromLeaves(leaves);
      const root = tree.root;
      expect(toHex(root), `root of ${n}`).to.equal(toHex(referenceRoot(leaves)));
      const maxProofLength = Math.ceil(Math.log2(n));
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i);
        const leaf = leaves[i] as Uint8Array;
        expect(proof.length, `proof length ${i}/${n}`).to.be.at.most(maxProofLength);
        expect(verifyInclusion({ data: leaf }, i, n, proof, root), `leaf ${i}/${n}`).to.equal(true);
        expect(verifyInclusion({ data: leaf }, i, n, proof, flipped(root, i % HASH_SIZE))).to.equal(false);
        expect(verifyInclusion(flipped(tree.leafHash(i), 31), i, n, proof, root)).to.equal(false);
        if (proof.length > 0) {
          const at = i % proof.length;
          const bad = proof.map((p, j) => (j === at ? flipped(p, (i * 7) % HASH_SIZE) : p));
          expect(verifyInclusion({ data: leaf }, i, n, bad, root), `flipped proof ${i}/${n}`).to.equal(false);
        }
        if (n > 1) expect(verifyInclusion({ data: leaf }, (i + 1) % n, n, proof, root)).to.equal(false);
      }
    }
  });

  it('a tree from its leaf hashes in one buffer, and proofs as one buffer, are the same tree and proofs', () => {
    for (let n = 1; n <= 70; n++) {
      const tree = MerkleTree.fromLeaves(randomLeaves(n));
      const bytes = Buffer.concat(Array.from({ length: n }, (_, i) => tree.leafHash(i)));
      const same = MerkleTree.fromLeafHashBytes(bytes);
      bytes.fill(0); // the tree keeps its own copy
      expect(toHex(same.root), `root of ${n}`).to.equal(toHex(tree.root));
      for (let i = 0; i < n; i++) {
        expect(toHex(same.inclusionProofBytes(i)), `proof ${i}/${n}`).to.equal(
          toHex(Buffer.concat(tree.inclusionProof(i))),
        );
      }
    }
    expect(() => MerkleTree.fromLeafHashBytes(new Uint8Array(33))).to.throw(ValidationError, /32-byte/);
    expect(() => MerkleTree.fromLeafHashBytes(new Uint8Array(64)).inclusionProofBytes(2)).to.throw(ValidationError);
    expect(MerkleTree.fromLeafHashBytes(new Uint8Array(0)).size).to.equal(0);
  });

  it('170,000 leaves: one build, proofs of at most 32 * ceil(log2 N) bytes that verify', () => {
    const n = 170_000;
    const hashes = Array.from({ length: n }, (_, i) => leafHash(`record-${i}`));
    const tree = MerkleTree.fromLeafHashes(hashes);
    expect(tree.size).to.equal(n);
    const root = tree.root;
    const maxBytes = 32 * Math.ceil(Math.log2(n));
    for (let i = 0; i < n; i += 997) {
      const proof = tree.inclusionProof(i);
      expect(proof.reduce((sum, p) => sum + p.byteLength, 0)).to.be.at.most(maxBytes);
      expect(verifyInclusion({ data: `record-${i}` }, i, n, proof, root)).to.equal(true);
    }
    const last = tree.inclusionProof(n - 1);
    expect(verifyInclusion(hashes[n - 1] as Uint8Array, n - 1, n, last, root)).to.equal(true);
  });

  it('rejects bad arguments with a ValidationError naming the field', () => {
    const tree = MerkleTree.fromLeaves(LEAVES);
    expect(() => tree.inclusionProof(8)).to.throw(ValidationError, /leaf index: expected an integer in 0\.\.7, got 8/);
    expect(() => tree.inclusionProof(-1)).to.throw(ValidationError);
    expect(() => tree.inclusionProof(1.5)).to.throw(ValidationError);
    expect(() => MerkleTree.fromLeafHashes([new Uint8Array(31)])).to.throw(ValidationError, /\/0: expected a 32-byte/);
    expect(() => MerkleTree.fromLeafHashes(['00'])).to.throw(ValidationError, /\/0: expected 64 hex digits/);
    expect(() => rootFromInclusionProof(leafHash(''), 0, 8, [])).to.throw(ValidationError, /more than 0 hashes/);
    expect(() => rootFromInclusionProof(leafHash(''), 0, 1, [EMPTY_ROOT])).to.throw(ValidationError, /at most 0/);
  });
});
