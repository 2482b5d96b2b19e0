import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError, ValidationError, loadConfig } from '../../core/index.js';
import { embeddedContentStore, kuboContentStore } from '../../content/index.js';
import type { ContentStore } from '../../content/types.js';
import { consortiumLayout, findIdentity, loadMspFolder } from '../../identity/index.js';
import { splitPemBundle } from '../../ledger/home.js';
import { openFabricFromConfig } from '../../ledger/fabric/index.js';
import {
  GatewayClient,
  ledgerReceipts,
  peerVerifier,
  proofBundleVerifier,
  pull,
  relayedReceipts,
  type PullEvent,
  type PullReport,
} from '../../pull/index.js';
import { printJson } from '../session.js';

interface PullCommandOptions {
  readonly from: string;
  readonly home?: string;
  readonly as?: string;
  readonly parallel?: string;
  readonly maxRate?: string;
  readonly json?: boolean;
}

/** `shulian pull --from URL`: the national warehouse's verified harvest of a province's gateway. */
export function register(program: Command): void {
  program
    .command('pull')
    .description(
      "harvest a province's gateway as the national warehouse: every new version verified against the chain, stored, and acknowledged with a receipt",
    )
    .requiredOption('--from <url>', "the province's gateway, e.g. https://gateway.jilin.example:8443")
    .option('--home <dir>', "the warehouse's home (default: SHULIAN_HOME, else ./.shulian)")
    .option('--as <name>', 'identity of the national library to act as (default: warehouse)')
    .option('--parallel <n>', 'versions downloaded at once (1-32, default 4)')
    .option(
      '--max-rate <bytes>',
      'cap the bytes per second received, over all downloads (suffixes k, M, G: 1024-based)',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
The home holds the warehouse's identity in the consortium layout (consortium/<national MSP>/users/warehouse:
its MSP folder signs receipts, its tls/ folder is the mTLS client certificate), the pinned CA bundles
(consortium/ca-bundle.pem: proofs are verified against it; consortium/tls-ca-bundle.pem: the gateway's
certificate must chain to it), and the warehouse's own content store. The pull keeps its checkpoint and
partial downloads in pull/ (an interrupted pull resumes where it stopped) and moves bytes that fail
verification to quarantine/ with a reason file.

Exit code: 0 when every version was pulled or skipped, 1 when any failed (verification, refusal, transport).`,
    )
    .action(async (options: PullCommandOptions) => {
      const parallel = options.parallel === undefined ? 4 : Number(options.parallel);
      if (!Number.isInteger(parallel) || parallel < 1 || parallel > 32)
        throw new ValidationError('--parallel must be an integer from 1 to 32', { pointer: '/parallel' });
      const maxRate = options.maxRate === undefined ? undefined : parseRate(options.maxRate);
      const config = loadConfig(options.home ? { ...process.env, SHULIAN_HOME: options.home } : process.env);
      const layout = consortiumLayout(config.home, { provinceMsp: config.orgMsp, nationalMsp: config.nationalMsp });
      const who = findIdentity(layout, config.nationalMsp, options.as ?? 'warehouse');
      if (!who.tls) throw new ConfigError(`${who.name} of ${who.mspId} has no TLS client certificate`);
      const needed = [who.tls.cert, who.tls.key, who.msp, layout.caBundle, layout.tlsCaBundle];
      for (const file of needed) {
        try {
          await access(file);
        } catch {
          throw new ConfigError(
            `${file} is missing: the warehouse's home needs its MSP and TLS folders under ${who.dir} and the consortium's ca-bundle.pem and tls-ca-bundle.pem under ${layout.dir}`,
            { file },
          );
        }
      }
      const [cert, key, ca, caBundle, signer] = await Promise.all([
        readFile(who.tls.cert),
        readFile(who.tls.key),
        readFile(layout.tlsCaBundle),
        readFile(layout.caBundle, 'utf8'),
        loadMspFolder(who.msp, who.mspId),
      ]);
      const client = new GatewayClient(options.from, { cert, key, ca }, parallel + 2);
      const content: ContentStore =
        config.content === 'kubo'
          ? await kuboContentStore({ url: config.kuboApi })
          : await embeddedContentStore({ dir: join(config.home, 'content') });
      // In a consortium (SHULIAN_LEDGER=fabric) the warehouse's own peer says what the chain records and takes
      // the receipt; in embedded mode the manifest's proof bundle is checked against the pinned CAs and the
      // signed receipt is relayed by the province's gateway.
      const fabric = config.ledger === 'fabric' ? (await openFabricFromConfig(config)).connection : undefined;
      const peer = fabric?.connect(signer);
      const progress = reporter(options.json === true);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let report: PullReport;
      try {
        report = await pull({
          from: client.base.origin,
          home: config.home,
          client,
          verifier: peer ? peerVerifier(peer, config.channelName) : proofBundleVerifier(splitPemBundle(caBundle)),
          content,
          receipts: peer ? ledgerReceipts(peer) : relayedReceipts(client, signer),
          parallel,
          ...(maxRate !== undefined ? { maxBytesPerSecond: maxRate } : {}),
          onEvent: progress.onEvent,
          signal: abort.signal,
        });
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        client.close();
        await content.close();
        await fabric?.close();
      }
      if (options.json) printJson(report);
      else process.stdout.write(summary(report));
      if (report.failed.length > 0 || abort.signal.aborted) process.exitCode = 1;
    });
}

function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text.trim());
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  const value = m ? Number(m[1]) * unit : NaN;
  if (!(value >= 1))
    throw new ValidationError(
      `--max-rate must be a number of bytes per second, optionally with k, M or G (got ${JSON.stringify(text)})`,
      { pointer: '/maxRate' },
    );
  return value;
}

function summary(r: PullReport): string {
  const lines = [
    `pulled ${r.pulled.length}, skipped ${r.skipped.length}, failed ${r.failed.length}; ${r.bytes} bytes received from ${r.from}`,
  ];
  for (const f of r.failed)
    lines.push(
      `  FAILED ${f.resourceId}@${f.version} [${f.kind}] ${f.reason}${f.quarantined ? `\n         quarantined: ${f.quarantined}` : ''}`,
    );
  return `${lines.join('\n')}\n`;
}

/** A byte progress bar on a terminal; one line per version otherwise (none with --json). */
function reporter(json: boolean): { onEvent: (e: PullEvent) => void; stop: () => void } {
  const stream = process.stderr;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: ' {bar} {value} bytes | {pulled} pulled, {failed} failed | {last}', hideCursor: true, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    let value = 0;
    let pulled = 0;
    let failed = 0;
    let last = '';
    bar.start(0, 0, { pulled, failed, last });
    return {
      onEvent(e) {
        if (e.type === 'bytes') value += e.bytes;
        if (e.type === 'item') {
          if (e.outcome === 'pulled') pulled++;
          if (e.outcome === 'failed') failed++;
          last = `${e.resourceId}@${e.version} ${e.outcome}`;
        }
        bar.setTotal(Math.max(value, 1));
        bar.update(value, { pulled, failed, last });
      },
      stop: () => bar.stop(),
    };
  }
  if (json) return { onEvent: () => undefined, stop: () => undefined };
  return {
    onEvent(e) {
      if (e.type === 'item') stream.write(`${e.outcome.padEnd(7)} ${e.resourceId}@${e.version}  ${e.detail}\n`);
    },
    stop: () => undefined,
  };
}
