import type { Command } from 'commander';
import { withNode } from '../../runtime/index.js';
import { print, printJson, table } from '../output.js';

interface IndexOptions {
  readonly home?: string;
  readonly json?: boolean;
}

/** `shulian index status|rebuild`: the local query index, a projection of the chain's events. */
export function register(program: Command): void {
  const index = program
    .command('index')
    .description("the node's local query index (<home>/index/index.sqlite): a projection of the chain's events");

  index
    .command('status')
    .description('where the index stands: last applied event, counts, and how far behind the ledger it is')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print JSON')
    .action(async (options: IndexOptions) => {
      await withNode({ ...options, catchUp: false }, async (node) => {
        const status = node.index.status();
        const height = await node.ledger.height();
        const behind = Math.max(0, height - 1 - (status.position?.blockNumber ?? -1));
        if (options.json) {
          printJson({ ...status, ledgerHeight: height, blocksBehind: behind });
          return;
        }
        print([
          `index      ${status.path}`,
          `position   ${status.position ? `block ${status.position.blockNumber}, tx ${status.position.txIndex} (${status.position.txId})` : 'nothing applied yet'}`,
          `events     ${status.eventsApplied} applied; ledger height ${height} block(s), ${behind === 0 ? 'up to date' : `at most ${behind} block(s) behind`}`,
          `search     ${status.searchPending === 0 ? 'every document in the full-text index' : `${status.searchPending} indexing record(s) enter the full-text index at the next search`}`,
          ...table(Object.entries(status.counts).map(([k, v]) => [`  ${k}`, String(v)])),
        ]);
      });
    });

  index
    .command('rebuild')
    .description(
      'drop the projection and replay every block from 0 (metadata and proofs kept; missing metadata fetched from the content store)',
    )
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print JSON')
    .action(async (options: IndexOptions) => {
      await withNode({ ...options, catchUp: false }, async (node) => {
        const status = await node.index.rebuild(node.ledger, { content: node.content });
        if (options.json) {
          printJson(status);
          return;
        }
        print([
          `rebuilt ${status.path} from the ledger: ${status.eventsApplied} event(s) up to ${status.position ? `block ${status.position.blockNumber}` : 'the start'}`,
          ...table(Object.entries(status.counts).map(([k, v]) => [`  ${k}`, String(v)])),
        ]);
      });
    });
}
