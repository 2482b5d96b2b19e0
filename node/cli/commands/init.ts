import { relative } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../core/index.js';
import { initConsortium, USER_ROLES, type ConsortiumInit } from '../../identity/index.js';

interface InitOptions {
  readonly home?: string;
  readonly org?: string;
  readonly national?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** `shulian init`: the development consortium (CAs, MSP folders, TLS certificates) in the node's home. */
export function register(program: Command): void {
  program
    .command('init')
    .description(
      "create a development consortium in the node's home: CAs, MSP identities and TLS certificates for the province's org and the national library",
    )
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--org <msp>', "the province library's MSP id (default: SHULIAN_ORG_MSP, else JilinLibraryMSP)")
    .option('--national <msp>', "the national library's MSP id (default: SHULIAN_NATIONAL_MSP, else NLCMSP)")
    .option('--force', 'replace an existing consortium with new CAs and keys')
    .option('--json', 'print the layout as JSON')
    .addHelpText(
      'after',
      `
Running it again without --force keeps what is there. Per org: a signing CA and a TLS CA, peer0
(signs the embedded ledger's blocks), admin, and the users ${USER_ROLES.join(', ')}
(MSP folders whose certificates carry the shulian.role attribute, plus TLS client certificates for
the gateway); the province also gets the gateway's TLS server certificate.
consortium/ca-bundle.pem holds every org's CA certificate: what an offline verifier pins.`,
    )
    .action(async (options: InitOptions) => {
      const config = loadConfig(process.env);
      const result = await initConsortium(options.home ?? config.home, {
        provinceMsp: options.org ?? config.orgMsp,
        nationalMsp: options.national ?? config.nationalMsp,
        force: options.force === true,
      });
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
    });
}

function describe(r: ConsortiumInit): string {
  const at = (p: string): string => relative(r.dir, p);
  const lines = [
    r.created
      ? `Created a development consortium in ${r.dir}`
      : `Kept the existing consortium in ${r.dir} (use --force to replace it)`,
    `  CA bundle (offline verifiers pin this): ${r.caBundle}`,
    `  TLS CA bundle:                          ${r.tlsCaBundle}`,
  ];
  for (const org of r.orgs) {
    lines.push(`  ${org.mspId}${org === r.province ? ' (this library)' : ''}`);
    lines.push(`    CA ${at(org.caCert)}   TLS CA ${at(org.tlsCaCert)}   MSP ${at(org.msp)}`);
    for (const id of [org.peer, org.admin, ...USER_ROLES.map((role) => org.users[role])]) {
      const what = id.role ? `role ${id.role}` : id.kind;
      lines.push(
        `    ${id.name.padEnd(13)} ${what.padEnd(18)} ${at(id.msp)}${id.tls ? `  tls ${at(id.tls.dir)}` : ''}`,
      );
    }
    if (org.gatewayTls) lines.push(`    ${'gateway'.padEnd(13)} ${'TLS server'.padEnd(18)} ${at(org.gatewayTls.dir)}`);
  }
  return `${lines.join('\n')}\n`;
}
