import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ContentError, loadConfig, type Config } from '../../core/index.js';
import {
  embeddedContentStore,
  kuboContentStore,
  type ContentStore,
  type EmbeddedContentStore,
} from '../../content/index.js';

/** `shulian content gc|verify|stat`: maintenance of the node's content store (`<SHULIAN_HOME>/content`). */
export function register(program: Command): void {
  const content = program
    .command('content')
    .description("maintain the node's content store (SHULIAN_HOME/content, or Kubo when SHULIAN_CONTENT=kubo)");

  content
    .command('gc')
    .description('delete blocks no committed content uses (leftovers of interrupted puts, removed content)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      await withStore(async (store, config) => {
        if (!('gc' in store)) {
          throw new ContentError('UNSUPPORTED', 'gc applies to the embedded store; on Kubo run `ipfs repo gc`', {
            details: { store: config.content },
          });
        }
        const report = await (store as EmbeddedContentStore).gc();
        process.stdout.write(
          options.json
            ? `${JSON.stringify(report)}\n`
            : `removed ${report.removedBlocks} block file(s), ${report.removedPacks} pack(s) (${report.removedBytes} bytes together) and ${report.removedTempFiles} temp file(s); kept ${report.keptBlocks} block(s)\n`,
        );
      });
    });

  content
    .command('verify')
    .description('re-hash every block of the content at CID; exit status 1 if any is missing or corrupt')
    .argument('<cid>', 'content CID')
    .option('--json', 'print the report as JSON')
    .action(async (cid: string, options: { json?: boolean }) => {
      await withStore(async (store) => {
        const report = await store.verify(cid);
        if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else {
          process.stdout.write(`${report.ok ? 'ok' : 'FAILED'}  ${report.cid}  ${report.blocks} block(s)\n`);
          for (const c of report.missing) process.stdout.write(`missing  ${c}\n`);
          for (const c of report.corrupt) process.stdout.write(`corrupt  ${c}\n`);
        }
        if (!report.ok) process.exitCode = 1;
      });
    });

  content
    .command('stat')
    .description('size and block count of the content at CID')
    .argument('<cid>', 'content CID')
    .option('--json', 'print as JSON')
    .action(async (cid: string, options: { json?: boolean }) => {
      await withStore(async (store) => {
        const stat = await store.stat(cid);
        process.stdout.write(
          options.json ? `${JSON.stringify(stat)}\n` : `${stat.cid}  size ${stat.size}  blocks ${stat.blocks}\n`,
        );
      });
    });
}

async function withStore(fn: (store: ContentStore, config: Readonly<Config>) => Promise<void>): Promise<void> {
  const config = loadConfig(process.env);
  let store: ContentStore;
  if (config.content === 'kubo') {
    store = kuboContentStore({
      url: config.kuboApi,
      ...(config.clusterApi
        ? {
            cluster: {
              url: config.clusterApi,
              replication: config.clusterReplication,
              basicAuth: config.clusterBasicAuth || undefined,
            },
          }
        : {}),
    });
  } else {
    const dir = join(config.home, 'content');
    if (!existsSync(dir)) {
      throw new ContentError(
        'NO_STORE',
        `no content store at ${dir} (SHULIAN_HOME=${config.home}); run \`shulian init\` or ingest content first`,
        { file: dir },
      );
    }
    store = await embeddedContentStore({ dir });
  }
  try {
    await fn(store, config);
  } finally {
    await store.close();
  }
}
