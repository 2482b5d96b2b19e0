import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../core/index.js';
import { openHomeLedger, type LedgerVerifyReport } from '../../ledger/index.js';
import { CA_HELP, collect, verifyProofAction } from './verify-offline.js';

interface HomeOption {
  readonly home?: string;
  readonly json?: boolean;
}

/** `shulian ledger info|verify|proof|check-proof`: the embedded ledger of the node's home. */
export function register(program: Command): void {
  const ledger = program
    .command('ledger')
    .description("inspect and verify the node's embedded ledger (<home>/ledger)")
    .addHelpText(
      'after',
      '\nThe ledger is the embedded one of SHULIAN_HOME (default ./.shulian), created by the node; run `shulian init` first.',
    );

  ledger
    .command('info')
    .description('channel, height, tip block and counts')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print JSON')
    .action(async (options: HomeOption) => {
      await withLedger(options, async ({ runtime }) => {
        const info = runtime.info();
        if (options.json) return print(info);
        const lines = [
          `channel       ${info.channel}`,
          `ledger        ${info.path}`,
          `height        ${info.height} block(s)`,
          `transactions  ${info.transactions} (${info.validTransactions} valid)`,
          `state keys    ${info.stateKeys}`,
        ];
        if (info.tip)
          lines.push(
            `tip           block ${info.tip.number} ${info.tip.hash} at ${info.tip.timestamp} (${info.tip.txCount} tx)`,
          );
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  ledger
    .command('verify')
    .description(
      're-check the hash chain, every signature and certificate, and that replaying every block rebuilds exactly the stored state',
    )
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print the report as JSON')
    .action(async (options: HomeOption) => {
      await withLedger(options, async ({ runtime, caCertsPem }) => {
        const report = await runtime.verify({ caCertsPem });
        if (options.json) print(report);
        else process.stdout.write(describeReport(report));
        if (!report.ok) process.exitCode = 1;
      });
    });

  ledger
    .command('proof')
    .argument('<txId>', 'transaction id (64 hex)')
    .description(
      'write the proof bundle of a transaction: records, transaction, block header, peer signature, certificates',
    )
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('-o, --out <file>', 'write the bundle to a file instead of stdout')
    .action(async (txId: string, options: HomeOption & { out?: string }) => {
      await withLedger(options, async ({ runtime, identity }) => {
        const bundle = await runtime.connect(await identity('auditor')).proof(txId.toLowerCase());
        const text = `${JSON.stringify(bundle, null, 2)}\n`;
        if (options.out) await writeFile(options.out, text);
        else process.stdout.write(text);
      });
    });

  // the same command as `shulian verify-proof` (node/cli/commands/verify-offline.ts): one implementation
  ledger
    .command('check-proof')
    .alias('verify-proof')
    .argument('<file>', 'a proof bundle written by `shulian ledger proof` (or a record proof)')
    .description('verify a proof bundle offline, with only the consortium CA certificates (= shulian verify-proof)')
    .option('--home <dir>', 'node home whose consortium/ca-bundle.pem to trust (default: SHULIAN_HOME)')
    .option('--ca <file>', CA_HELP, collect, [])
    .option('--json', 'print the verification as JSON')
    .action(verifyProofAction);
}

async function withLedger(
  options: HomeOption,
  fn: (l: Awaited<ReturnType<typeof openHomeLedger>>) => Promise<void>,
): Promise<void> {
  const config = loadConfig(process.env);
  const home = await openHomeLedger({ ...config, home: options.home ?? config.home });
  try {
    await fn(home);
  } finally {
    await home.runtime.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function describeReport(r: LedgerVerifyReport): string {
  const lines = [
    r.ok
      ? `OK: ${r.blocks} block(s), ${r.transactions} transaction(s) (${r.validTransactions} valid); hash chain, signatures and state replay verified`
      : `FAILED: ${r.problems.length} problem(s)${r.firstBadBlock === undefined ? '' : `; first bad block: ${r.firstBadBlock}`}`,
    `state digest  ${r.stateDigest} (${r.stateKeys} keys)`,
    `replayed      ${r.replayedStateDigest}`,
  ];
  for (const p of r.problems) {
    lines.push(
      `  ${p.block === undefined ? 'state' : `block ${p.block}${p.txIndex === undefined ? '' : ` tx ${p.txIndex}`}`}: ${p.reason}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
