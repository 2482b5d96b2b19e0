import '../../node/identity/reflect.js';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { createDevCa, loadDevCa, verifyCertChain, type DevCa } from '../../node/identity/index.js';
import { ValidationError } from '../../node/core/errors.js';
import { lowSRaw } from '../../node/identity/webcrypto.js';
import { webcrypto } from 'node:crypto';

const P256_HALF_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;
const DAY = 24 * 3600 * 1000;

/** s of a certificate's DER ECDSA signature. */
function signatureS(certPem: string): bigint {
  const cert = new x509.X509Certificate(certPem);
  const sig = Buffer.from(cert.signature);
  // SEQUENCE { INTEGER r, INTEGER s }, both short-form lengths for P-256
  const rLen = sig[3] ?? 0;
  const sLen = sig[4 + rLen + 1] ?? 0;
  return BigInt(`0x${sig.subarray(4 + rLen + 2, 4 + rLen + 2 + sLen).toString('hex')}`);
}

describe('identity: development CA', () => {
  let ca: DevCa;
  let other: DevCa;
  before(async () => {
    ca = await createDevCa({ mspId: 'JilinLibraryMSP' });
    other = await createDevCa({ mspId: 'JilinLibraryMSP' }); // same name, different key: a forgery
  });

  it('issues a CA certificate as Fabric expects one (CA:true, keyCertSign|cRLSign, SKI, P-256)', () => {
    const cert = new x509.X509Certificate(ca.certPem);
    const basic = cert.getExtension(x509.BasicConstraintsExtension);
    expect(basic?.ca).to.equal(true);
    expect(basic?.critical).to.equal(true);
    const usage = cert.getExtension(x509.KeyUsagesExtension)?.usages;
    expect(usage).to.equal(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).to.match(/^[0-9a-f]{64}$/);
    expect(cert.publicKey.algorithm).to.include({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(cert.signatureAlgorithm).to.include({ name: 'ECDSA' });
    expect(cert.subject).to.equal('O=JilinLibraryMSP, CN=ca.JilinLibraryMSP');
    const years = (cert.notAfter.getTime() - cert.notBefore.getTime()) / (365 * DAY);
    expect(years).to.be.within(9.9, 10.1);
  });

  it('issues client, admin, peer and orderer certificates with the NodeOU, O, AKI and digitalSignature', async () => {
    const caSki = new x509.X509Certificate(ca.certPem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    for (const kind of ['client', 'admin', 'peer', 'orderer'] as const) {
      const { certPem } = await ca.issue({ commonName: `${kind}1`, kind });
      const cert = new x509.X509Certificate(certPem);
      expect(cert.subject).to.equal(`O=JilinLibraryMSP, OU=${kind}, CN=${kind}1`);
      expect(cert.issuer).to.equal('O=JilinLibraryMSP, CN=ca.JilinLibraryMSP');
      expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).to.equal(false);
      expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).to.equal(x509.KeyUsageFlags.digitalSignature);
      expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).to.equal(caSki);
      expect(cert.getExtension(x509.ExtendedKeyUsageExtension)).to.equal(null);
      const attr = cert.extensions.find((e) => e.type === '1.2.3.4.5.6.7.8.1');
      expect(attr?.critical).to.equal(false);
      expect(verifyCertChain(certPem, [ca.certPem])).to.deep.equal({
        ok: true,
        issuer: 'O=JilinLibraryMSP, CN=ca.JilinLibraryMSP',
      });
    }
  });

  it('issues TLS server certificates with serverAuth, clientAuth and SANs (default localhost, 127.0.0.1)', async () => {
    const def = new x509.X509Certificate((await ca.issue({ commonName: 'gateway', kind: 'tls-server' })).certPem);
    expect(def.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(def.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).to.deep.equal([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    expect(def.extensions.find((e) => e.type === '1.2.3.4.5.6.7.8.1')).to.equal(undefined);
    const custom = new x509.X509Certificate(
      (await ca.issue({ commonName: 'gw', kind: 'tls-server', sans: ['gw.jilin.library.cn', '::1'] })).certPem,
    );
    expect(custom.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).to.deep.equal([
      { type: 'dns', value: 'gw.jilin.library.cn' },
      { type: 'ip', value: '::1' },
    ]);
  });

  it('issues TLS client certificates with clientAuth, O = MSP id and the role attribute', async () => {
    const cert = new x509.X509Certificate(
      (await ca.issue({ commonName: 'operator@JilinLibraryMSP', kind: 'tls-client', role: 'operator' })).certPem,
    );
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([x509.ExtendedKeyUsage.clientAuth]);
    expect(cert.subjectName.getField('O')).to.deep.equal(['JilinLibraryMSP']);
    const attr = cert.extensions.find((e) => e.type === '1.2.3.4.5.6.7.8.1');
    expect(JSON.parse(Buffer.from(attr?.value ?? new ArrayBuffer(0)).toString()).attrs['shulian.role']).to.equal(
      'operator',
    );
  });

  it('signs every certificate with a low-S signature', async () => {
    const pems = [ca.certPem, other.certPem];
    for (let i = 0; i < 24; i++) pems.push((await ca.issue({ commonName: `u${i}`, kind: 'client' })).certPem);
    for (const pem of pems) expect(signatureS(pem) <= P256_HALF_N).to.equal(true);
  });

  it('lowSRaw turns a high-S signature into the low-S one that still verifies, and keeps low-S ones', async () => {
    const alg = { name: 'ECDSA', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const data = Buffer.from('tbsCertificate');
    let high = 0;
    for (let i = 0; i < 40; i++) {
      const raw = new Uint8Array(await webcrypto.subtle.sign(alg, keys.privateKey, data));
      const s = BigInt(`0x${Buffer.from(raw.subarray(32)).toString('hex')}`);
      const low = lowSRaw(raw);
      if (s > P256_HALF_N) {
        high++;
        expect(Buffer.from(low).equals(Buffer.from(raw))).to.equal(false);
      } else {
        expect(low).to.equal(raw);
      }
      expect(BigInt(`0x${Buffer.from(low.subarray(32)).toString('hex')}`) <= P256_HALF_N).to.equal(true);
      expect(await webcrypto.subtle.verify(alg, keys.publicKey, low, data)).to.equal(true);
    }
    expect(high, 'about half of raw ECDSA signatures are high-S').to.be.greaterThan(0);
  });

  it('detects a certificate signed by a foreign CA with the same name', async () => {
    const { certPem } = await other.issue({ commonName: 'intruder', kind: 'client', role: 'operator' });
    const result = verifyCertChain(certPem, [ca.certPem]);
    expect(result.ok).to.equal(false);
    expect(result.reason).to.match(/does not verify with the key of CA/);
  });

  it('detects a certificate from an unknown issuer', async () => {
    const nlc = await createDevCa({ mspId: 'NLCMSP' });
    const { certPem } = await nlc.issue({ commonName: 'x', kind: 'client' });
    const result = verifyCertChain(certPem, [ca.certPem]);
    expect(result.ok).to.equal(false);
    expect(result.reason).to.match(/not a trusted CA/);
    expect(verifyCertChain(certPem, [ca.certPem, nlc.certPem]).ok).to.equal(true);
  });

  it('detects expired and not-yet-valid certificates, and checks at a given time', async () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2021-01-01T00:00:00Z');
    const { certPem } = await ca.issue({ commonName: 'old', kind: 'client', notBefore, notAfter });
    const now = verifyCertChain(certPem, [ca.certPem]);
    expect(now.ok).to.equal(false);
    expect(now.reason).to.match(/expired at 2021-01-01T00:00:00.000Z/);
    // the CA itself was not valid in 2020 (created now), so check the leaf's period through a CA valid then
    const oldCa = await createDevCa({ mspId: 'OldMSP', notBefore: new Date('2019-01-01T00:00:00Z') });
    const leaf = await oldCa.issue({ commonName: 'then', kind: 'client', notBefore, notAfter });
    expect(verifyCertChain(leaf.certPem, [oldCa.certPem], new Date('2020-06-01T00:00:00Z')).ok).to.equal(true);
    const early = verifyCertChain(leaf.certPem, [oldCa.certPem], new Date('2019-06-01T00:00:00Z'));
    expect(early.ok).to.equal(false);
    expect(early.reason).to.match(/not valid before 2020-01-01/);
  });

  it('detects an expired CA', async () => {
    const shortCa = await createDevCa({
      mspId: 'ShortMSP',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
    });
    const leaf = await shortCa.issue({ commonName: 'u', kind: 'client' });
    const result = verifyCertChain(leaf.certPem, [shortCa.certPem], new Date('2031-01-01T00:00:00Z'));
    expect(result.ok).to.equal(false);
    expect(result.reason).to.match(/expired/);
  });

  it('rejects a tampered certificate and garbage', async () => {
    const { certPem } = await ca.issue({ commonName: 'honest', kind: 'client', role: 'auditor' });
    const der = Buffer.from(new x509.X509Certificate(certPem).rawData);
    const at = der.indexOf(Buffer.from('auditor'));
    der.write('operatr', at); // same length, different role
    const forged = new x509.X509Certificate(der).toString('pem');
    expect(verifyCertChain(forged, [ca.certPem]).ok).to.equal(false);
    expect(verifyCertChain('not a certificate', [ca.certPem])).to.deep.equal({
      ok: false,
      reason: 'certificate is not a valid PEM X.509 certificate',
    });
  });

  it('validates issue options and names the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ commonName: '', kind: 'client' }, '/commonName'],
      [{ commonName: 'a', kind: 'root' }, '/kind'],
      [{ commonName: 'a', kind: 'client', role: '' }, '/role'],
      [{ commonName: 'a', kind: 'client', attrs: { x: 1 } }, '/attrs/x'],
      [{ commonName: 'a', kind: 'tls-server', sans: [''] }, '/sans/0'],
      [{ commonName: 'a', kind: 'client', notBefore: new Date('x') }, '/notBefore'],
      [{ commonName: 'a', kind: 'client', notBefore: new Date(2), notAfter: new Date(1) }, '/notAfter'],
    ];
    for (const [options, pointer] of cases) {
      const err = await ca.issue(options as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, pointer).to.be.instanceOf(ValidationError);
      expect((err as ValidationError).ids.pointer).to.equal(pointer);
    }
    const bad = await createDevCa({ mspId: 'no spaces' }).catch((e: unknown) => e);
    expect((bad as ValidationError).ids.pointer).to.equal('/mspId');
  });

  it('reloads a CA from its PEM files and keeps issuing under it; rejects a key that is not the CA', async () => {
    const again = await loadDevCa({ mspId: ca.mspId, certPem: ca.certPem, keyPem: ca.keyPem });
    expect(again.certPem).to.equal(ca.certPem);
    const { certPem } = await again.issue({ commonName: 'later', kind: 'client' });
    expect(verifyCertChain(certPem, [ca.certPem]).ok).to.equal(true);
    const mismatch = await loadDevCa({ mspId: ca.mspId, certPem: ca.certPem, keyPem: other.keyPem }).catch(
      (e: unknown) => e,
    );
    expect(mismatch).to.be.instanceOf(ValidationError);
    expect((mismatch as ValidationError).ids.pointer).to.equal('/keyPem');
    const leaf = await ca.issue({ commonName: 'leaf', kind: 'client' });
    const notCa = await loadDevCa({ mspId: ca.mspId, ...leaf }).catch((e: unknown) => e);
    expect((notCa as Error).message).to.match(/not a CA/);
  });
});
