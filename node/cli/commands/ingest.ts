import { Option, type Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { CID_PROFILE_NAMES, type CidProfileName } from '../../content/index.js';
import { runIngest, type IngestSummary } from '../../ingest/index.js';
import { describeSummary, progressReporter } from '../progress.js';
import { printJson, withNode, type NodeCommandOptions } from '../session.js';

interface IngestCommandOptions extends NodeCommandOptions {
  readonly dryRun?: boolean;
  readonly withdrawMissing?: boolean;
  readonly reason?: string;
  readonly note?: string;
  readonly concurrency?: string;
  readonly batchSize?: string;
  readonly profile?: CidProfileName;
}

const SOURCES_HELP = `
A SOURCE is one of:
  a directory    payload files with sidecars X.meta.json beside X (node/schemas/resource.schema.json);
                 *.records.jsonl files in it are indexing records (node/schemas/indexing-record.schema.json)
  a BagIt bag    a directory with bagit.txt; validated first (manifests, checksums, Payload-Oxum), then data/
                 is read as a directory with sidecars
  a manifest     .csv (header: file,title,creator,...; list values separated by |; identifiers.isbn, toc as JSON)
                 or .jsonl ({"file": "...", "metadata": {...}} per line), paths relative to the manifest
  records        a .records.jsonl file (or .jsonl whose lines are indexing records)

Re-running is safe: unchanged files create nothing, changed bytes or metadata create a new version.
Interrupted runs (even kill -9) are finished by running the same command again.
Exit code: 0 when nothing failed, 1 otherwise.`;

/** `shulian ingest SOURCE` and `shulian sync SOURCE`: bring a library's resources onto the chain. */
export function register(program: Command): void {
  const common = (command: Command): Command =>
    command
      .argument('<source>', 'directory, BagIt bag, manifest (.csv / .jsonl) or indexing records (.records.jsonl)')
      .option('--dry-run', 'print the plan and change nothing')
      .option('--concurrency <n>', 'files stored in parallel (default: SHULIAN_INGEST_CONCURRENCY)')
      .option('--batch-size <n>', 'versions registered per transaction (default 100)')
      .addOption(
        new Option('--profile <name>', 'CID profile for new content (default: SHULIAN_CID_PROFILE)').choices([
          ...CID_PROFILE_NAMES,
        ]),
      )
      .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
      .option('--json', 'print the summary as JSON (counts, bytes, failures with file and reason)')
      .addHelpText('after', SOURCES_HELP);

  common(
    program
      .command('ingest')
      .description('ingest a source: validate, store, register versions, anchor indexing records'),
  ).action(async (source: string, options: IngestCommandOptions) => run(source, options, false));

  common(
    program
      .command('sync')
      .description(
        'bring the chain in line with a source: new and changed resources get versions; with --withdraw-missing, resources gone from the source are withdrawn',
      ),
  )
    .option(
      '--withdraw-missing',
      'withdraw resources this source brought in earlier and no longer holds (needs --reason)',
    )
    .addOption(
      new Option('--reason <code>', 'withdrawal reason code').choices([
        'copyright-claim',
        'error',
        'duplicate',
        'superseded',
        'legal',
        'other',
      ]),
    )
    .option('--note <text>', 'withdrawal note (default: names the missing file)')
    .action(async (source: string, options: IngestCommandOptions) => run(source, options, true));
}

async function run(source: string, options: IngestCommandOptions, sync: boolean): Promise<void> {
  if (sync && options.withdrawMissing && !options.reason) {
    throw new ValidationError(
      '--withdraw-missing needs --reason CODE (copyright-claim, error, duplicate, superseded, legal, other)',
      { pointer: '/reason' },
    );
  }
  const concurrency = options.concurrency === undefined ? undefined : Number(options.concurrency);
  if (concurrency !== undefined && (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256)) {
    throw new ValidationError(`--concurrency: expected an integer 1-256, got ${options.concurrency}`, {
      pointer: '/concurrency',
    });
  }
  const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 1000)) {
    throw new ValidationError(`--batch-size: expected an integer 1-1000, got ${options.batchSize}`, {
      pointer: '/batchSize',
    });
  }
  const summary = await withNode(options, async (node) => {
    const reporter = progressReporter({ json: options.json === true });
    let result: IngestSummary;
    try {
      result = await runIngest(
        {
          ledger: node.ledger,
          content: node.content,
          index: node.index,
          home: node.home,
          catchUp: () => node.catchUp(),
        },
        {
          source,
          dryRun: options.dryRun === true,
          concurrency: concurrency ?? node.config.ingestConcurrency,
          ...(batchSize === undefined ? {} : { registerBatchSize: batchSize }),
          profile: options.profile ?? node.config.cidProfile,
          onProgress: reporter.onProgress,
          ...(sync && options.withdrawMissing
            ? { withdrawMissing: { reason: options.reason as string, ...(options.note ? { note: options.note } : {}) } }
            : {}),
        },
      );
    } finally {
      reporter.stop();
    }
    // bring the local index up to the chain so show / search / history see the job at once
    if (!result.dryRun) await node.catchUp();
    return result;
  });
  if (options.json) printJson(summary);
  else process.stdout.write(describeSummary(summary));
  if (summary.failed > 0) process.exitCode = 1;
}
