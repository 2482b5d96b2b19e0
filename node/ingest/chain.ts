import { isShulianError } from '../core/errors.js';
import type { Ledger, SubmitResult } from '../ledger/types.js';
import type {
  AnchorBatchInput,
  Batch,
  GrantRightsInput,
  Page,
  RegisterVersionInput,
  Resource,
  ResourceVersion,
  Rights,
  Withdrawal,
} from '../index/records.js';

export type {
  AnchorBatchInput,
  Batch,
  GrantRightsInput,
  RegisterVersionInput,
  Resource,
  ResourceVersion,
  Rights,
  Withdrawal,
  VersionRef,
  Action,
  RightsBasis,
} from '../index/records.js';

/**
 * The Shulian chaincode's transactions as typed calls on a Ledger port (the chaincode takes and returns
 * JSON strings). Errors come back as the ledger adapter maps them: ValidationError, NotFoundError, ...
 */
export interface Chain {
  readonly ledger: Ledger;
  registerVersions(inputs: readonly RegisterVersionInput[]): Promise<{ tx: SubmitResult; versions: ResourceVersion[] }>;
  anchorBatches(inputs: readonly AnchorBatchInput[]): Promise<{ tx: SubmitResult; batches: Batch[] }>;
  withdraw(resourceId: string, reasonCode: string, note: string): Promise<{ tx: SubmitResult; withdrawal: Withdrawal }>;
  grantRights(input: GrantRightsInput, terms?: Uint8Array): Promise<{ tx: SubmitResult; rights: Rights }>;
  revokeRights(rightsId: string, reason: string): Promise<{ tx: SubmitResult; rights: Rights }>;
  getResource(resourceId: string): Promise<Resource | undefined>;
  getVersion(resourceId: string, version: number): Promise<ResourceVersion | undefined>;
  /** The head version of a resource, with the resource; undefined when it does not exist. */
  head(resourceId: string): Promise<{ resource: Resource; version: ResourceVersion } | undefined>;
  getBatch(batchId: string): Promise<Batch | undefined>;
  getRights(rightsId: string): Promise<Rights | undefined>;
  listRightsByResource(resourceId: string): Promise<Rights[]>;
  listRightsByAssignee(assignee: string): Promise<Rights[]>;
}

export function chainClient(ledger: Ledger): Chain {
  const submit = async <T>(
    fn: string,
    args: string[],
    transient?: Record<string, Uint8Array>,
  ): Promise<{ tx: SubmitResult; value: T }> => {
    const tx = await ledger.submit({ fn, args, ...(transient ? { transient } : {}) });
    return { tx, value: JSON.parse(Buffer.from(tx.result).toString('utf8')) as T };
  };
  const evaluate = async <T>(fn: string, args: string[]): Promise<T> =>
    JSON.parse(Buffer.from(await ledger.evaluate({ fn, args })).toString('utf8')) as T;
  const maybe = async <T>(fn: string, args: string[]): Promise<T | undefined> => {
    try {
      return await evaluate<T>(fn, args);
    } catch (err) {
      if (isShulianError(err) && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  };
  const allPages = async <T>(fn: string, key: string): Promise<T[]> => {
    const out: T[] = [];
    let bookmark = '';
    for (;;) {
      const page = await evaluate<Page<T>>(fn, [key, '200', bookmark]);
      out.push(...page.records);
      if (!page.bookmark || page.records.length === 0 || page.bookmark === bookmark) return out;
      bookmark = page.bookmark;
    }
  };
  const chain: Chain = {
    ledger,
    async registerVersions(inputs) {
      const { tx, value } = await submit<ResourceVersion[]>('RegisterVersions', [JSON.stringify(inputs)]);
      return { tx, versions: value };
    },
    async anchorBatches(inputs) {
      const { tx, value } = await submit<Batch[]>('AnchorBatches', [JSON.stringify(inputs)]);
      return { tx, batches: value };
    },
    async withdraw(resourceId, reasonCode, note) {
      const { tx, value } = await submit<Withdrawal>('WithdrawResource', [resourceId, reasonCode, note]);
      return { tx, withdrawal: value };
    },
    async grantRights(input, terms) {
      const { tx, value } = await submit<Rights>('GrantRights', [JSON.stringify(input)], terms ? { terms } : undefined);
      return { tx, rights: value };
    },
    async revokeRights(rightsId, reason) {
      const { tx, value } = await submit<Rights>('RevokeRights', [rightsId, reason]);
      return { tx, rights: value };
    },
    getResource: (id) => maybe<Resource>('GetResource', [id]),
    getVersion: (id, version) => maybe<ResourceVersion>('GetVersion', [id, String(version)]),
    async head(id) {
      const resource = await chain.getResource(id);
      if (!resource) return undefined;
      const version = await chain.getVersion(id, resource.headVersion);
      return version ? { resource, version } : undefined;
    },
    getBatch: (id) => maybe<Batch>('GetBatch', [id]),
    getRights: (id) => maybe<Rights>('GetRights', [id]),
    listRightsByResource: (id) => allPages<Rights>('ListRightsByResource', id),
    listRightsByAssignee: (assignee) => allPages<Rights>('ListRightsByAssignee', assignee),
  };
  return chain;
}
