import { access, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { formatReport, verifyBag, verifyProofDocument, type VerifyReport } from '../../audit/index.js';
import { consortiumLayout } from '../../identity/index.js';
import { splitPemBundle } from '../../ledger/index.js';
import { printJson } from '../session.js';

export interface OfflineOptions {
  readonly ca?: string[];
  readonly home?: string;
  readonly json?: boolean;
}

export const CA_HELP =
  'PEM file of consortium CA certificates to trust (repeatable); default: <home>/consortium/ca-bundle.pem when it exists';

/**
 * `shulian verify-proof BUNDLE` and `shulian verify-bag BAG_DIR_OR_TAR`: the auditor's offline checks. No
 * network and no node: only the files given and the consortium's CA certificates. Exit 0 only when every
 * check holds. (`shulian ledger check-proof` checks a ledger bundle alone, with the same verifyProofBundle.)
 */
export function register(program: Command): void {
  program
    .command('verify-proof')
    .argument(
      '<file>',
      'a ledger proof bundle (`shulian ledger proof`, a manifest or audit answer) or a record proof (`shulian proof RECORD_ID`)',
    )
    .description(
      'verify a proof offline: signatures, certificates, hashes, inclusion, and for a record proof its Merkle path to the anchored batch',
    )
    .option('--ca <file>', CA_HELP, collect, [])
    .option('--home <dir>', 'node home whose consortium CA bundle to trust when --ca is not given')
    .option('--json', 'print the checks as JSON')
    .action(verifyProofAction);

  program
    .command('verify-bag')
    .argument('<bag>', 'a BagIt bag: its directory, or a tar of it (as GET …/bag writes)')
    .description(
      "verify a bag offline: bagit.txt, Payload-Oxum, SHA-256 and SM3 manifests and tag manifests, its proof bundle, and the payload against the chain's version record",
    )
    .option('--ca <file>', CA_HELP, collect, [])
    .option('--home <dir>', 'node home whose consortium CA bundle to trust when --ca is not given')
    .option('--json', 'print the checks as JSON')
    .action(async (bag: string, options: OfflineOptions) => {
      output(await verifyBag(bag, await caCerts(options)), options);
    });
}

/** The one `verify-proof` implementation; `shulian ledger check-proof` runs it too. */
export async function verifyProofAction(file: string, options: OfflineOptions): Promise<void> {
  const ca = await caCerts(options);
  let doc: unknown;
  try {
    doc = JSON.parse(await readText(file, 'proof'));
  } catch (cause) {
    if (cause instanceof NotFoundError) throw cause;
    throw new ValidationError(`${file} is not JSON: expected a proof bundle or a record proof`, { file, cause });
  }
  output(verifyProofDocument(doc, ca), options);
}

/** Commander collector of a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function output(report: VerifyReport, options: OfflineOptions): void {
  if (options.json) printJson(report);
  else process.stdout.write(formatReport(report));
  if (!report.ok) process.exitCode = 1;
}

async function caCerts(options: OfflineOptions): Promise<string[]> {
  let files = options.ca ?? [];
  if (files.length === 0) {
    const config = loadConfig(options.home ? { ...process.env, SHULIAN_HOME: options.home } : process.env);
    const bundle = consortiumLayout(config.home, {
      provinceMsp: config.orgMsp,
      nationalMsp: config.nationalMsp,
    }).caBundle;
    try {
      await access(bundle);
    } catch {
      throw new ValidationError(`no CA certificates: pass --ca FILE (there is no ${bundle})`, { pointer: '/ca' });
    }
    files = [bundle];
  }
  const certs: string[] = [];
  for (const f of files) {
    const found = splitPemBundle(await readText(f, 'CA certificates'));
    if (found.length === 0) throw new ValidationError(`${f} holds no PEM certificate`, { file: f, pointer: '/ca' });
    certs.push(...found);
  }
  return certs;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new NotFoundError(`cannot read the ${what} ${file} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
      cause,
    });
  }
}
