import { expect } from 'chai';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { fileLeafPieces } from '../../node/content/leaf.js';

function encoders(chunk: Uint8Array): Buffer {
  return Buffer.from(dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] }));
}

describe('content: dag-pb file leaf pieces', () => {
  // Every length where the chunk's varint or the UnixFS message's varint changes size, and the profiles' chunks.
  const ranges: [number, number][] = [
    [0, 300],
    [16_360, 16_390],
    [2_097_120, 2_097_160],
  ];
  for (const [from, to] of ranges) {
    it(`joins to exactly the encoders' block for every length in [${from}, ${to}]`, () => {
      const big = Buffer.alloc(to, 0x5a);
      for (let n = from; n <= to; n++) {
        const chunk = big.subarray(0, n);
        const pieces = fileLeafPieces(chunk);
        expect(Buffer.concat(pieces).equals(encoders(chunk)), `length ${n}`).to.equal(true);
      }
    });
  }

  for (const n of [262_144, 1 << 20]) {
    it(`passes a ${n}-byte chunk on as the middle piece, uncopied`, () => {
      const chunk = Buffer.alloc(n, 0xa5);
      const pieces = fileLeafPieces(chunk);
      expect(pieces).to.have.length(3);
      expect(pieces[1]).to.equal(chunk);
      expect(Buffer.concat(pieces).equals(encoders(chunk))).to.equal(true);
    });
  }
});
