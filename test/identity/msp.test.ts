import { mkdtemp, readFile, rm, stat, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  createDevCa,
  loadMspFolder,
  verifyCertChain,
  writeMspFolder,
  type DevCa,
  type IssuedCert,
} from '../../node/identity/index.js';
import { NotFoundError, ValidationError } from '../../node/core/errors.js';

describe('identity: MSP folders', () => {
  let dir: string;
  let ca: DevCa;
  let tlsCa: DevCa;
  let user: IssuedCert;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shulian-msp-'));
    ca = await createDevCa({ mspId: 'JilinLibraryMSP' });
    tlsCa = await createDevCa({ mspId: 'JilinLibraryMSP', commonName: 'tlsca.JilinLibraryMSP' });
    user = await ca.issue({ commonName: 'operator', kind: 'client', role: 'operator' });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes cryptogen's layout, key 0600, and NodeOUs config", async () => {
    const msp = join(dir, 'round-trip');
    await writeMspFolder(msp, { ...user, caCertPem: ca.certPem, tlsCaCertPem: tlsCa.certPem });
    expect(await readFile(join(msp, 'signcerts', 'cert.pem'), 'utf8')).to.equal(user.certPem);
    expect(await readFile(join(msp, 'keystore', 'priv_sk'), 'utf8')).to.equal(user.keyPem);
    expect((await stat(join(msp, 'keystore', 'priv_sk'))).mode & 0o777).to.equal(0o600);
    expect((await stat(join(msp, 'keystore'))).mode & 0o777).to.equal(0o700);
    expect(await readFile(join(msp, 'cacerts', 'ca.pem'), 'utf8')).to.equal(ca.certPem);
    expect(await readFile(join(msp, 'tlscacerts', 'tlsca.pem'), 'utf8')).to.equal(tlsCa.certPem);
    const config = await readFile(join(msp, 'config.yaml'), 'utf8');
    expect(config).to.equal(
      [
        'NodeOUs:',
        '  Enable: true',
        '  ClientOUIdentifier:',
        '    Certificate: cacerts/ca.pem',
        '    OrganizationalUnitIdentifier: client',
        '  PeerOUIdentifier:',
        '    Certificate: cacerts/ca.pem',
        '    OrganizationalUnitIdentifier: peer',
        '  AdminOUIdentifier:',
        '    Certificate: cacerts/ca.pem',
        '    OrganizationalUnitIdentifier: admin',
        '  OrdererOUIdentifier:',
        '    Certificate: cacerts/ca.pem',
        '    OrganizationalUnitIdentifier: orderer',
        '',
      ].join('\n'),
    );
  });

  it('loads back what it wrote: same certificate, same key, the CA certificates, a working signer', async () => {
    const msp = join(dir, 'round-trip');
    const loaded = await loadMspFolder(msp, 'JilinLibraryMSP');
    expect(loaded.certPem).to.equal(user.certPem);
    expect(loaded.keyPem).to.equal(user.keyPem);
    expect(loaded.identity.mspId).to.equal('JilinLibraryMSP');
    expect(new TextDecoder().decode(loaded.identity.credentials)).to.equal(user.certPem);
    expect(loaded.caCertsPem).to.deep.equal([ca.certPem]);
    expect(verifyCertChain(loaded.certPem, loaded.caCertsPem).ok).to.equal(true);
    expect((await loaded.signer(new Uint8Array(32))).length).to.be.within(8, 72);
  });

  it('loads a folder laid out by fabric-ca-client (cert name, <ski>_sk key name, several keys)', async () => {
    const msp = join(dir, 'fabric-ca');
    const stale = await ca.issue({ commonName: 'stale', kind: 'client' });
    await mkdir(join(msp, 'signcerts'), { recursive: true });
    await mkdir(join(msp, 'keystore'), { recursive: true });
    await writeFile(join(msp, 'signcerts', 'cert.pem'), user.certPem);
    await writeFile(join(msp, 'keystore', '0a1b_sk'), stale.keyPem);
    await writeFile(join(msp, 'keystore', 'ff00_sk'), user.keyPem);
    const loaded = await loadMspFolder(msp, 'JilinLibraryMSP');
    expect(loaded.keyPem).to.equal(user.keyPem);
    expect(loaded.caCertsPem).to.deep.equal([]);
  });

  it('names what is missing or wrong', async () => {
    const msp = join(dir, 'broken');
    const missing = await loadMspFolder(msp, 'JilinLibraryMSP').catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(NotFoundError);
    expect((missing as NotFoundError).message).to.include('signcerts');
    await writeMspFolder(msp, { ...user, caCertPem: ca.certPem });
    const other = await ca.issue({ commonName: 'other', kind: 'client' });
    await writeFile(join(msp, 'keystore', 'priv_sk'), other.keyPem);
    const mismatch = await loadMspFolder(msp, 'JilinLibraryMSP').catch((e: unknown) => e);
    expect(mismatch).to.be.instanceOf(ValidationError);
    expect((mismatch as Error).message).to.match(/does not belong/);
    await unlink(join(msp, 'keystore', 'priv_sk'));
    const noKey = await loadMspFolder(msp, 'JilinLibraryMSP').catch((e: unknown) => e);
    expect(noKey).to.be.instanceOf(NotFoundError);
    const wrongPair = await writeMspFolder(join(dir, 'never'), {
      certPem: user.certPem,
      keyPem: other.keyPem,
      caCertPem: ca.certPem,
    }).catch((e: unknown) => e);
    expect(wrongPair).to.be.instanceOf(ValidationError);
    const never = await stat(join(dir, 'never')).catch((e: unknown) => e);
    expect((never as NodeJS.ErrnoException).code).to.equal('ENOENT');
  });
});
