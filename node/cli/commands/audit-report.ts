import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { fixityStorePath, openFixityStore, type FixityStore } from '../../fixity/index.js';
import { writeAuditReport } from '../../report/index.js';
import { intOption, print, printJson } from '../output.js';
import { withNode, type NodeCommandOptions } from '../session.js';
import { auditGroup } from './audit.js';

interface ReportCommandOptions extends NodeCommandOptions {
  readonly from: string;
  readonly to: string;
  readonly out: string;
  readonly pdf: boolean;
  readonly expiringDays: string;
}

/** `shulian audit report --from DATE --to DATE [--out DIR]`: HTML, JSON and PDF report of the period. */
export function register(program: Command): void {
  auditGroup(program)
    .command('report')
    .description(
      'report of a period for auditors: rights granted, revoked and expiring; transfers and receipts; fixity results; what failed (HTML with charts, PDF, JSON)',
    )
    .requiredOption('--from <date>', 'first day of the period, YYYY-MM-DD (UTC)')
    .requiredOption('--to <date>', 'last day of the period, YYYY-MM-DD (UTC), inclusive')
    .option('--out <dir>', 'folder to write the report into', '.')
    .option('--expiring-days <n>', 'grants in force at the end of the period ending within this many days', '30')
    .option('--no-pdf', 'write the HTML and JSON only (no Chromium needed)')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .option('--json', 'print the written files and the headline figures as JSON')
    .addHelpText(
      'after',
      '\nThe PDF is printed from the HTML by headless Chromium (SHULIAN_CHROMIUM, default /usr/bin/chromium).',
    )
    .action(async (options: ReportCommandOptions) => {
      const expiringWithinDays = intOption(options.expiringDays, '--expiring-days');
      const written = await withNode(options, async (node) => {
        await node.catchUp();
        const fixity: FixityStore | undefined = existsSync(fixityStorePath(node.home))
          ? openFixityStore({ home: node.home })
          : undefined;
        try {
          return await writeAuditReport(
            { index: node.index, ...(fixity ? { fixity } : {}) },
            {
              from: options.from,
              to: options.to,
              org: node.config.orgMsp,
              expiringWithinDays,
              out: options.out,
              ...(options.pdf ? { chromium: node.config.chromium } : {}),
            },
          );
        } finally {
          fixity?.close();
        }
      });
      const { data, files } = written;
      const headline = {
        period: { from: data.period.from, to: data.period.to },
        rights: {
          granted: data.rights.granted.length,
          revoked: data.rights.revoked.length,
          expiring: data.rights.expiring.length,
          inForceAtEnd: data.rights.inForceAtEnd,
        },
        versions: data.ingest.versions,
        receipts: data.transfers.receipts.length,
        fixity: { runs: data.fixity.runs.length, checks: data.fixity.checks, failed: data.fixity.failed },
        problems: data.problems.length,
      };
      if (options.json) printJson({ files, ...headline });
      else
        print([
          `audit report ${data.period.from} – ${data.period.to}: ${data.problems.length === 0 ? 'nothing failed' : `${data.problems.length} problem(s)`}`,
          `  rights    ${headline.rights.granted} granted, ${headline.rights.revoked} revoked, ${headline.rights.expiring} expiring within ${expiringWithinDays} d, ${headline.rights.inForceAtEnd} in force at the end`,
          `  transfers ${headline.versions} version(s) registered, ${headline.receipts} receipt(s)`,
          `  fixity    ${headline.fixity.runs} run(s), ${headline.fixity.checks} check(s), ${headline.fixity.failed} failed`,
          `  html      ${files.html}`,
          ...(files.pdf ? [`  pdf       ${files.pdf}`] : []),
          `  json      ${files.json}`,
        ]);
    });
}
