import type { Command } from 'commander';
import { NotFoundError } from '../../core/errors.js';
import type { ResourceView, RightsView } from '../../index/index.js';
import { withNode } from '../../runtime/index.js';
import { bytes, print, printJson, short, table } from '../output.js';
import { searchText } from '../../index/index.js';

interface ShowOptions {
  readonly home?: string;
  readonly json?: boolean;
}

/** `shulian show ID`: a resource as the chain records it, with its versions, rights, receipts and metadata. */
export function register(program: Command): void {
  program
    .command('show')
    .argument('<id>', 'resource id')
    .description('show a resource: status, versions (CID, digests, transaction, block), rights, receipts, metadata')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print JSON')
    .addHelpText('after', "\nReads the local index after bringing it up to the ledger's height.")
    .action(async (id: string, options: ShowOptions) => {
      await withNode(options, async (node) => {
        const resource = node.index.getResource(id);
        if (resource === undefined) throw new NotFoundError(`resource ${id} is not on the ledger`, { resourceId: id });
        const rights = node.index.listRights({ resourceId: id, limit: 1000 }).items;
        const receipts = node.index.receipts(id);
        if (options.json) {
          printJson({ resource, rights, receipts });
          return;
        }
        print(
          describe(
            resource,
            rights,
            receipts.map((r) => [
              `v${r.record.version}`,
              r.record.warehouse,
              r.committed,
              `tx ${short(r.txId)}`,
              `block ${r.blockNumber}`,
            ]),
          ),
        );
      });
    });
}

function describe(r: ResourceView, rights: readonly RightsView[], receipts: string[][]): string[] {
  const text = searchText(r.metadata);
  const lines = [`${r.id}  (${r.status}, owner ${r.owner}, head version ${r.headVersion})`];
  const meta = r.metadata as Record<string, unknown> | undefined;
  lines.push(
    ...table(
      [
        ['title', text.title || '(metadata not in the index)'],
        ['class', typeof meta?.class === 'string' ? meta.class : ''],
        ['subjects', text.subjects.join('；')],
        ['created', r.created],
        ['updated', r.updated],
      ]
        .filter(([, v]) => v !== '')
        .map(([k, v]) => [`  ${k}`, v ?? '']),
    ),
  );
  lines.push('versions');
  lines.push(
    ...table(
      [...r.versions]
        .reverse()
        .map((v) => [
          `  v${v.record.version}`,
          v.record.cid,
          bytes(v.record.size),
          v.record.mediaType,
          `sha256 ${short(v.record.sha256)}`,
          `tx ${short(v.txId)}`,
          `block ${v.blockNumber}`,
          v.committed,
        ]),
    ),
  );
  if (r.withdrawal) {
    lines.push(
      `withdrawn  ${r.withdrawal.record.reasonCode}${r.withdrawal.record.note ? `: ${r.withdrawal.record.note}` : ''}  at ${r.withdrawal.record.timestamp}  tx ${short(r.withdrawal.txId)}  block ${r.withdrawal.blockNumber}`,
    );
  }
  lines.push(rights.length === 0 ? 'rights     none' : 'rights');
  lines.push(
    ...table(
      rights.map((g) => [
        `  ${g.record.rightsId}`,
        g.record.status,
        `${g.record.target.type}`,
        `to ${g.record.assignee}`,
        g.record.actions.join(','),
        `${g.record.constraints.notBefore} – ${g.record.constraints.notAfter ?? 'no end'}`,
      ]),
    ),
  );
  lines.push(receipts.length === 0 ? 'receipts   none' : 'receipts');
  lines.push(...table(receipts.map(([v, ...rest]) => [`  ${v ?? ''}`, ...rest])));
  return lines;
}
