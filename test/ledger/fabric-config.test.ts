import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, UnavailableError } from '../../node/core/errors.js';
import { loadConfig } from '../../node/core/config.js';
import { loadClientIdentity, openFabricFromConfig } from '../../node/ledger/index.js';
import { tempDir, testConsortium } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('Fabric connection settings (fabric-samples variables)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('shulian-fabric-config-'));
  });
  afterEach(() => cleanup());

  async function identityFiles(notAfter?: Date) {
    const c = await testConsortium();
    const issued = await c.org1.issue({
      commonName: 'op.jilin',
      kind: 'client',
      role: 'operator',
      ...(notAfter ? { notBefore: new Date(notAfter.getTime() - 86400e3), notAfter } : {}),
    });
    await mkdir(join(dir, 'msp', 'signcerts'), { recursive: true });
    await mkdir(join(dir, 'msp', 'keystore'), { recursive: true });
    await writeFile(join(dir, 'msp', 'signcerts', 'cert.pem'), issued.certPem);
    await writeFile(
      join(dir, 'msp', 'keystore', 'other_sk'),
      (await c.org1.issue({ commonName: 'x', kind: 'client' })).keyPem,
    );
    await writeFile(join(dir, 'msp', 'keystore', 'priv_sk'), issued.keyPem);
    return {
      certPath: join(dir, 'msp', 'signcerts'),
      keyDirectoryPath: join(dir, 'msp', 'keystore'),
      certPem: issued.certPem,
    };
  }

  it('loads CERT_PATH (file or signcerts/ folder) and the matching key among several in KEY_DIRECTORY_PATH', async () => {
    const f = await identityFiles();
    const fromDir = await loadClientIdentity({
      mspId: 'JilinLibraryMSP',
      certPath: f.certPath,
      keyDirectoryPath: f.keyDirectoryPath,
    });
    expect(fromDir.certPem).to.equal(f.certPem);
    expect(fromDir.identity.mspId).to.equal('JilinLibraryMSP');
    const fromFile = await loadClientIdentity({
      mspId: 'JilinLibraryMSP',
      certPath: join(f.certPath, 'cert.pem'),
      keyDirectoryPath: f.keyDirectoryPath,
    });
    expect(Buffer.from(fromFile.identity.credentials).toString()).to.equal(f.certPem);
  });

  it('names the variable: expired certificate, missing file, no matching key, CERT_PATH without KEY_DIRECTORY_PATH', async () => {
    const expired = await identityFiles(new Date(Date.now() - 3600e3));
    const e1 = await rejection(
      loadClientIdentity({
        mspId: 'JilinLibraryMSP',
        certPath: expired.certPath,
        keyDirectoryPath: expired.keyDirectoryPath,
      }),
    );
    expect(e1).to.be.instanceOf(ConfigError);
    expect(e1.message).to.match(/^CERT_PATH .* is not valid now .* reenroll/);
    const e2 = await rejection(
      loadClientIdentity({ mspId: 'JilinLibraryMSP', certPath: join(dir, 'nope.pem'), keyDirectoryPath: dir }),
    );
    expect(e2.message).to.match(/^CERT_PATH .*nope\.pem does not exist/);
    await mkdir(join(dir, 'empty'));
    const e3 = await rejection(
      loadClientIdentity({
        mspId: 'JilinLibraryMSP',
        certPath: expired.certPath,
        keyDirectoryPath: join(dir, 'empty'),
        now: new Date(Date.now() - 2 * 3600e3),
      }),
    );
    expect(e3.message).to.match(/^KEY_DIRECTORY_PATH .* holds no private key matching/);
    const e4 = await rejection(
      openFabricFromConfig({ ...loadConfig({}), certPath: expired.certPath, keyDirectoryPath: '' }),
    );
    expect(e4.message).to.equal('CERT_PATH is set but KEY_DIRECTORY_PATH is not');
    const e5 = await rejection(openFabricFromConfig({ ...loadConfig({}), tlsCertPath: join(dir, 'missing-ca.crt') }));
    expect(e5.message).to.match(/^TLS_CERT_PATH .* cannot be read/);
  });

  it('reports an unreachable peer as UnavailableError naming PEER_ENDPOINT, after a bounded wait', async () => {
    const f = await identityFiles();
    const { connection, identity } = await openFabricFromConfig({
      ...loadConfig({}),
      peerEndpoint: '127.0.0.1:1',
      certPath: f.certPath,
      keyDirectoryPath: f.keyDirectoryPath,
    });
    try {
      const err = await rejection(connection.connect(identity as NonNullable<typeof identity>).height());
      expect(err).to.be.instanceOf(UnavailableError);
      expect(err.message).to.include('127.0.0.1:1');
    } finally {
      await connection.close();
    }
  });
});
