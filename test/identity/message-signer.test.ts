import { expect } from 'chai';
import { verify, X509Certificate } from 'node:crypto';
import { createDevCa, newSigner, signMessage, signingIdentity } from '../../node/identity/index.js';
import { sha256 } from '../../node/core/index.js';

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
