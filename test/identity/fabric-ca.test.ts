import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AccessDeniedError, NotFoundError, UnavailableError, ValidationError } from '../../node/core/errors.js';
import {
  clientIdentityAttributes,
  enrollIdentity,
  loadMspFolder,
  reenrollIdentity,
  registerIdentity,
  registrarFromMsp,
  revokeIdentity,
} from '../../node/identity/index.js';
import { tempDir } from '../ledger/helpers.js';
import { startCaDouble, type CaDouble } from './ca-double.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('Fabric CA identities (fabric-ca-client against an HTTP double of the CA REST API)', function () {
  let ca: CaDouble;
  let dir: string;
  let cleanup: () => Promise<void>;
  const mspId = 'JilinLibraryMSP';

  beforeEach(async () => {
    ca = await startCaDouble(mspId);
    ({ dir, cleanup } = await tempDir('shulian-ca-'));
  });
  afterEach(async () => {
    await ca.close();
    await cleanup();
  });

  it('enrolls the bootstrap admin, registers an operator with shulian.role, and enrolls it into an MSP folder', async () => {
    const adminDir = join(dir, 'admin', 'msp');
    const admin = await enrollIdentity({
      ca: { url: ca.url },
      enrollmentId: 'admin',
      secret: 'adminpw',
      mspId,
      mspDir: adminDir,
    });
    expect(admin.subject).to.include('CN=admin');
    const registrar = await registrarFromMsp(adminDir, mspId);
    const { secret } = await registerIdentity({
      ca: { url: ca.url },
      registrar,
      enrollmentId: 'operator1',
      role: 'operator',
    });
    expect(secret).to.match(/^[0-9a-f]{12}$/);
    expect(ca.identities.get('operator1')?.attrs).to.deep.equal([
      { name: 'shulian.role', value: 'operator', ecert: true },
    ]);
    expect(ca.requests.at(-1)).to.deep.equal({ path: '/api/v1/register', as: 'admin' });

    const opDir = join(dir, 'operator1', 'msp');
    const op = await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'operator1', secret, mspId, mspDir: opDir });
    expect(op.role).to.equal('operator');
    // the MSP folder is what the node and the peer CLI load: cert, matching key, CA, NodeOUs
    const loaded = await loadMspFolder(opDir, mspId);
    expect(clientIdentityAttributes(loaded.certPem)['shulian.role']).to.equal('operator');
    expect(loaded.caCertsPem).to.deep.equal([ca.ca.certPem]);
    expect(await readFile(join(opDir, 'config.yaml'), 'utf8')).to.include('Enable: true');
  });

  it('reenrolls: a new key and certificate with the same subject and role, replacing the old files', async () => {
    const adminDir = join(dir, 'admin', 'msp');
    await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'admin', secret: 'adminpw', mspId, mspDir: adminDir });
    const registrar = await registrarFromMsp(adminDir, mspId);
    const { secret } = await registerIdentity({
      ca: { url: ca.url },
      registrar,
      enrollmentId: 'rights1',
      role: 'rights-admin',
      secret: 's3cret',
    });
    expect(secret).to.equal('s3cret');
    const mspDir = join(dir, 'rights1', 'msp');
    const before = await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'rights1', secret, mspId, mspDir });
    const keyBefore = await readFile(join(mspDir, 'keystore', 'priv_sk'), 'utf8');
    const after = await reenrollIdentity({ ca: { url: ca.url }, mspDir, mspId });
    expect(after.serial).to.not.equal(before.serial);
    expect(after.subject).to.equal(before.subject);
    expect(after.role).to.equal('rights-admin');
    expect(await readFile(join(mspDir, 'keystore', 'priv_sk'), 'utf8')).to.not.equal(keyBefore);
    expect((await loadMspFolder(mspDir, mspId)).certPem).to.equal(after.certPem);
    expect(ca.requests.at(-1)).to.deep.equal({ path: '/api/v1/reenroll', as: 'rights1' });
  });

  it('revokes an identity: its certificates are listed, a CRL is written, and it can no longer authenticate', async () => {
    const adminDir = join(dir, 'admin', 'msp');
    await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'admin', secret: 'adminpw', mspId, mspDir: adminDir });
    const registrar = await registrarFromMsp(adminDir, mspId);
    const { secret } = await registerIdentity({
      ca: { url: ca.url },
      registrar,
      enrollmentId: 'auditor1',
      role: 'auditor',
    });
    const mspDir = join(dir, 'auditor1', 'msp');
    const enrolled = await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'auditor1', secret, mspId, mspDir });
    const crl = join(dir, 'crl.pem');
    const r = await revokeIdentity({
      ca: { url: ca.url },
      registrar,
      enrollmentId: 'auditor1',
      reason: 'keycompromise',
      crlFile: crl,
    });
    expect(r.revoked.map((c: { serial: string }) => c.serial)).to.deep.equal([enrolled.serial]);
    expect(await readFile(crl, 'utf8')).to.match(/^-----BEGIN X509 CRL-----/);
    const denied = await rejection(reenrollIdentity({ ca: { url: ca.url }, mspDir, mspId }));
    expect(denied).to.be.instanceOf(AccessDeniedError);
    expect(denied.message).to.include('revoked');
  });

  it('names the cause: wrong secret, not a registrar, unknown identity, unreachable CA, bad input', async () => {
    const wrong = await rejection(
      enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'admin', secret: 'nope', mspId, mspDir: join(dir, 'x') }),
    );
    expect(wrong).to.be.instanceOf(AccessDeniedError);
    expect(wrong.message).to.equal('the CA refused enroll: Authentication failure (code 20)');

    const adminDir = join(dir, 'admin', 'msp');
    await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'admin', secret: 'adminpw', mspId, mspDir: adminDir });
    const registrar = await registrarFromMsp(adminDir, mspId);
    const { secret } = await registerIdentity({
      ca: { url: ca.url },
      registrar,
      enrollmentId: 'op2',
      role: 'operator',
    });
    await enrollIdentity({ ca: { url: ca.url }, enrollmentId: 'op2', secret, mspId, mspDir: join(dir, 'op2') });
    const notRegistrar = await rejection(
      registerIdentity({
        ca: { url: ca.url },
        registrar: await registrarFromMsp(join(dir, 'op2'), mspId),
        enrollmentId: 'x',
      }),
    );
    expect(notRegistrar).to.be.instanceOf(AccessDeniedError);
    expect(notRegistrar.message).to.include('not a registrar');

    const unknown = await rejection(revokeIdentity({ ca: { url: ca.url }, registrar, enrollmentId: 'ghost' }));
    expect(unknown).to.be.instanceOf(NotFoundError);

    const down = await rejection(
      enrollIdentity({
        ca: { url: 'http://127.0.0.1:1' },
        enrollmentId: 'admin',
        secret: 'adminpw',
        mspId,
        mspDir: join(dir, 'y'),
      }),
    );
    expect(down).to.be.instanceOf(UnavailableError);
    expect(down.message).to.include('http://127.0.0.1:1');

    const role = await rejection(
      registerIdentity({ ca: { url: ca.url }, registrar, enrollmentId: 'z', role: 'librarian' }),
    );
    expect((role as ValidationError).ids.pointer).to.equal('/role');
    const url = await rejection(
      enrollIdentity({ ca: { url: 'ftp://ca' }, enrollmentId: 'a', secret: 'b', mspId, mspDir: join(dir, 'z') }),
    );
    expect((url as ValidationError).ids.pointer).to.equal('/url');
    expect(ca.identities.has('z')).to.equal(false);
  });
});
