import type { Command } from 'commander';
import { chainClient, parseResourceRef, verifyFile } from '../../ingest/index.js';
import { printJson, withNode, type NodeCommandOptions } from '../session.js';

/** `shulian verify FILE --resource ID[@VERSION]`: exit 0 only when the bytes are those on chain. */
export function register(program: Command): void {
  program
    .command('verify')
    .description(
      'check a file against a resource version on chain: CID (under the recorded profile), SHA-256, SM3 and size',
    )
    .argument('<file>', 'the file to check')
    .requiredOption('--resource <id[@version]>', 'resource id, optionally @version (default: the head version)')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print the check as JSON')
    .addHelpText('after', '\nExit code: 0 when every digest matches, 1 when any differs.')
    .action(async (file: string, options: NodeCommandOptions & { resource: string }) => {
      const { resourceId, version } = parseResourceRef(options.resource);
      const check = await withNode(options, (node) => verifyFile(chainClient(node.ledger), file, resourceId, version));
      if (options.json) printJson(check);
      else {
        const lines = [
          `${check.ok ? 'OK' : 'MISMATCH'}  ${file}  ${check.resourceId} v${check.version} (tx ${check.txId})`,
        ];
        for (const field of ['cid', 'sha256', 'sm3', 'size'] as const) {
          const same = check.expected[field] === check.actual[field];
          lines.push(
            `  ${same ? '=' : '≠'} ${field.padEnd(6)} ${String(check.expected[field])}${same ? '' : `  (file: ${String(check.actual[field])})`}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (!check.ok) process.exitCode = 1;
    });
}
