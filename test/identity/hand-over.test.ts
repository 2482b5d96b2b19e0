import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConflictError, NotFoundError, ValidationError } from '../../node/core/errors.js';
import { main } from '../../node/cli/index.js';
import {
  consortiumLayout,
  handOverNationalIdentity,
  initConsortium,
  loadMspFolder,
  type ConsortiumInit,
} from '../../node/identity/index.js';

describe('identity: handing a national identity over to another home (shulian identity hand-over)', () => {
  let root: string;
  let province: string;
  let c: ConsortiumInit;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'shulian-handover-'));
    province = join(root, 'province');
    c = await initConsortium(province);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes the warehouse's MSP and TLS folders and both CA bundles, in the layout `shulian pull` reads", async () => {
    const warehouse = join(root, 'warehouse');
    const r = await handOverNationalIdentity(province, warehouse);
    expect(r).to.include({ mspId: 'NLCMSP', identity: 'warehouse' });
    const to = consortiumLayout(warehouse);
    const wh = to.national.users.warehouse;
    // A complete MSP folder that signs as the warehouse of NLCMSP.
    const msp = await loadMspFolder(wh.msp, 'NLCMSP');
    expect(msp.caCertsPem).to.have.length.greaterThan(0);
    expect(await readFile(wh.cert, 'utf8')).to.equal(await readFile(c.national.users.warehouse.cert, 'utf8'));
    expect(await readFile(wh.key, 'utf8')).to.equal(await readFile(c.national.users.warehouse.key, 'utf8'));
    expect(await readFile(wh.tls!.cert, 'utf8')).to.equal(await readFile(c.national.users.warehouse.tls!.cert, 'utf8'));
    expect(await readFile(to.caBundle, 'utf8')).to.equal(await readFile(c.caBundle, 'utf8'));
    expect(await readFile(to.tlsCaBundle, 'utf8')).to.equal(await readFile(c.tlsCaBundle, 'utf8'));
    // Nothing of the province's own identities or CA keys goes along.
    expect(r.written).to.have.length(3);
  });

  it('refuses to overwrite what the destination has, unless forced', async () => {
    const warehouse = join(root, 'again');
    await handOverNationalIdentity(province, warehouse);
    const err = await handOverNationalIdentity(province, warehouse).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as Error).message).to.match(/already exists.*--force/);
    await handOverNationalIdentity(province, warehouse, { force: true });
  });

  it('refuses peers and admins, unknown names, its own home, and a home without a consortium', async () => {
    const dest = join(root, 'x');
    const admin = await handOverNationalIdentity(province, dest, { identity: 'admin' }).catch((e: unknown) => e);
    expect(admin).to.be.instanceOf(ValidationError);
    expect((admin as ValidationError).ids.pointer).to.equal('/as');
    expect(
      await handOverNationalIdentity(province, dest, { identity: 'root' }).catch((e: unknown) => e),
    ).to.be.instanceOf(NotFoundError);
    const self = await handOverNationalIdentity(province, province).catch((e: unknown) => e);
    expect(self).to.be.instanceOf(ValidationError);
    expect((self as ValidationError).ids.pointer).to.equal('/to');
    const none = await handOverNationalIdentity(join(root, 'nothing'), dest).catch((e: unknown) => e);
    expect(none).to.be.instanceOf(NotFoundError);
    expect((none as Error).message).to.contain('shulian init');
  });

  it('`shulian identity hand-over --to` reports what it wrote, and exits non-zero on a refusal', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
    const dest = join(root, 'cli');
    let first: number;
    let second: number;
    try {
      first = await main(['node', 'shulian', 'identity', 'hand-over', '--home', province, '--to', dest, '--json']);
      second = await main(['node', 'shulian', 'identity', 'hand-over', '--home', province, '--to', dest]);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    expect(first).to.equal(0);
    expect(JSON.parse(out[0] ?? '')).to.include({ identity: 'warehouse', mspId: 'NLCMSP' });
    expect(second).to.not.equal(0);
    expect(err.join('')).to.contain('already exists');
  });
});
