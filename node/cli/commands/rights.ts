import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { hashStream } from '../../core/digest.js';
import { ValidationError } from '../../core/errors.js';
import { chainClient, type Action, type GrantRightsInput, type Rights, type RightsBasis } from '../../ingest/index.js';
import { printJson, withNode, type NodeCommandOptions } from '../session.js';

const ACTIONS: readonly Action[] = ['reproduce', 'distribute', 'display', 'play', 'derive', 'archive'];
const BASES: readonly RightsBasis[] = ['copyright', 'licence', 'statute', 'policy'];

interface GrantOptions extends NodeCommandOptions {
  readonly resource?: string;
  readonly batch?: string;
  readonly collection?: boolean;
  readonly to: string;
  readonly actions: string;
  readonly from: string;
  readonly until?: string;
  readonly basis: RightsBasis;
  readonly terms?: string;
  readonly licence?: string;
  readonly rightsholder?: string;
  readonly territory?: string;
  readonly purpose?: string;
  readonly id?: string;
}

/** `shulian rights grant|revoke|list`: copyright authorisations on chain (ODRL 2.2 actions). */
export function register(program: Command): void {
  const rights = program.command('rights').description('grant, revoke and list copyright authorisations');
  const node = (command: Command): Command =>
    command
      .option(
        '--as <identity>',
        'identity of the home to act as (default: SHULIAN_IDENTITY, operator; rights-admin also may)',
      )
      .option('--home <dir>', 'node home (default: SHULIAN_HOME, else ./.shulian)')
      .option('--json', 'print JSON');

  node(
    rights
      .command('grant')
      .description(
        'authorise an organisation (or the public) to do something with a resource, a batch or the whole collection',
      )
      .option('--resource <id>', 'the resource the grant covers')
      .option('--batch <id>', 'or: the batch of indexing records it covers')
      .option('--collection', "or: the whole collection of this library's org")
      .requiredOption('--to <msp>', 'assignee: an org MSP id, or public')
      .requiredOption('--actions <list>', `comma-separated ODRL actions: ${ACTIONS.join(', ')}`)
      .requiredOption('--from <date>', 'start of validity: YYYY-MM-DD or an ISO-8601 date-time')
      .option('--until <date>', 'end of validity (inclusive for a date); default: no end')
      .addOption(new Option('--basis <basis>', 'legal basis').choices([...BASES]).makeOptionMandatory())
      .option(
        '--terms <file>',
        'confidential terms (contract text, fees): kept in the private collection; the public record holds their digest',
      )
      .option('--licence <file>', 'licence document: its SHA-256 goes on the public record')
      .option('--rightsholder <name>', 'the rightsholder (default: this library org)')
      .option('--territory <code>', 'ISO 3166 territory, e.g. CN or CN-22')
      .option('--purpose <text>', 'permitted purpose, e.g. education')
      .option('--id <rightsId>', 'rights id (default: a new random one)'),
  ).action(async (options: GrantOptions) => {
    const targets = [options.resource, options.batch, options.collection ? 'collection' : undefined].filter(Boolean);
    if (targets.length !== 1)
      throw new ValidationError('rights grant: expected exactly one of --resource, --batch, --collection', {
        pointer: '/target',
      });
    const actions = options.actions
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    actions.forEach((action, i) => {
      if (!ACTIONS.includes(action as Action))
        throw new ValidationError(`--actions: /actions/${i}: expected one of ${ACTIONS.join(', ')}, got "${action}"`, {
          pointer: `/actions/${i}`,
        });
    });
    const terms = options.terms ? await readFile(options.terms) : undefined;
    const licenceDigest = options.licence
      ? (await hashStream(createReadStream(options.licence), ['sha256'])).sha256
      : undefined;
    const { tx, rights: granted } = await withNode(options, async (n) => {
      const input: GrantRightsInput = {
        rightsId: options.id ?? `rights-${randomUUID()}`,
        target: options.resource
          ? { type: 'resource', id: options.resource }
          : options.batch
            ? { type: 'batch', id: options.batch }
            : { type: 'collection', id: n.config.orgMsp },
        rightsholder: options.rightsholder ?? n.config.orgMsp,
        assignee: options.to,
        actions: actions as Action[],
        constraints: {
          notBefore: isoDate(options.from, '--from', false),
          notAfter: options.until ? isoDate(options.until, '--until', true) : null,
          ...(options.territory ? { territory: options.territory } : {}),
          ...(options.purpose ? { purpose: options.purpose } : {}),
        },
        basis: options.basis,
        ...(licenceDigest ? { licenceDigest } : {}),
      };
      const out = await chainClient(n.ledger).grantRights(input, terms ? new Uint8Array(terms) : undefined);
      await n.catchUp();
      return out;
    });
    if (options.json) printJson({ ...granted, blockNumber: tx.blockNumber });
    else
      process.stdout.write(
        `granted ${granted.rightsId}: ${describe(granted)} (tx ${tx.txId}, block ${tx.blockNumber})\n`,
      );
  });

  node(
    rights
      .command('revoke')
      .description('revoke a grant (final: a new grant is a new record)')
      .argument('<rightsId>', 'rights id')
      .requiredOption('--reason <text>', 'why it is revoked'),
  ).action(async (rightsId: string, options: NodeCommandOptions & { reason: string }) => {
    const { tx, rights: revoked } = await withNode(options, async (n) => {
      const out = await chainClient(n.ledger).revokeRights(rightsId, options.reason);
      await n.catchUp();
      return out;
    });
    if (options.json) printJson({ ...revoked, blockNumber: tx.blockNumber });
    else
      process.stdout.write(
        `revoked ${revoked.rightsId} (${options.reason}) in tx ${tx.txId}, block ${tx.blockNumber}\n`,
      );
  });

  node(
    rights
      .command('list')
      .description('list grants of a resource or of an assignee, from the chain')
      .option('--resource <id>', 'grants covering this resource')
      .option('--assignee <msp>', 'grants to this org (or public)'),
  ).action(async (options: NodeCommandOptions & { resource?: string; assignee?: string }) => {
    if ((options.resource === undefined) === (options.assignee === undefined)) {
      throw new ValidationError('rights list: expected exactly one of --resource ID or --assignee MSP', {
        pointer: '/resource',
      });
    }
    const list = await withNode(options, (n) => {
      const chain = chainClient(n.ledger);
      return options.resource
        ? chain.listRightsByResource(options.resource)
        : chain.listRightsByAssignee(options.assignee as string);
    });
    if (options.json) return printJson(list);
    if (list.length === 0) process.stdout.write('no grants\n');
    for (const r of list)
      process.stdout.write(
        `${r.rightsId}  ${r.status.padEnd(7)}  ${describe(r)}${r.reason ? `  (revoked: ${r.reason})` : ''}\n`,
      );
  });
}

function describe(r: Rights): string {
  const until = r.constraints.notAfter ?? 'no end';
  return `${r.assignee} may ${r.actions.join(', ')} ${r.target.type} ${r.target.id} from ${r.constraints.notBefore} until ${until} (${r.basis})`;
}

/** YYYY-MM-DD (start or end of that day, UTC) or a full ISO-8601 date-time with an offset. */
function isoDate(text: string, option: string, endOfDay: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)))
    return `${text}T${endOfDay ? '23:59:59' : '00:00:00'}Z`;
  if (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(text) &&
    !Number.isNaN(Date.parse(text))
  )
    return text;
  throw new ValidationError(
    `${option}: expected YYYY-MM-DD or an ISO-8601 date-time such as 2026-01-01T00:00:00Z, got "${text}"`,
    { pointer: `/${option.slice(2)}` },
  );
}
