import { expect } from 'chai';
import { canonicalize } from '../../node/core/index.js';
import { isSignedProposalRelay, signProposal, type SignedProposal } from '../../node/ledger/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { registerText, tempNode, json } from '../runtime/helpers.js';

describe('ledger: proposals signed by their creator, relayed (submitSigned)', function () {
  this.timeout(30_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let receiptArgs: string[];

  before(async () => {
    ({ node, cleanup } = await tempNode());
    await registerText(node, 'relay-1', 'bytes', { title: ['t'] });
    const v = json<{ cid: string; sha256: string; sm3: string }>(
      await node.ledger.evaluate({ fn: 'GetVersion', args: ['relay-1', '1'] }),
    );
    receiptArgs = [JSON.stringify({ resourceId: 'relay-1', version: 1, cid: v.cid, sha256: v.sha256, sm3: v.sm3 })];
  });
  after(async () => cleanup?.());

  const warehouseSigned = async (fn = 'RecordReceipt', args = receiptArgs, channel = 'smartlibrary') =>
    signProposal(await node.identities.load('NLCMSP/warehouse'), { channel, fn, args });
  const relay = () => {
    if (!isSignedProposalRelay(node.ledger)) throw new Error('the embedded ledger should relay signed proposals');
    return node.ledger;
  };
  const failure = async (signed: SignedProposal): Promise<{ code: string; message: string }> => {
    try {
      await relay().submitSigned(signed);
    } catch (err) {
      return err as { code: string; message: string };
    }
    throw new Error('expected the relayed proposal to be refused');
  };

  it("records the warehouse's own receipt, signed by the warehouse, through the operator's connection", async () => {
    const signed = await warehouseSigned();
    const result = await relay().submitSigned(signed);
    expect(result.txId).to.equal(signed.txId);
    const receipt = json<{ warehouse: string; by: { mspId: string } }>(result.result);
    expect(receipt.warehouse).to.equal('NLCMSP');
    expect(receipt.by.mspId).to.equal('NLCMSP');
    const proof = await node.ledger.proof(result.txId);
    expect(
      (proof as unknown as { envelope: { proposal: { creator: { mspId: string } } } }).envelope.proposal.creator.mspId,
    ).to.equal('NLCMSP');
  });

  it('refuses a replay, an altered proposal, a foreign channel, a stale timestamp and non-canonical JSON', async () => {
    const signed = await warehouseSigned();
    await relay().submitSigned(signed);
    expect((await failure(signed)).code).to.equal('CONFLICT');

    const fresh = await warehouseSigned();
    const altered = JSON.parse(fresh.proposal) as { args: string[] };
    altered.args = [receiptArgs[0]!.replace('"version":1', '"version":2')];
    expect((await failure({ proposal: canonicalize(altered), signature: fresh.signature })).code).to.equal(
      'ACCESS_DENIED',
    );

    expect((await failure(await warehouseSigned('RecordReceipt', receiptArgs, 'otherchannel'))).message).to.match(
      /channel/,
    );

    const stale = JSON.parse(fresh.proposal) as { timestamp: { seconds: number } };
    stale.timestamp.seconds -= 3600;
    expect((await failure({ proposal: canonicalize(stale), signature: fresh.signature })).message).to.match(
      /timestamp/,
    );

    expect(
      (await failure({ proposal: JSON.stringify(JSON.parse(fresh.proposal), null, 1), signature: fresh.signature }))
        .message,
    ).to.match(/canonical/);
  });

  it('leaves authorisation to the chaincode: the warehouse cannot register a version through the relay', async () => {
    const signed = await warehouseSigned('WithdrawResource', ['relay-1', 'error', 'not mine']);
    expect((await failure(signed)).code).to.equal('ACCESS_DENIED');
  });
});
