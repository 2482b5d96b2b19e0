// @ts-check
// Incremental SM3 (GM/T 0004-2012), the Chinese national hash recorded beside SHA-256 for every version.
// Browsers have no SM3, so the console carries this one; test/gateway/console-hash.test.ts checks it
// against Node's crypto on random inputs split at random points.

import { blockHasher } from './md.js';

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e];
/** T_j rotated left by j, precomputed. */
const TJ = new Uint32Array(64);
for (let j = 0; j < 64; j++) {
  const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
  const n = j % 32;
  TJ[j] = n === 0 ? t : ((t << n) | (t >>> (32 - n))) >>> 0;
}

/** @param {number} x @param {number} n */
const rotl = (x, n) => (x << n) | (x >>> (32 - n));

/** @returns {import('./sha256.js').Hasher} */
export function createSm3() {
  const v = new Uint32Array(IV);
  const w = new Uint32Array(68);

  /** @param {Uint8Array} b @param {number} o */
  function compress(b, o) {
    for (let i = 0; i < 16; i++) {
      const j = o + i * 4;
      w[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
    }
    for (let i = 16; i < 68; i++) {
      const x = w[i - 16] ^ w[i - 9] ^ rotl(w[i - 3], 15);
      w[i] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(w[i - 13], 7) ^ w[i - 6];
    }
    let a = v[0],
      bb = v[1],
      c = v[2],
      d = v[3],
      e = v[4],
      f = v[5],
      g = v[6],
      h = v[7];
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(a, 12);
      const ss1 = rotl((a12 + e + TJ[j]) | 0, 7);
      const ss2 = ss1 ^ a12;
      const ff = j < 16 ? a ^ bb ^ c : (a & bb) | (a & c) | (bb & c);
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
      const tt1 = (ff + d + ss2 + (w[j] ^ w[j + 4])) | 0;
      const tt2 = (gg + h + ss1 + w[j]) | 0;
      d = c;
      c = rotl(bb, 9);
      bb = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
    }
    v[0] ^= a;
    v[1] ^= bb;
    v[2] ^= c;
    v[3] ^= d;
    v[4] ^= e;
    v[5] ^= f;
    v[6] ^= g;
    v[7] ^= h;
  }

  return blockHasher(compress, v);
}
