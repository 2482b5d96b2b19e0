import type { Command } from 'commander';
import { loadConfig } from '../../core/index.js';
import { ValidationError } from '../../core/errors.js';
import {
  enrollIdentity,
  handOverNationalIdentity,
  IDENTITY_TYPES,
  reenrollIdentity,
  registerIdentity,
  registrarFromMsp,
  revokeIdentity,
  ROLES,
  type CaEndpoint,
  type EnrolledIdentity,
} from '../../identity/index.js';
import { readPem } from '../../identity/fabric-ca.js';
import { print, printJson } from '../output.js';

interface CaOptions {
  readonly url?: string;
  readonly caName?: string;
  readonly tlsCert?: string;
  readonly mspId?: string;
  readonly json?: boolean;
}

/** `shulian identity enroll|register|reenroll|revoke`: identities from a Fabric CA server, as MSP folders. */
export function register(program: Command): void {
  const identity = program
    .command('identity')
    .description(
      'enroll, register, reenroll and revoke identities at a Fabric CA server (MSP folders with the shulian.role attribute); hand a development identity to another home',
    )
    .addHelpText(
      'after',
      `
The CA is --url (default FABRIC_CA_URL), e.g. https://127.0.0.1:7054, with --tls-cert naming the CA server's
TLS certificate (default FABRIC_CA_TLS_CERT). Registration sets shulian.role (ecert: true), so every
certificate enrolled for the identity carries the role the chaincode checks. network/README.md walks through
it for each library.`,
    );

  const common = (cmd: Command) =>
    cmd
      .option('--url <url>', 'Fabric CA server URL (default: FABRIC_CA_URL)')
      .option('--ca-name <name>', 'CA name on a multi-CA server (default: FABRIC_CA_NAME, else the default CA)')
      .option('--tls-cert <file>', "the CA server's TLS certificate (default: FABRIC_CA_TLS_CERT)")
      .option('--msp-id <msp>', 'MSP id of the org (default: MSP_ID, else SHULIAN_ORG_MSP)')
      .option('--json', 'print JSON');

  common(identity.command('enroll'))
    .description('enroll a registered identity and write its MSP folder (signcerts, keystore, cacerts, config.yaml)')
    .requiredOption('--id <enrollmentId>', 'enrollment id')
    .requiredOption('--secret <secret>', 'enrollment secret (from register)')
    .requiredOption('--out <mspDir>', 'MSP folder to write')
    .option('--tls-ca <file>', "the org's TLS CA certificate, copied into tlscacerts/")
    .action(async (o: CaOptions & { id: string; secret: string; out: string; tlsCa?: string }) => {
      const ca = await endpoint(o);
      const tlsCaCertPem = o.tlsCa ? await readPem(o.tlsCa, '--tls-ca') : undefined;
      const done = await enrollIdentity({
        ca,
        enrollmentId: o.id,
        secret: o.secret,
        mspId: mspId(o),
        mspDir: o.out,
        ...(tlsCaCertPem ? { tlsCaCertPem } : {}),
      });
      report(o, 'enrolled', done);
    });

  common(identity.command('register'))
    .description(
      'register an identity (as a registrar, e.g. the org admin) with its shulian.role; prints the enrollment secret',
    )
    .requiredOption('--id <enrollmentId>', 'enrollment id to register')
    .requiredOption('--registrar <mspDir>', 'MSP folder of the registrar (an identity with hf.Registrar.Roles)')
    .option('--secret <secret>', 'enrollment secret (default: the CA generates one)')
    .option('--type <type>', `identity type: ${IDENTITY_TYPES.join(', ')}`, 'client')
    .option('--role <role>', `shulian.role: ${ROLES.join(', ')}`)
    .option('--affiliation <name>', 'affiliation (default: none)')
    .option('--max-enrollments <n>', 'how often it may enroll (-1 unlimited, default: the server default)')
    .action(
      async (
        o: CaOptions & {
          id: string;
          registrar: string;
          secret?: string;
          type: string;
          role?: string;
          affiliation?: string;
          maxEnrollments?: string;
        },
      ) => {
        const ca = await endpoint(o);
        const registrar = await registrarFromMsp(o.registrar, mspId(o));
        const max = o.maxEnrollments === undefined ? undefined : Number(o.maxEnrollments);
        if (max !== undefined && !Number.isSafeInteger(max))
          throw new ValidationError('--max-enrollments must be an integer', { pointer: '/maxEnrollments' });
        const r = await registerIdentity({
          ca,
          registrar,
          enrollmentId: o.id,
          type: o.type as (typeof IDENTITY_TYPES)[number],
          ...(o.secret ? { secret: o.secret } : {}),
          ...(o.role ? { role: o.role } : {}),
          ...(o.affiliation ? { affiliation: o.affiliation } : {}),
          ...(max === undefined ? {} : { maxEnrollments: max }),
        });
        if (o.json) printJson({ enrollmentId: r.enrollmentId, secret: r.secret, type: o.type, role: o.role ?? null });
        else
          print([
            `registered ${r.enrollmentId} (${o.type}${o.role ? `, shulian.role=${o.role}` : ''})`,
            `secret: ${r.secret}`,
          ]);
      },
    );

  common(identity.command('reenroll'))
    .description('renew the certificate (and key) of the identity in an MSP folder, keeping its subject and attributes')
    .requiredOption('--msp <mspDir>', 'MSP folder of the identity')
    .action(async (o: CaOptions & { msp: string }) => {
      const ca = await endpoint(o);
      report(o, 'reenrolled', await reenrollIdentity({ ca, mspDir: o.msp, mspId: mspId(o) }));
    });

  common(identity.command('revoke'))
    .description('revoke an identity (all its certificates) or one certificate (--serial and --aki)')
    .requiredOption('--registrar <mspDir>', 'MSP folder of the registrar')
    .option('--id <enrollmentId>', 'enrollment id to revoke')
    .option('--serial <hex>', 'serial number of one certificate')
    .option('--aki <hex>', 'authority key identifier of that certificate')
    .option('--reason <reason>', 'RFC 5280 reason, e.g. keycompromise, superseded, cessationofoperation')
    .option('--crl <file>', 'write the CA’s new CRL here (add it to the MSP crls/ folder in the channel configuration)')
    .action(
      async (
        o: CaOptions & { registrar: string; id?: string; serial?: string; aki?: string; reason?: string; crl?: string },
      ) => {
        const ca = await endpoint(o);
        const registrar = await registrarFromMsp(o.registrar, mspId(o));
        const r = await revokeIdentity({
          ca,
          registrar,
          ...(o.id ? { enrollmentId: o.id } : {}),
          ...(o.serial ? { serial: o.serial } : {}),
          ...(o.aki ? { aki: o.aki } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
          ...(o.crl ? { crlFile: o.crl } : {}),
        });
        if (o.json) printJson(r);
        else
          print([
            `revoked ${r.revoked.length} certificate(s)`,
            ...r.revoked.map((c) => `  serial ${c.serial}  aki ${c.aki}`),
            ...(r.crlFile ? [`CRL written to ${r.crlFile}`] : []),
          ]);
      },
    );

  identity
    .command('hand-over')
    .description(
      "development consortium: copy a national library identity (default: the warehouse's MSP and TLS folders) and the consortium's CA bundles into another node's home, so that `shulian pull` runs there",
    )
    .requiredOption('--to <home>', "the other node's home (its SHULIAN_HOME)")
    .option(
      '--home <dir>',
      'this home, where `shulian init` made the consortium (default: SHULIAN_HOME, else ./.shulian)',
    )
    .option('--as <name>', 'the national identity to hand over: warehouse (default), auditor, operator or rights-admin')
    .option('--force', 'replace the identity and CA bundles the destination already has')
    .option('--json', 'print JSON')
    .action(async (o: { to: string; home?: string; as?: string; force?: boolean; json?: boolean }) => {
      const home = loadConfig(o.home ? { ...process.env, SHULIAN_HOME: o.home } : process.env).home;
      const r = await handOverNationalIdentity(home, o.to, {
        ...(o.as ? { identity: o.as } : {}),
        ...(o.force ? { force: true } : {}),
      });
      if (o.json) printJson(r);
      else print([`handed ${r.identity} of ${r.mspId} over to ${o.to}:`, ...r.written.map((f) => `  ${f}`)]);
    });
}

async function endpoint(o: CaOptions): Promise<CaEndpoint> {
  const url = o.url ?? process.env.FABRIC_CA_URL;
  if (!url) throw new ValidationError('the CA URL is missing: pass --url or set FABRIC_CA_URL', { pointer: '/url' });
  const caName = o.caName ?? process.env.FABRIC_CA_NAME;
  const tlsFile = o.tlsCert ?? process.env.FABRIC_CA_TLS_CERT;
  const tlsCaCertPem = tlsFile ? await readPem(tlsFile, o.tlsCert ? '--tls-cert' : 'FABRIC_CA_TLS_CERT') : undefined;
  return { url, ...(caName ? { caName } : {}), ...(tlsCaCertPem ? { tlsCaCertPem } : {}) };
}

function mspId(o: CaOptions): string {
  return o.mspId ?? loadConfig(process.env).mspId;
}

function report(o: CaOptions, what: string, e: EnrolledIdentity): void {
  if (o.json) printJson(e);
  else
    print([
      `${what}: ${e.subject}${e.role ? `  shulian.role=${e.role}` : ''}`,
      `  serial ${e.serial}, valid until ${e.notAfter}`,
      `  MSP folder ${e.mspDir}`,
    ]);
}
