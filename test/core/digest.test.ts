import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  hashFile,
  hashStream,
  hashThrough,
  MultiHasher,
  sha256,
  sha256Hex,
  sm3Hex,
  toHex,
  ValidationError,
} from '../../node/core/index.js';

// FIPS 180-2 / NIST CSRC SHA-256 examples.
const SHA256 = {
  empty: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  abc: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  twoBlock: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  millionA: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
};
const TWO_BLOCK = 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq';

// GM/T 0004-2012 Appendix A examples.
const SM3 = {
  abc: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  abcd16: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
};

/** Splits `data` into chunks of irregular sizes so block boundaries fall everywhere. */
function* chunks(data: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length] as number;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

describe('core/digest', () => {
  it('SHA-256: NIST vectors', () => {
    expect(sha256Hex('')).to.equal(SHA256.empty);
    expect(sha256Hex('abc')).to.equal(SHA256.abc);
    expect(sha256Hex(new TextEncoder().encode('abc'))).to.equal(SHA256.abc);
    expect(sha256Hex(TWO_BLOCK)).to.equal(SHA256.twoBlock);
    expect(toHex(sha256(Buffer.from('ab'), Buffer.from('c')))).to.equal(SHA256.abc);
  });

  it('SM3: GM/T 0004 vectors', () => {
    expect(sm3Hex('abc')).to.equal(SM3.abc);
    expect(sm3Hex('abcd'.repeat(16))).to.equal(SM3.abcd16);
  });

  it('hashes strings as UTF-8', () => {
    expect(sha256Hex('\u20ac')).to.equal(sha256Hex(new Uint8Array([0xe2, 0x82, 0xac])));
  });

  it('hashStream: one million "a" in irregular chunks, both algorithms, with size', async () => {
    const data = new Uint8Array(1_000_000).fill(0x61);
    const result = await hashStream(chunks(data, [1, 63, 64, 65, 4096, 100_003]));
    expect(result.sha256).to.equal(SHA256.millionA);
    expect(result.sm3).to.equal(sm3Hex(data));
    expect(result.size).to.equal(1_000_000);
  });

  it('hashStream: a Node Readable, the SM3 vector split across chunks', async () => {
    const result = await hashStream(
      Readable.from([Buffer.from('abcdabcdabcdabc'), Buffer.from('d'.concat('abcd'.repeat(12)))]),
    );
    expect(result).to.deep.equal({ size: 64, sha256: sha256Hex('abcd'.repeat(16)), sm3: SM3.abcd16 });
  });

  it('hashStream: an async generator, one algorithm only, empty input', async () => {
    async function* none(): AsyncGenerator<Uint8Array> {}
    const result = await hashStream(none(), ['sha256']);
    expect(result).to.deep.equal({ size: 0, sha256: SHA256.empty });
  });

  it('hashStream: a web ReadableStream', async () => {
    const stream = new Blob(['ab', 'c']).stream();
    const result = await hashStream(stream as unknown as AsyncIterable<Uint8Array>, ['sm3']);
    expect(result).to.deep.equal({ size: 3, sm3: SM3.abc });
  });

  it('hashFile streams a file from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shulian-digest-'));
    try {
      const file = join(dir, 'abc.txt');
      await writeFile(file, 'abc');
      expect(await hashFile(file)).to.deep.equal({ size: 3, sha256: SHA256.abc, sm3: SM3.abc });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('hashFile rejects a missing file', async () => {
    let caught: unknown;
    try {
      await hashFile(join(tmpdir(), 'shulian-no-such-file-' + process.pid));
    } catch (err) {
      caught = err;
    }
    expect((caught as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });

  it('hashThrough passes chunks on unchanged while hashing them', async () => {
    const hasher = new MultiHasher();
    const seen: string[] = [];
    for await (const chunk of hashThrough(['a', 'b', 'c'], hasher)) seen.push(chunk);
    expect(seen).to.deep.equal(['a', 'b', 'c']);
    expect(hasher.digest()).to.deep.equal({ size: 3, sha256: SHA256.abc, sm3: SM3.abc });
  });

  describe('MultiHasher', () => {
    it('counts bytes, digests once, then refuses updates', () => {
      const hasher = new MultiHasher(['sm3', 'sha256']);
      hasher.update('a').update(new Uint8Array([0x62, 0x63]));
      expect(hasher.size).to.equal(3);
      const first = hasher.digest();
      expect(first).to.deep.equal({ size: 3, sha256: SHA256.abc, sm3: SM3.abc });
      expect(hasher.digest()).to.equal(first);
      expect(Object.isFrozen(first)).to.equal(true);
      expect(() => hasher.update('x')).to.throw(/after digest/);
    });

    it('counts UTF-8 bytes, not UTF-16 code units', () => {
      expect(new MultiHasher(['sha256']).update('书链').size).to.equal(6);
    });

    it('rejects unknown and empty algorithm lists', () => {
      expect(() => new MultiHasher(['md5' as never])).to.throw(ValidationError, /unknown digest algorithm "md5"/);
      expect(() => new MultiHasher([])).to.throw(ValidationError, /at least one/);
    });
  });
});
