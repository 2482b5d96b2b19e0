// @ts-check
// The Merkle–Damgård framing SHA-256 and SM3 share: 64-byte blocks, 0x80 padding and the message length in
// bits as a 64-bit big-endian integer. Each hash supplies only its compression function and chaining value.

/** @typedef {import('./sha256.js').Hasher} Hasher */

/**
 * @param {(data: Uint8Array, offset: number) => void} compress folds the 64 bytes at `offset` into `state`
 * @param {Uint32Array} state the chaining value, read out big-endian as the digest
 * @returns {Hasher}
 */
export function blockHasher(compress, state) {
  const block = new Uint8Array(64);
  let filled = 0;
  let length = 0; // bytes; exact up to 2^53

  return {
    update(data) {
      length += data.length;
      let i = 0;
      if (filled > 0) {
        const take = Math.min(64 - filled, data.length);
        block.set(data.subarray(0, take), filled);
        filled += take;
        i = take;
        if (filled < 64) return this;
        compress(block, 0);
        filled = 0;
      }
      for (; i + 64 <= data.length; i += 64) compress(data, i);
      if (i < data.length) {
        block.set(data.subarray(i), 0);
        filled = data.length - i;
      }
      return this;
    },
    hex() {
      const bits = length * 8;
      const tail = new Uint8Array(filled < 56 ? 64 : 128);
      tail.set(block.subarray(0, filled));
      tail[filled] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
      view.setUint32(tail.length - 4, bits >>> 0);
      for (let o = 0; o < tail.length; o += 64) compress(tail, o);
      return Array.from(state, (x) => x.toString(16).padStart(8, '0')).join('');
    },
  };
}
