import { Option, type Command } from 'commander';
import { chainClient } from '../../ingest/index.js';
import { printJson, withNode, type NodeCommandOptions } from '../session.js';

/** `shulian withdraw ID --reason CODE [--note TEXT]`: a tombstone on chain; the history stays. */
export function register(program: Command): void {
  program
    .command('withdraw')
    .description(
      'withdraw a resource (takedown): it takes no new versions and harvesters see it as deleted; its history stays',
    )
    .argument('<id>', 'resource id')
    .addOption(
      new Option('--reason <code>', 'reason code')
        .choices(['copyright-claim', 'error', 'duplicate', 'superseded', 'legal', 'other'])
        .makeOptionMandatory(),
    )
    .option('--note <text>', 'free-text note kept with the withdrawal', '')
    .option('--as <identity>', 'identity of the home to act as (default: SHULIAN_IDENTITY, operator)')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print the withdrawal record as JSON')
    .action(async (id: string, options: NodeCommandOptions & { reason: string; note: string }) => {
      const { tx, withdrawal } = await withNode(options, async (node) => {
        const out = await chainClient(node.ledger).withdraw(id, options.reason, options.note);
        await node.catchUp();
        return out;
      });
      if (options.json) printJson({ ...withdrawal, blockNumber: tx.blockNumber });
      else
        process.stdout.write(
          `withdrawn ${withdrawal.resourceId} (head v${withdrawal.headVersion}, ${withdrawal.reasonCode}) in tx ${tx.txId}, block ${tx.blockNumber}\n`,
        );
    });
}
