/**
 * The `shulian` contract: one class, thin methods. Each transaction checks the caller's role first,
 * then the input's syntax, then the rules that depend on world state, and returns UTF-8 JSON.
 */
import { Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { ShulianContext } from './context';
import { requireRole } from './access';
import { at, invalid, notFound } from './errors';
import { joinJson, type Stored } from './state';
import * as v from './validate';
import { getBatch, parseBatchInput, anchorBatches } from './batches';
import { getHistory } from './history';
import { getReceipts, parseReceiptInput, recordReceipt } from './receipts';
import {
  getResource,
  getWithdrawal,
  listResourcesByOwner,
  listVersions,
  MAX_BATCH_INPUTS,
  mustGetVersion,
  parseRegisterInput,
  registerVersions,
  withdrawResource,
} from './resources';
import {
  getRights,
  grantRights,
  isAuthorized,
  listRightsByAssignee,
  listRightsByResource,
  parseGrantInput,
  revokeRights,
} from './rights';

function one(stored: Stored<unknown>): string {
  return Buffer.from(stored.bytes).toString('utf8');
}

function many(stored: readonly Stored<unknown>[]): string {
  return Buffer.from(joinJson(stored)).toString('utf8');
}

@Info({
  title: 'Shulian',
  description:
    'Provenance of library resource versions, Merkle batches, copyright authorisations and warehouse receipts',
  license: { name: 'Apache-2.0' },
})
export class ShulianContract extends Contract {
  constructor() {
    super('shulian');
  }

  override createContext(): ShulianContext {
    return new ShulianContext();
  }

  override async unknownTransaction(ctx: ShulianContext): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    throw invalid('/fn', 'a transaction of contract shulian', fcn);
  }

  @Transaction()
  @Returns('string')
  async RegisterVersion(ctx: ShulianContext, inputJson: string): Promise<string> {
    const who = requireRole(ctx, 'RegisterVersion', ['operator']);
    const input = parseRegisterInput(v.parseJson(inputJson), '');
    const [stored] = await registerVersions(ctx, who, [{ input, pointer: '' }]);
    return one(stored as Stored<unknown>);
  }

  @Transaction()
  @Returns('string')
  async RegisterVersions(ctx: ShulianContext, inputsJson: string): Promise<string> {
    const who = requireRole(ctx, 'RegisterVersions', ['operator']);
    const list = v.array(v.parseJson(inputsJson), '', 1, MAX_BATCH_INPUTS);
    const inputs = list.map((item, i) => ({ input: parseRegisterInput(item, at('', i)), pointer: at('', i) }));
    return many(await registerVersions(ctx, who, inputs));
  }

  @Transaction()
  @Returns('string')
  async WithdrawResource(ctx: ShulianContext, resourceId: string, reasonCode: string, note: string): Promise<string> {
    const who = requireRole(ctx, 'WithdrawResource', ['operator']);
    return one(await withdrawResource(ctx, who, resourceId, reasonCode, note));
  }

  @Transaction()
  @Returns('string')
  async AnchorBatch(ctx: ShulianContext, inputJson: string): Promise<string> {
    const who = requireRole(ctx, 'AnchorBatch', ['operator']);
    const input = parseBatchInput(v.parseJson(inputJson), '');
    const [stored] = await anchorBatches(ctx, who, [{ input, pointer: '' }]);
    return one(stored as Stored<unknown>);
  }

  @Transaction()
  @Returns('string')
  async AnchorBatches(ctx: ShulianContext, inputsJson: string): Promise<string> {
    const who = requireRole(ctx, 'AnchorBatches', ['operator']);
    const list = v.array(v.parseJson(inputsJson), '', 1, MAX_BATCH_INPUTS);
    const inputs = list.map((item, i) => ({ input: parseBatchInput(item, at('', i)), pointer: at('', i) }));
    return many(await anchorBatches(ctx, who, inputs));
  }

  @Transaction()
  @Returns('string')
  async GrantRights(ctx: ShulianContext, inputJson: string): Promise<string> {
    const who = requireRole(ctx, 'GrantRights', ['rights-admin', 'operator']);
    return one(await grantRights(ctx, who, parseGrantInput(v.parseJson(inputJson))));
  }

  @Transaction()
  @Returns('string')
  async RevokeRights(ctx: ShulianContext, rightsId: string, reason: string): Promise<string> {
    const who = requireRole(ctx, 'RevokeRights', ['rights-admin', 'operator']);
    return one(await revokeRights(ctx, who, rightsId, reason));
  }

  @Transaction()
  @Returns('string')
  async RecordReceipt(ctx: ShulianContext, inputJson: string): Promise<string> {
    const who = requireRole(ctx, 'RecordReceipt', ['warehouse']);
    return one(await recordReceipt(ctx, who, parseReceiptInput(v.parseJson(inputJson))));
  }

  @Transaction(false)
  @Returns('string')
  async GetResource(ctx: ShulianContext, resourceId: string): Promise<string> {
    const id = v.id(resourceId, '/resourceId');
    const found = await getResource(ctx, id);
    if (!found) throw notFound(`resource ${id} does not exist`);
    return one(found);
  }

  @Transaction(false)
  @Returns('string')
  async GetVersion(ctx: ShulianContext, resourceId: string, version: string): Promise<string> {
    const id = v.id(resourceId, '/resourceId');
    return one(await mustGetVersion(ctx, id, v.integerArg(version, '/version', 1)));
  }

  @Transaction(false)
  @Returns('string')
  async ListVersions(ctx: ShulianContext, resourceId: string): Promise<string> {
    return many(await listVersions(ctx, v.id(resourceId, '/resourceId')));
  }

  @Transaction(false)
  @Returns('string')
  async GetWithdrawal(ctx: ShulianContext, resourceId: string): Promise<string> {
    const id = v.id(resourceId, '/resourceId');
    const found = await getWithdrawal(ctx, id);
    if (!found) throw notFound(`resource ${id} has not been withdrawn`);
    return one(found);
  }

  @Transaction(false)
  @Returns('string')
  async GetBatch(ctx: ShulianContext, batchId: string): Promise<string> {
    const id = v.id(batchId, '/batchId');
    const found = await getBatch(ctx, id);
    if (!found) throw notFound(`batch ${id} does not exist`);
    return one(found);
  }

  @Transaction(false)
  @Returns('string')
  async GetRights(ctx: ShulianContext, rightsId: string): Promise<string> {
    const id = v.id(rightsId, '/rightsId');
    const found = await getRights(ctx, id);
    if (!found) throw notFound(`rights ${id} do not exist`);
    return one(found);
  }

  @Transaction(false)
  @Returns('string')
  async GetReceipts(ctx: ShulianContext, resourceId: string): Promise<string> {
    return JSON.stringify(await getReceipts(ctx, v.id(resourceId, '/resourceId')));
  }

  @Transaction(false)
  @Returns('string')
  async GetHistory(ctx: ShulianContext, kind: string, id: string): Promise<string> {
    return JSON.stringify(await getHistory(ctx, kind, id));
  }

  @Transaction(false)
  @Returns('string')
  async ListResourcesByOwner(
    ctx: ShulianContext,
    ownerMsp: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return JSON.stringify(await listResourcesByOwner(ctx, ownerMsp, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListRightsByAssignee(
    ctx: ShulianContext,
    assignee: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return JSON.stringify(await listRightsByAssignee(ctx, assignee, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async ListRightsByResource(
    ctx: ShulianContext,
    resourceId: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return JSON.stringify(await listRightsByResource(ctx, resourceId, pageSize, bookmark));
  }

  @Transaction(false)
  @Returns('string')
  async IsAuthorized(
    ctx: ShulianContext,
    resourceId: string,
    org: string,
    action: string,
    at: string,
  ): Promise<string> {
    return JSON.stringify(await isAuthorized(ctx, resourceId, org, action, at));
  }
}
