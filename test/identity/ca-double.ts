import { createPrivateKey, randomBytes, verify as verifySignature, webcrypto, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { createDevCa, encodeFabricAttributes, FABRIC_ATTRS_OID, type DevCa } from '../../node/identity/index.js';

/**
 * A test double of a Fabric CA server's REST API (/api/v1/enroll, register, reenroll, revoke) on
 * 127.0.0.1, backed by a development CA: it checks Basic credentials and the registrar's signed token as
 * fabric-ca-server does, signs CSRs with the registered attributes (ecert: true) in Fabric CA's attribute
 * extension, and answers in Fabric CA's {success, result, errors, messages} envelope.
 */
interface Registered {
  secret: string;
  type: string;
  attrs: { name: string; value: string; ecert?: boolean }[];
  enrollments: number;
  max: number;
  certs: { serial: string; aki: string }[];
  revoked: boolean;
}

export interface CaDouble {
  readonly url: string;
  readonly ca: DevCa;
  readonly identities: Map<string, Registered>;
  /** Paths and the enrollment id each authenticated request acted as. */
  readonly requests: { path: string; as: string }[];
  close(): Promise<void>;
}

export async function startCaDouble(mspId: string): Promise<CaDouble> {
  const ca = await createDevCa({ mspId, commonName: `ca.${mspId}` });
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '';
  const identities = new Map<string, Registered>([
    [
      'admin',
      {
        secret: 'adminpw',
        type: 'admin',
        attrs: [{ name: 'hf.Registrar.Roles', value: 'client,peer,admin' }],
        enrollments: 0,
        max: -1,
        certs: [],
        revoked: false,
      },
    ],
  ]);
  const requests: { path: string; as: string }[] = [];

  async function issue(id: string, csrPem: string): Promise<string> {
    const reg = identities.get(id) as Registered;
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw fail(400, 0, 'CSR signature does not verify');
    const attrs: Record<string, string> = { 'hf.EnrollmentID': id, 'hf.Type': reg.type, 'hf.Affiliation': '' };
    for (const a of reg.attrs) if (a.ecert) attrs[a.name] = a.value;
    const serial = `1${randomBytes(15).toString('hex')}`;
    const cert = await x509.X509CertificateGenerator.create(
      {
        serialNumber: serial,
        subject: `O=${mspId}, OU=${reg.type}, CN=${id}`,
        issuer: caCert.subject,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
        signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
        publicKey: csr.publicKey,
        signingKey: caKey,
        extensions: [
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.AuthorityKeyIdentifierExtension(ski),
          new x509.Extension(FABRIC_ATTRS_OID, false, new Uint8Array(encodeFabricAttributes(attrs))),
        ],
      },
      webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1],
    );
    reg.enrollments++;
    const pem = cert.toString('pem');
    reg.certs.push({ serial: new X509Certificate(pem).serialNumber.toLowerCase(), aki: ski });
    return pem;
  }

  /** Fabric CA's token: b64(cert).b64(sig over METHOD.b64(path).b64(body).b64(cert)). */
  function authenticate(req: IncomingMessage, path: string, body: string): string {
    const [certB64, sigB64] = String(req.headers.authorization ?? '').split('.');
    if (!certB64 || !sigB64) throw fail(401, 20, 'Authorization failure: no token');
    const certPem = Buffer.from(certB64, 'base64').toString('utf8');
    const cert = new X509Certificate(certPem);
    if (!cert.verify(new X509Certificate(ca.certPem).publicKey))
      throw fail(401, 20, 'Authentication failure: certificate not issued by this CA');
    const signed = `POST.${Buffer.from(path).toString('base64')}.${Buffer.from(body).toString('base64')}.${certB64}`;
    if (!verifySignature('sha256', Buffer.from(signed), cert.publicKey, Buffer.from(sigB64, 'base64')))
      throw fail(401, 20, 'Authentication failure: bad token signature');
    const id = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? '';
    const reg = identities.get(id);
    if (!reg || reg.revoked) throw fail(401, 20, `Authentication failure: identity ${id} is revoked or unknown`);
    if (reg.certs.length > 0 && !reg.certs.some((c) => c.serial === cert.serialNumber.toLowerCase()))
      throw fail(401, 20, 'Authentication failure: certificate revoked');
    requests.push({ path, as: id });
    return id;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0] as string;
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const ok = (result: unknown) => send(201, { success: true, result, errors: [], messages: [] });
      const serverInfo = { CAName: '', CAChain: Buffer.from(ca.certPem).toString('base64'), Version: '1.5.13' };
      (async () => {
        const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        switch (path) {
          case '/api/v1/enroll': {
            const [id, secret] = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
              .toString('utf8')
              .split(':');
            const reg = identities.get(id ?? '');
            if (!reg || reg.secret !== secret || reg.revoked) throw fail(401, 20, 'Authentication failure');
            if (reg.max !== -1 && reg.enrollments >= reg.max)
              throw fail(401, 20, `Authentication failure: identity ${id} may not enroll again`);
            requests.push({ path, as: id as string });
            return ok({
              Cert: Buffer.from(await issue(id as string, String(json.certificate_request))).toString('base64'),
              ServerInfo: serverInfo,
            });
          }
          case '/api/v1/register': {
            const by = authenticate(req, path, body);
            if (identities.get(by)?.type !== 'admin')
              throw fail(401, 71, `Authorization failure: ${by} is not a registrar`);
            const id = String(json.id);
            if (identities.has(id)) throw fail(409, 74, `Identity '${id}' is already registered`);
            const secret = typeof json.secret === 'string' ? json.secret : randomBytes(6).toString('hex');
            const max = Number(json.max_enrollments) === 0 ? -1 : Number(json.max_enrollments);
            identities.set(id, {
              secret,
              type: String(json.type ?? 'client'),
              attrs: (json.attrs as Registered['attrs']) ?? [],
              enrollments: 0,
              max,
              certs: [],
              revoked: false,
            });
            return ok({ secret });
          }
          case '/api/v1/reenroll': {
            const id = authenticate(req, path, body);
            return ok({
              Cert: Buffer.from(await issue(id, String(json.certificate_request))).toString('base64'),
              ServerInfo: serverInfo,
            });
          }
          case '/api/v1/revoke': {
            const by = authenticate(req, path, body);
            if (identities.get(by)?.type !== 'admin')
              throw fail(401, 71, `Authorization failure: ${by} may not revoke`);
            const reg = identities.get(String(json.id));
            if (!reg) throw fail(404, 63, `Identity '${String(json.id)}' not found`);
            reg.revoked = true;
            const revoked = reg.certs.map((c) => ({ Serial: c.serial, AKI: c.aki }));
            return ok({
              RevokedCerts: revoked,
              ...(json.gencrl ? { CRL: Buffer.from('test CRL').toString('base64') } : {}),
            });
          }
          default:
            throw fail(404, 0, `no route ${path}`);
        }
      })().catch((err: { status?: number; code?: number; message?: string }) =>
        send(err.status ?? 500, {
          success: false,
          result: null,
          errors: [{ code: err.code ?? 0, message: err.message ?? String(err) }],
          messages: [],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ca,
    identities,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function fail(status: number, code: number, message: string): Error & { status: number; code: number } {
  return Object.assign(new Error(message), { status, code });
}
