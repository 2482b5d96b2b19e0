import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { checkScope, premisXml, provJson, type AuditSources } from '../../audit/index.js';
import { fixityAuditReader, fixityStorePath, openFixityStore } from '../../fixity/index.js';
import { withNode, type NodeCommandOptions } from '../session.js';

/** The `audit` command group; other modules add their subcommands to the same group through this. */
export function auditGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'audit') ??
    program.command('audit').description('what an auditor needs: exports, reports, fixity results')
  );
}

/** `shulian audit export --format premis|prov [--resource ID] [-o FILE]`. */
export function register(program: Command): void {
  auditGroup(program)
    .command('export')
    .description('PREMIS 3 XML or W3C PROV-JSON of one resource, or of the whole collection')
    .requiredOption('--format <format>', 'premis | prov')
    .option('--resource <id>', 'only this resource (default: the whole collection)')
    .option('-o, --out <file>', 'write to a file (written whole, then renamed into place) instead of stdout')
    .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
    .action(async (options: NodeCommandOptions & { format: string; resource?: string; out?: string }) => {
      if (options.format !== 'premis' && options.format !== 'prov')
        throw new ValidationError(`--format: expected premis or prov, got "${options.format}"`, { pointer: '/format' });
      await withNode(options, async (node) => {
        await node.catchUp();
        // the fixity job's results, when it ever ran here (never create its store just to read nothing)
        const store = existsSync(fixityStorePath(node.home)) ? openFixityStore({ home: node.home }) : undefined;
        try {
          await exportTo(options, { index: node.index, ...(store ? { fixity: fixityAuditReader(store) } : {}) });
        } finally {
          store?.close();
        }
      });
    });
}

async function exportTo(
  options: { format: string; resource?: string; out?: string },
  sources: AuditSources,
): Promise<void> {
  const scope = options.resource === undefined ? {} : { resourceId: options.resource };
  checkScope(sources, scope);
  const chunks = options.format === 'premis' ? premisXml(sources, scope) : provJson(sources, scope);
  if (!options.out) {
    for await (const chunk of chunks) if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    return;
  }
  const tmp = `${options.out}.partial`;
  const out = createWriteStream(tmp);
  try {
    for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    await rename(tmp, options.out);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
