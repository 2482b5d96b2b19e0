import type { Agent } from 'node:https';
import { expect } from 'chai';
import { pino } from 'pino';
import { startNodeGateway, type RunningGateway } from '../../gateway/index.js';
import { consortiumLayout } from '../../node/identity/index.js';
import { signProposal } from '../../node/ledger/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { json, registerText, tempNode } from '../runtime/helpers.js';
import { agentFor, call, problemOf, tlsFrom } from './client.js';

describe('gateway: POST /v1/receipts relays the warehouse’s own signed receipt', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let warehouse: Agent;
  let operator: Agent;
  let args: string[];

  before(async () => {
    ({ node, home, cleanup } = await tempNode());
    await registerText(node, 'rcpt-1', 'bytes', { title: ['t'] });
    const v = json<{ cid: string; sha256: string; sm3: string }>(
      await node.ledger.evaluate({ fn: 'GetVersion', args: ['rcpt-1', '1'] }),
    );
    args = [JSON.stringify({ resourceId: 'rcpt-1', version: 1, cid: v.cid, sha256: v.sha256, sm3: v.sm3 })];
    gw = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    const layout = consortiumLayout(home);
    warehouse = agentFor(tlsFrom(layout.national.users.warehouse.tls!, layout.tlsCaBundle));
    operator = agentFor(tlsFrom(layout.province.users.operator.tls!, layout.tlsCaBundle));
  });
  after(async () => {
    warehouse?.destroy();
    operator?.destroy();
    await gw?.close();
    await cleanup?.();
  });

  const post = (agent: Agent, body: unknown, type = 'application/json') =>
    call(gw.url, agent, 'POST', '/v1/receipts', {
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const signed = async (name: string, fn = 'RecordReceipt', a = args) => {
    const s = await signProposal(await node.identities.load(name), { channel: 'smartlibrary', fn, args: a });
    return { proposal: s.proposal, signature: s.signature };
  };

  it('records it (201), on the chain as the warehouse’s; a replay is a 409', async () => {
    const body = await signed('NLCMSP/warehouse');
    const r = await post(warehouse, body);
    expect(r.status, r.body.toString()).to.equal(201);
    const out = JSON.parse(r.body.toString()) as {
      txId: string;
      receipt: { warehouse: string; by: { mspId: string } };
    };
    expect(out.receipt.warehouse).to.equal('NLCMSP');
    const receipts = json<{ txId: string }[]>(await node.ledger.evaluate({ fn: 'GetReceipts', args: ['rcpt-1'] }));
    expect(receipts.map((x) => x.txId)).to.include(out.txId);
    const again = await post(warehouse, body);
    expect(again.status).to.equal(409);
    expect(problemOf(again).type).to.equal('urn:shulian:problem:conflict');
  });

  it('refuses callers without the warehouse role, other transactions, and proposals of another org', async () => {
    expect(problemOf(await post(operator, await signed('NLCMSP/warehouse'))).type).to.equal(
      'urn:shulian:problem:role-required',
    );
    const other = problemOf(
      await post(warehouse, await signed('NLCMSP/warehouse', 'WithdrawResource', ['rcpt-1', 'error', 'x'])),
    );
    expect(other.type).to.equal('urn:shulian:problem:access-denied');
    expect(other.pointer).to.equal('/proposal/fn');
    const foreign = problemOf(await post(warehouse, await signed('operator')));
    expect(foreign.type).to.equal('urn:shulian:problem:access-denied');
    expect(foreign.pointer).to.equal('/proposal/creator/mspId');
  });

  it('names the field of a malformed body', async () => {
    expect(problemOf(await post(warehouse, { proposal: 1 })).pointer).to.equal('/proposal');
    expect(problemOf(await post(warehouse, { proposal: '{', signature: 'AAAA' })).pointer).to.equal('/proposal');
    const good = await signed('NLCMSP/warehouse');
    expect(problemOf(await post(warehouse, { ...good, signature: 'not base64!' })).pointer).to.equal('/signature');
    expect((await post(warehouse, 'proposal=x', 'application/x-www-form-urlencoded')).status).to.equal(415);
  });
});
