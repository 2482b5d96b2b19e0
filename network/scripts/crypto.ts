/**
 * Crypto material for the local consortium, issued by the project's development CA (node/identity), which
 * writes what Fabric CA writes: NodeOU subjects (client, peer, admin, orderer) and the Fabric CA attribute
 * extension carrying `shulian.role` (cryptogen cannot: its certificates have no attributes, and the
 * chaincode takes roles from that attribute). Layout: cryptogen's, under $NETWORK_HOME/organizations, plus
 * one Shulian home per peer org (homes/<MSP>/consortium, the layout `shulian init` writes) so the node
 * finds every identity by name.
 *
 * Usage: tsx network/scripts/crypto.ts <NETWORK_HOME> <ORDERER_COUNT>
 * Idempotent: an existing organizations/ tree is kept; the homes' consortium files are rewritten from it.
 */
import { access, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import {
  consortiumLayout,
  createDevCa,
  USER_ROLES,
  writeMspFolder,
  writeOrgMspFolder,
  type DevCa,
  type IdentityLayout,
  type IssuedCert,
} from '../../node/identity/index.js';

interface Org {
  readonly mspId: string;
  readonly domain: string;
  readonly kind: 'orderer' | 'peer';
  readonly nodes: readonly string[];
}

const home = process.argv[2];
const ordererCount = Number(process.argv[3] ?? '1');
if (!home || !(ordererCount === 1 || ordererCount === 3)) {
  console.error('usage: crypto.ts <NETWORK_HOME> <1|3>');
  process.exit(2);
}

export const ORGS: readonly Org[] = [
  {
    mspId: 'NLCOrdererMSP',
    domain: 'orderer.library.cn',
    kind: 'orderer',
    nodes: Array.from({ length: ordererCount }, (_, i) => `orderer${i}`),
  },
  { mspId: 'NLCMSP', domain: 'nlc.library.cn', kind: 'peer', nodes: ['peer0'] },
  { mspId: 'JilinLibraryMSP', domain: 'jilin.library.cn', kind: 'peer', nodes: ['peer0'] },
  { mspId: 'HebeiLibraryMSP', domain: 'hebei.library.cn', kind: 'peer', nodes: ['peer0'] },
];

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function write(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, { mode });
}

async function writeTls(dir: string, issued: IssuedCert, caPem: string, side: 'server' | 'client'): Promise<void> {
  await write(join(dir, `${side}.crt`), issued.certPem);
  await write(join(dir, `${side}.key`), issued.keyPem, 0o600);
  await write(join(dir, 'ca.crt'), caPem);
}

interface Issued {
  ca: DevCa;
  tlsCa: DevCa;
  dir: string;
}

async function issueOrg(root: string, org: Org): Promise<Issued> {
  const dir = join(root, `${org.kind}Organizations`, org.domain);
  const ca = await createDevCa({ mspId: org.mspId, commonName: `ca.${org.domain}` });
  const tlsCa = await createDevCa({ mspId: org.mspId, commonName: `tlsca.${org.domain}` });
  await write(join(dir, 'ca', 'ca-cert.pem'), ca.certPem);
  await write(join(dir, 'ca', 'ca-key.pem'), ca.keyPem, 0o600);
  await write(join(dir, 'tlsca', 'tlsca-cert.pem'), tlsCa.certPem);
  await write(join(dir, 'tlsca', 'tlsca-key.pem'), tlsCa.keyPem, 0o600);
  await writeOrgMspFolder(join(dir, 'msp'), { caCertPem: ca.certPem, tlsCaCertPem: tlsCa.certPem });
  const material = (issued: IssuedCert) => ({ ...issued, caCertPem: ca.certPem, tlsCaCertPem: tlsCa.certPem });
  for (const node of org.nodes) {
    const host = `${node}.${org.domain}`;
    const nodeDir = join(dir, `${org.kind}s`, host);
    await writeMspFolder(join(nodeDir, 'msp'), material(await ca.issue({ commonName: host, kind: org.kind })));
    await writeTls(
      join(nodeDir, 'tls'),
      await tlsCa.issue({ commonName: host, kind: 'tls-server', sans: [host, 'localhost', '127.0.0.1'] }),
      tlsCa.certPem,
      'server',
    );
  }
  const user = (name: string) => join(dir, 'users', `${name}@${org.domain}`);
  await writeMspFolder(
    join(user('Admin'), 'msp'),
    material(await ca.issue({ commonName: `Admin@${org.domain}`, kind: 'admin' })),
  );
  // osnadmin and peer CLI clients present a TLS client certificate
  await writeTls(
    join(user('Admin'), 'tls'),
    await tlsCa.issue({ commonName: `Admin@${org.domain}`, kind: 'tls-client' }),
    tlsCa.certPem,
    'client',
  );
  if (org.kind === 'peer') {
    for (const role of USER_ROLES) {
      await writeMspFolder(
        join(user(role), 'msp'),
        material(await ca.issue({ commonName: `${role}@${org.domain}`, kind: 'client', role })),
      );
      await writeTls(
        join(user(role), 'tls'),
        await tlsCa.issue({ commonName: `${role}@${org.domain}`, kind: 'tls-client', role }),
        tlsCa.certPem,
        'client',
      );
    }
    const gw = join(dir, 'gateway', 'tls');
    await writeTls(
      gw,
      await tlsCa.issue({ commonName: `gateway.${org.domain}`, kind: 'tls-server', sans: ['localhost', '127.0.0.1'] }),
      tlsCa.certPem,
      'server',
    );
  }
  return { ca, tlsCa, dir };
}

/** One Shulian home per peer org: its own org as province, NLC as national (NLC's home has Jilin as partner). */
async function writeHome(root: string, province: Org, national: Org, name = province.mspId): Promise<void> {
  const layout = consortiumLayout(join(root, 'homes', name), {
    provinceMsp: province.mspId,
    nationalMsp: national.mspId,
  });
  const orgDir = (o: Org) => join(root, 'peerOrganizations', o.domain);
  const pairs: [string, string][] = [];
  for (const [org, src] of [
    [layout.province, province],
    [layout.national, national],
  ] as const) {
    const d = orgDir(src);
    pairs.push([join(d, 'ca', 'ca-cert.pem'), org.caCert], [join(d, 'ca', 'ca-key.pem'), org.caKey]);
    pairs.push([join(d, 'tlsca', 'tlsca-cert.pem'), org.tlsCaCert], [join(d, 'tlsca', 'tlsca-key.pem'), org.tlsCaKey]);
    pairs.push(
      [join(d, 'msp', 'cacerts', 'ca.pem'), join(org.msp, 'cacerts', 'ca.pem')],
      [join(d, 'msp', 'tlscacerts', 'tlsca.pem'), join(org.msp, 'tlscacerts', 'tlsca.pem')],
    );
    pairs.push([join(d, 'msp', 'config.yaml'), join(org.msp, 'config.yaml')]);
    const idSrc = (id: IdentityLayout) =>
      id.kind === 'peer'
        ? join(d, 'peers', `peer0.${src.domain}`)
        : join(d, 'users', `${id.kind === 'admin' ? 'Admin' : id.name}@${src.domain}`);
    for (const id of [org.peer, org.admin, ...USER_ROLES.map((r) => org.users[r])]) {
      for (const f of [
        'signcerts/cert.pem',
        'keystore/priv_sk',
        'cacerts/ca.pem',
        'tlscacerts/tlsca.pem',
        'config.yaml',
      ])
        pairs.push([join(idSrc(id), 'msp', f), join(id.msp, f)]);
      if (id.tls) {
        pairs.push(
          [join(idSrc(id), 'tls', 'client.crt'), id.tls.cert],
          [join(idSrc(id), 'tls', 'client.key'), id.tls.key],
        );
      }
    }
    if (org.gatewayTls)
      pairs.push(
        [join(d, 'gateway', 'tls', 'server.crt'), org.gatewayTls.cert],
        [join(d, 'gateway', 'tls', 'server.key'), org.gatewayTls.key],
      );
  }
  for (const [from, to] of pairs) {
    await mkdir(dirname(to), { recursive: true });
    await copyFile(from, to);
  }
  const { readFile } = await import('node:fs/promises');
  // On Fabric every org's CA signs something a verifier meets: the orderer org's signs blocks, each peer
  // org's its endorsements. The home pins them all (and every library's TLS CA, for gateway clients).
  let caBundle = '';
  let tlsBundle = '';
  for (const o of ORGS) {
    const d = join(root, `${o.kind}Organizations`, o.domain);
    caBundle += await readFile(join(d, 'ca', 'ca-cert.pem'), 'utf8');
    if (o.kind === 'peer') tlsBundle += await readFile(join(d, 'tlsca', 'tlsca-cert.pem'), 'utf8');
  }
  await write(layout.caBundle, caBundle);
  await write(layout.tlsCaBundle, tlsBundle);
  for (const org of layout.orgs) {
    for (const id of Object.values(org.users)) if (id.tls) await write(id.tls.ca, tlsBundle);
    if (org.gatewayTls) await write(org.gatewayTls.ca, tlsBundle);
  }
  const rel = (p: string) => relative(layout.dir, p);
  await write(
    layout.manifest,
    `${JSON.stringify(
      {
        schemaVersion: 1,
        provinceMsp: layout.province.mspId,
        nationalMsp: layout.national.mspId,
        caBundle: rel(layout.caBundle),
        tlsCaBundle: rel(layout.tlsCaBundle),
        orgs: layout.orgs.map((o) => ({
          mspId: o.mspId,
          ca: rel(o.caCert),
          tlsCa: rel(o.tlsCaCert),
          msp: rel(o.msp),
          identities: [o.peer, o.admin, ...USER_ROLES.map((r) => o.users[r])].map((i) => ({
            name: i.name,
            commonName: i.commonName,
            kind: i.kind,
            ...(i.role ? { role: i.role } : {}),
            msp: rel(i.msp),
            ...(i.tls ? { tls: rel(i.tls.dir) } : {}),
          })),
          ...(o.gatewayTls ? { gatewayTls: rel(o.gatewayTls.dir) } : {}),
        })),
      },
      null,
      2,
    )}\n`,
  );
}

async function main(root: string): Promise<void> {
  const orgsDir = join(root, 'organizations');
  // issued once; the homes below are copies, rewritten each time (same files, node data untouched)
  if (!(await exists(join(orgsDir, 'peerOrganizations', 'hebei.library.cn', 'msp', 'config.yaml')))) {
    for (const org of ORGS) await issueOrg(orgsDir, org);
  }
  // what offline verifiers pin: every org's signing CA, the orderer org's included (it signs blocks)
  const { readFile } = await import('node:fs/promises');
  let bundle = '';
  for (const org of ORGS)
    bundle += await readFile(join(orgsDir, `${org.kind}Organizations`, org.domain, 'ca', 'ca-cert.pem'), 'utf8');
  await write(join(orgsDir, 'ca-bundle.pem'), bundle);
  const nlc = ORGS[1] as Org;
  await writeHome(orgsDir, ORGS[2] as Org, nlc);
  await writeHome(orgsDir, ORGS[3] as Org, nlc);
  await writeHome(orgsDir, nlc, ORGS[2] as Org);
  // the national warehouse's own home for `shulian pull` (its identity is NLCMSP/warehouse)
  await writeHome(orgsDir, ORGS[2] as Org, nlc, 'NLCMSP-warehouse');
}

await main(home);
