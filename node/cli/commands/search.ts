import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { withNode } from '../../runtime/index.js';
import { intOption, print, printJson, table } from '../output.js';

interface SearchCommandOptions {
  readonly home?: string;
  readonly json?: boolean;
  readonly limit: string;
  readonly offset: string;
  readonly kind?: string;
  readonly owner?: string;
  readonly withdrawn?: boolean;
}

/** `shulian search QUERY`: full-text search over titles, subjects, keywords and descriptions (Chinese included). */
export function register(program: Command): void {
  program
    .command('search')
    .argument('<query...>', 'search terms; all must match (any length, e.g. 吉林 or 学而时习)')
    .description('search resources and indexing records by title, subject, keyword and description')
    .option('--limit <n>', 'results per page', '20')
    .option('--offset <n>', 'results to skip', '0')
    .option('--kind <kind>', 'only resource or record')
    .option('--owner <msp>', 'only this owner (MSP id)')
    .option('--withdrawn', 'include withdrawn resources')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print JSON')
    .action(async (terms: string[], options: SearchCommandOptions) => {
      const query = terms.join(' ');
      if (options.kind !== undefined && options.kind !== 'resource' && options.kind !== 'record') {
        throw new ValidationError(`--kind: expected resource or record, got "${options.kind}"`, { pointer: '/kind' });
      }
      const limit = intOption(options.limit, '--limit', 1);
      const offset = intOption(options.offset, '--offset');
      await withNode(options, async (node) => {
        const page = node.index.search(query, {
          limit,
          offset,
          ...(options.kind ? { kind: options.kind as 'resource' | 'record' } : {}),
          ...(options.owner ? { owner: options.owner } : {}),
          ...(options.withdrawn ? { includeWithdrawn: true } : {}),
        });
        if (options.json) {
          printJson({ query, ...page });
          return;
        }
        const first = page.items.length === 0 ? 0 : offset + 1;
        print([
          `${page.total} result(s) for "${query}"${page.total > 0 ? ` (showing ${first}–${offset + page.items.length})` : ''}`,
          ...table(
            page.items.map((h) => [
              `  ${h.kind}`,
              h.id,
              h.kind === 'record' && h.resourceId
                ? `${h.title} (${h.resourceId}${h.version ? `@${h.version}` : ''})`
                : `${h.title}${h.status === 'withdrawn' ? ' [withdrawn]' : ''}`,
              h.snippet,
            ]),
          ),
          ...(page.total > offset + page.items.length ? [`next page: --offset ${offset + page.items.length}`] : []),
        ]);
      });
    });
}
