import type { Command } from 'commander';
import { NotFoundError } from '../../core/errors.js';
import { withNode } from '../../runtime/index.js';
import { print, printJson, short, table } from '../output.js';

interface HistoryOptions {
  readonly home?: string;
  readonly json?: boolean;
}

/** `shulian history ID`: everything that happened to a resource on chain, in commit order. */
export function register(program: Command): void {
  program
    .command('history')
    .argument('<id>', 'resource id')
    .description(
      'list what happened to a resource on chain, in commit order: versions, rights granted and revoked, batches, receipts, withdrawal',
    )
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: HistoryOptions) => {
      await withNode(options, async (node) => {
        if (node.index.getResource(id) === undefined)
          throw new NotFoundError(`resource ${id} is not on the ledger`, { resourceId: id });
        const items = node.index.history(id);
        if (options.json) {
          printJson({ resourceId: id, history: items });
          return;
        }
        print([
          `${id}: ${items.length} event(s)`,
          ...table(
            items.map((h) => [
              `  ${h.committed}`,
              `block ${h.blockNumber}.${h.txIndex}`,
              `tx ${short(h.txId)}`,
              h.summary,
            ]),
          ),
        ]);
      });
    });
}
