import { createHash, createPublicKey, verify } from 'node:crypto';
import { expect } from 'chai';
import { createDevCa, newSigner, signingIdentity, type DevCa, type IssuedCert } from '../../node/identity/index.js';
import { ValidationError } from '../../node/core/errors.js';

const P256_HALF_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;

/** r and s of a DER ECDSA signature (short-form lengths, as for P-256). */
function rs(der: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(der);
  expect(b[0]).to.equal(0x30);
  expect(b[1]).to.equal(b.length - 2);
  expect(b[2]).to.equal(0x02);
  const rLen = b[3] ?? 0;
  expect(b[4 + rLen]).to.equal(0x02);
  const sLen = b[5 + rLen] ?? 0;
  expect(6 + rLen + sLen).to.equal(b.length);
  return {
    r: BigInt(`0x${b.subarray(4, 4 + rLen).toString('hex')}`),
    s: BigInt(`0x${b.subarray(6 + rLen).toString('hex')}`),
  };
}

describe('identity: signer', () => {
  let ca: DevCa;
  let user: IssuedCert;
  before(async () => {
    ca = await createDevCa({ mspId: 'JilinLibraryMSP' });
    user = await ca.issue({ commonName: 'operator', kind: 'client', role: 'operator' });
  });

  it('signs the SHA-256 digest of a message: Node verifies it as sha256 over the message, DER, low-S', async () => {
    const sign = newSigner(user.keyPem);
    const publicKey = createPublicKey(user.certPem);
    for (let i = 0; i < 64; i++) {
      const msg = Buffer.from(`proposal ${i}: 吉林省图书馆`);
      const sig = await sign(createHash('sha256').update(msg).digest());
      expect(verify('sha256', msg, publicKey, sig), `message ${i}`).to.equal(true);
      expect(rs(sig).s <= P256_HALF_N, `low-S ${i}`).to.equal(true);
      expect(verify('sha256', Buffer.concat([msg, Buffer.from('x')]), publicKey, sig)).to.equal(false);
    }
  });

  it('signingIdentity carries the MSP id and the certificate PEM bytes, and its signer uses the key', async () => {
    const id = signingIdentity('JilinLibraryMSP', user.certPem, user.keyPem);
    expect(id.identity.mspId).to.equal('JilinLibraryMSP');
    expect(new TextDecoder().decode(id.identity.credentials)).to.equal(user.certPem);
    const msg = Buffer.from('hello');
    const sig = await id.signer(createHash('sha256').update(msg).digest());
    expect(verify('sha256', msg, createPublicKey(user.certPem), sig)).to.equal(true);
  });

  it('refuses a key that does not belong to the certificate, a bad key, a bad MSP id', async () => {
    const other = await ca.issue({ commonName: 'other', kind: 'client' });
    const mismatch = (): unknown => signingIdentity('JilinLibraryMSP', user.certPem, other.keyPem);
    expect(mismatch).to.throw(ValidationError, /does not belong/);
    expect(() => newSigner('not a key')).to.throw(ValidationError, /private key/);
    expect(() => signingIdentity('bad msp', user.certPem, user.keyPem)).to.throw(ValidationError);
    expect(() => signingIdentity('JilinLibraryMSP', 'nope', user.keyPem)).to.throw(ValidationError, /certificate/);
  });
});
