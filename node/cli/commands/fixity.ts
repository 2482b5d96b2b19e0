import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { openFixityStore, resumeFixityRun, runFixityAudit, type FixityRunReport } from '../../fixity/index.js';
import { print, printJson, short, table } from '../output.js';
import { withNode, type NodeCommandOptions } from '../session.js';

interface FixityOptions extends NodeCommandOptions {
  readonly all?: boolean;
  readonly sample?: string;
  readonly seed?: string;
  readonly resume?: string;
}

/** `shulian fixity [--all | --sample F] [--json]`: one fixity audit now; exit 1 when any check failed. */
export function register(program: Command): void {
  program
    .command('fixity')
    .description(
      'fixity audit: re-hash stored content against the chain (CID blocks, SHA-256, SM3, size), record PREMIS fixity events, anchor the run on chain',
    )
    .option('--all', 'check every version of every active resource (the default)')
    .option('--sample <fraction>', 'check a random sample: this fraction (0 < F <= 1) of the versions')
    .option('--seed <hex>', 'seed of the sample (default: random; recorded in the run either way)')
    .option('--resume <runId>', 'finish an interrupted run (or anchor one the ledger refused) instead of starting one')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print the run and its failures as JSON')
    .addHelpText(
      'after',
      '\nResults go to <home>/fixity/fixity.sqlite (read by the audit API, the console, /metrics and `shulian audit report`).\n' +
        'Exit code: 0 when every check passed, 1 when any failed or the run could not be anchored.',
    )
    .action(async (options: FixityOptions) => {
      if (options.all && options.sample !== undefined)
        throw new ValidationError('--all and --sample: expected one of them, not both', { pointer: '/sample' });
      const sample = options.sample === undefined ? 1 : parseFraction(options.sample);
      const report = await withNode(options, async (node) => {
        await node.catchUp();
        const store = openFixityStore({ home: node.home });
        try {
          const parts = { content: node.content, index: node.index, ledger: node.ledger, store };
          return options.resume !== undefined
            ? await resumeFixityRun(parts, options.resume)
            : await runFixityAudit(parts, {
                sample,
                trigger: 'cli',
                ...(options.seed === undefined ? {} : { seed: options.seed }),
              });
        } finally {
          store.close();
        }
      });
      if (options.json) printJson(report);
      else print(describe(report));
      if (report.run.failed > 0) process.exitCode = 1;
    });
}

function parseFraction(text: string): number {
  const n = /^(?:0|1)?(?:\.\d+)?$/.test(text) && text !== '' && text !== '.' ? Number(text) : NaN;
  if (!(n > 0 && n <= 1))
    throw new ValidationError(`--sample: expected a fraction greater than 0 and at most 1, got "${text}"`, {
      pointer: '/sample',
    });
  return n;
}

function describe({ run, failures }: FixityRunReport): string[] {
  const lines = [
    `${run.failed > 0 ? 'FAILED' : 'OK'}  fixity run ${run.runId}: ${run.checked} checked, ${run.passed} passed, ${run.failed} failed`,
    `  selection  ${run.mode === 'all' ? 'all' : `sample ${run.fraction} (seed ${run.seed})`}: ${run.selected} of ${run.population} version(s)`,
  ];
  if (run.anchor)
    lines.push(
      `  anchored   batch ${run.anchor.batchId}, root ${short(run.anchor.root, 16)}, tx ${short(run.anchor.txId, 16)} (block ${run.anchor.blockNumber})`,
    );
  else if (run.status === 'empty') lines.push('  nothing to check: no stored versions of active resources');
  if (failures.length > 0) {
    lines.push('', 'failures:');
    lines.push(
      ...table(failures.map((f) => ['  ' + f.resourceId, `v${f.version}`, short(f.expected.cid, 20), f.detail])),
    );
  }
  return lines;
}
