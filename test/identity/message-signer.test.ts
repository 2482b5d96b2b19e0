import { expect } from 'chai';
import { verify, X509Certificate } from 'node:crypto';
import { createDevCa, newSigner, signMessage, signingIdentity } from '../../node/identity/index.js';
import { sha256 } from '../../node/core/index.js';
import { derSignature, lowS } from '../../node/identity/signer.js';

const HALF_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551') >> 1n;

/** r and s of a DER ECDSA signature. */
function parseDer(sig: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(sig);
  expect(b[0]).to.equal(0x30);
  expect(b[1]).to.equal(b.length - 2);
  const rLen = b[3]!;
  const r = BigInt(`0x${b.subarray(4, 4 + rLen).toString('hex')}`);
  const sLen = b[5 + rLen]!;
  const s = BigInt(`0x${b.subarray(6 + rLen, 6 + rLen + sLen).toString('hex')}`);
  expect(6 + rLen + sLen).to.equal(b.length);
  return { r, s };
}

describe('identity: native message signer', () => {
  it('signs SHA-256(message) as DER, low-S, verifiable like the fabric-gateway signer', async () => {
    const ca = await createDevCa({ mspId: 'JilinLibraryMSP' });
    const cert = await ca.issue({ commonName: 'op', kind: 'client', role: 'operator' });
    const id = signingIdentity('JilinLibraryMSP', cert.certPem, cert.keyPem);
    const publicKey = new X509Certificate(cert.certPem).publicKey;
    expect(id.signMessage, 'signingIdentity offers a native signer').to.be.a('function');
    for (let i = 0; i < 64; i++) {
      const message = Buffer.from(`proposal ${i}`);
      // on the caller's thread, then on libuv's pool: the same scheme either way
      const native = await signMessage(id, message, { offThread: i % 2 === 1 });
      const { s } = parseDer(native);
      expect(s <= HALF_N, 'low-S').to.equal(true);
      expect(verify('sha256', message, publicKey, native)).to.equal(true);
      const reference = await newSigner(cert.keyPem)(sha256(message));
      expect(verify('sha256', message, publicKey, reference)).to.equal(true);
    }
  });

  it('normalises s and writes DER exactly as the BigInt arithmetic and DER rules say', () => {
    const N = HALF_N * 2n + 1n;
    const be = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
    const derInt = (v: bigint) => {
      let hex = v.toString(16);
      if (hex.length % 2 === 1) hex = `0${hex}`;
      if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
      return Buffer.concat([Buffer.from([0x02, hex.length / 2]), Buffer.from(hex, 'hex')]);
    };
    const values = [
      0n,
      1n,
      0x80n,
      0xffn,
      0x100n,
      HALF_N - 1n,
      HALF_N,
      HALF_N + 1n,
      N - 1n,
      2n ** 255n,
      2n ** 248n - 1n,
    ];
    let seed = 12345n;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      // every length of leading zeros, both halves of the range
      values.push(((seed * seed * seed * seed) % N) >> BigInt((i % 33) * 8));
    }
    for (const [i, s] of values.entries()) {
      const low = s <= HALF_N ? s : N - s;
      expect(Buffer.from(lowS(be(s))).toString('hex'), `lowS ${s}`).to.equal(be(low).toString('hex'));
      const r = values[(i * 7 + 3) % values.length] as bigint;
      const body = Buffer.concat([derInt(r), derInt(low)]);
      const expected = Buffer.concat([Buffer.from([0x30, body.length]), body]);
      expect(Buffer.from(derSignature(be(r), be(low))).toString('hex')).to.equal(expected.toString('hex'));
      const parsed = parseDer(derSignature(be(r), be(low)));
      expect(parsed.r).to.equal(r);
      expect(parsed.s).to.equal(low);
    }
  });

  it('reports a failure on the pool as a rejection', async () => {
    const ca = await createDevCa({ mspId: 'JilinLibraryMSP' });
    const cert = await ca.issue({ commonName: 'op2', kind: 'client', role: 'operator' });
    const id = signingIdentity('JilinLibraryMSP', cert.certPem, cert.keyPem);
    const notBytes = 42 as unknown as Uint8Array;
    for (const offThread of [false, true]) {
      let failed: unknown;
      await signMessage(id, notBytes, { offThread }).catch((err: unknown) => (failed = err));
      expect(failed, `offThread ${String(offThread)}`).to.be.instanceOf(Error);
    }
  });

  it('falls back to the digest signer when no native signer is present', async () => {
    const ca = await createDevCa({ mspId: 'NLCMSP' });
    const cert = await ca.issue({ commonName: 'wh', kind: 'client', role: 'warehouse' });
    const { identity, signer } = signingIdentity('NLCMSP', cert.certPem, cert.keyPem);
    const message = Buffer.from('receipt');
    const sig = await signMessage({ identity, signer }, message);
    expect(verify('sha256', message, new X509Certificate(cert.certPem).publicKey, sig)).to.equal(true);
  });
});
