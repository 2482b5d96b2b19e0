import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { expect } from 'chai';
import {
  clientIdentityAttributes,
  consortiumFiles,
  consortiumLayout,
  findIdentity,
  initConsortium,
  readConsortiumLayout,
  loadMspFolder,
  USER_ROLES,
  verifyCertChain,
  type ConsortiumInit,
} from '../../node/identity/index.js';
import { ConfigError, NotFoundError, ValidationError } from '../../node/core/errors.js';
import { main } from '../../node/cli/index.js';
import { shimClientIdentity } from './shim.js';

function pemBlocks(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
}

async function snapshot(files: readonly string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(f, 'utf8')] as const)));
}

describe('identity: development consortium (shulian init)', () => {
  let home: string;
  let c: ConsortiumInit;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'shulian-init-'));
    c = await initConsortium(home);
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('lays out the province (JilinLibraryMSP) and the national library (NLCMSP) where consortiumLayout says', async () => {
    expect(c.created).to.equal(true);
    const { created: _created, ...layout } = c;
    expect(layout).to.deep.equal(consortiumLayout(home));
    expect(c.province.mspId).to.equal('JilinLibraryMSP');
    expect(c.national.mspId).to.equal('NLCMSP');
    expect(c.dir).to.equal(join(home, 'consortium'));
    for (const f of consortiumFiles(c)) expect((await stat(f)).isFile(), f).to.equal(true);
    expect(c.national.gatewayTls).to.equal(undefined);
    const manifest = JSON.parse(await readFile(c.manifest, 'utf8'));
    expect(manifest).to.include({ schemaVersion: 1, provinceMsp: 'JilinLibraryMSP', nationalMsp: 'NLCMSP' });
  });

  it('every private key is 0600', async () => {
    const keys = consortiumFiles(c).filter((f) => /(priv_sk|-key\.pem|\.key)$/.test(f));
    expect(keys.length).to.equal(2 * (2 + 6 + 4) + 1);
    for (const k of keys) expect((await stat(k)).mode & 0o777, k).to.equal(0o600);
  });

  it('bundles hold each org CA; every identity chains to its own org CA through the bundle and not to the other', async () => {
    const caBundle = pemBlocks(await readFile(c.caBundle, 'utf8'));
    const tlsBundle = pemBlocks(await readFile(c.tlsCaBundle, 'utf8'));
    expect(caBundle).to.deep.equal([
      await readFile(c.province.caCert, 'utf8'),
      await readFile(c.national.caCert, 'utf8'),
    ]);
    expect(tlsBundle).to.deep.equal([
      await readFile(c.province.tlsCaCert, 'utf8'),
      await readFile(c.national.tlsCaCert, 'utf8'),
    ]);
    for (const org of c.orgs) {
      const own = await readFile(org.caCert, 'utf8');
      const foreign = await readFile((org === c.province ? c.national : c.province).caCert, 'utf8');
      for (const id of [org.peer, org.admin, ...Object.values(org.users)]) {
        const cert = await readFile(id.cert, 'utf8');
        const result = verifyCertChain(cert, caBundle);
        expect(result.ok, id.cert).to.equal(true);
        expect(result.issuer).to.equal(`O=${org.mspId}, CN=ca.${org.mspId}`);
        expect(verifyCertChain(cert, [foreign]).ok).to.equal(false);
        expect(verifyCertChain(cert, [own]).ok).to.equal(true);
        expect(verifyCertChain(cert, tlsBundle).ok, 'a TLS CA must not vouch for an MSP identity').to.equal(false);
        if (id.tls) expect(verifyCertChain(await readFile(id.tls.cert, 'utf8'), tlsBundle).ok).to.equal(true);
      }
    }
  });

  it("users carry their role as fabric-shim's ClientIdentity reads it; peer and admin carry their NodeOU", async () => {
    for (const org of c.orgs) {
      for (const role of USER_ROLES) {
        const user = org.users[role];
        const loaded = await loadMspFolder(user.msp, org.mspId);
        const ci = shimClientIdentity(org.mspId, loaded.certPem);
        expect(ci.getAttributeValue('shulian.role')).to.equal(role);
        expect(ci.getID()).to.equal(
          `x509::/O=${org.mspId}/OU=client/CN=${role}@${org.mspId}::/O=${org.mspId}/CN=ca.${org.mspId}`,
        );
        const tlsCert = await readFile(user.tls?.cert ?? '', 'utf8');
        expect(clientIdentityAttributes(tlsCert)['shulian.role']).to.equal(role);
        expect(new X509Certificate(tlsCert).subject).to.include(`O=${org.mspId}`);
      }
      expect(new X509Certificate(await readFile(org.peer.cert, 'utf8')).subject).to.include('OU=peer');
      expect(new X509Certificate(await readFile(org.admin.cert, 'utf8')).subject).to.include('OU=admin');
      expect(clientIdentityAttributes(await readFile(org.admin.cert, 'utf8'))['shulian.role']).to.equal(undefined);
    }
  });

  it('the gateway TLS server certificate and a user TLS client certificate complete a mutual TLS handshake', async () => {
    const gw = c.province.gatewayTls;
    const user = c.national.users.warehouse.tls;
    if (!gw || !user) throw new Error('missing TLS files');
    const server = createServer({
      key: await readFile(gw.key),
      cert: await readFile(gw.cert),
      ca: await readFile(gw.ca),
      requestCert: true,
      rejectUnauthorized: true,
    });
    // the server answers with what it learned from the client certificate: org (O) and role attribute
    server.on('secureConnection', (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      const role = clientIdentityAttributes(toPem(peer.raw))['shulian.role'];
      socket.end(JSON.stringify({ authorized: socket.authorized, o: peer.subject.O, role }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      // the client checks the server certificate against the name it dialled: both SANs must be there
      for (const host of ['localhost', '127.0.0.1']) {
        const socket = connect({
          host,
          port,
          ...(host === 'localhost' ? { servername: host } : {}),
          key: await readFile(user.key),
          cert: await readFile(user.cert),
          ca: await readFile(user.ca),
        });
        const chunks: Buffer[] = [];
        const answer = await new Promise<string>((resolve, reject) => {
          socket.on('data', (d: Buffer) => chunks.push(d));
          socket.once('end', () => resolve(Buffer.concat(chunks).toString()));
          socket.once('error', reject);
        });
        expect(socket.authorized, `client trusts the gateway as ${host}`).to.equal(true);
        socket.destroy();
        expect(JSON.parse(answer)).to.deep.equal({ authorized: true, o: 'NLCMSP', role: 'warehouse' });
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a second run keeps every file as it was', async () => {
    const before = await snapshot(consortiumFiles(c));
    const again = await initConsortium(home);
    expect(again.created).to.equal(false);
    expect(await snapshot(consortiumFiles(again))).to.deep.equal(before);
  });

  it('refuses to mix orgs with an existing consortium, and an incomplete one, unless forced', async () => {
    const other = await initConsortium(home, { provinceMsp: 'HeilongjiangLibraryMSP' }).catch((e: unknown) => e);
    expect(other).to.be.instanceOf(ConfigError);
    expect((other as Error).message).to.match(/JilinLibraryMSP.*--force/);
    const scratch = await mkdtemp(join(tmpdir(), 'shulian-init-'));
    try {
      const first = await initConsortium(scratch);
      await unlink(first.province.users.auditor.key);
      const incomplete = await initConsortium(scratch).catch((e: unknown) => e);
      expect(incomplete).to.be.instanceOf(ConfigError);
      expect((incomplete as ConfigError).ids.file).to.equal(first.province.users.auditor.key);
      const oldCa = await readFile(first.province.caCert, 'utf8');
      const forced = await initConsortium(scratch, { force: true, provinceMsp: 'HeilongjiangLibraryMSP' });
      expect(forced.created).to.equal(true);
      expect(forced.province.mspId).to.equal('HeilongjiangLibraryMSP');
      expect(await readFile(forced.province.caCert, 'utf8')).to.not.equal(oldCa);
      for (const f of consortiumFiles(forced)) await stat(f);
      await stat(first.province.dir).then(
        () => expect.fail('the old org is gone after --force'),
        () => undefined,
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('readConsortiumLayout finds the orgs from the manifest, and says to run init when there is none', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'shulian-read-'));
    try {
      const none = await readConsortiumLayout(scratch).catch((e: unknown) => e);
      expect(none).to.be.instanceOf(NotFoundError);
      expect((none as Error).message).to.include('shulian init');
      await initConsortium(scratch, { provinceMsp: 'HeilongjiangLibraryMSP', nationalMsp: 'NLC2MSP' });
      const layout = await readConsortiumLayout(scratch);
      expect(layout).to.deep.equal(
        consortiumLayout(scratch, { provinceMsp: 'HeilongjiangLibraryMSP', nationalMsp: 'NLC2MSP' }),
      );
      expect((await initConsortium(scratch)).created, 'a plain re-run keeps the orgs it finds').to.equal(false);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('validates options and finds identities by org and name', async () => {
    const same = await initConsortium(home, { provinceMsp: 'NLCMSP' }).catch((e: unknown) => e);
    expect((same as ValidationError).ids.pointer).to.equal('/nationalMsp');
    expect(() => consortiumLayout(home, { provinceMsp: 'a b' })).to.throw(ValidationError);
    expect(findIdentity(c, 'NLCMSP', 'warehouse')).to.equal(c.national.users.warehouse);
    expect(findIdentity(c, 'JilinLibraryMSP', 'peer0')).to.equal(c.province.peer);
    expect(() => findIdentity(c, 'JilinLibraryMSP', 'root')).to.throw(NotFoundError);
    expect(() => findIdentity(c, 'XMSP', 'operator')).to.throw(NotFoundError);
  });

  it('`shulian init` creates, then keeps, and reports where', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'shulian-cli-'));
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      expect(await main(['node', 'shulian', 'init', '--home', scratch, '--org', 'JilinLibraryMSP'])).to.equal(0);
      expect(await main(['node', 'shulian', 'init', '--home', scratch, '--json'])).to.equal(0);
    } finally {
      process.stdout.write = write;
      await rm(scratch, { recursive: true, force: true });
    }
    expect(out[0]).to.match(/^Created a development consortium in .*consortium/);
    expect(out[0]).to.include('ca-bundle.pem');
    expect(out[0]).to.include('JilinLibraryMSP/users/rights-admin/msp');
    const json = JSON.parse(out[1] ?? '') as ConsortiumInit;
    expect(json.created).to.equal(false);
    expect(json.province.users.operator.msp).to.equal(
      join(scratch, 'consortium', 'JilinLibraryMSP', 'users', 'operator', 'msp'),
    );
  });
});

function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}
