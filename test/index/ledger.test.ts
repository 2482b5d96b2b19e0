import { join } from 'node:path';
import { expect } from 'chai';
import { openIndex } from '../../node/index/index.js';
import type { Authorization } from '../../node/index/records.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { dumpIndex } from './dump.js';
import { json, registerText, tempNode } from '../runtime/helpers.js';

describe('index: projection of a real embedded ledger', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let home: string;

  before(async () => {
    ({ node, cleanup, home } = await tempNode());
    const meta = { title: ['论语·学而篇'], subject: ['儒家'], description: ['有朋自远方来，不亦乐乎'] };
    await registerText(node, 'lunyu', '子曰：学而时习之，不亦说乎？', meta);
    await registerText(node, 'lunyu', '子曰：学而时习之，不亦说乎？有朋自远方来，不亦乐乎？', {
      ...meta,
      title: ['论语·学而篇（修订）'],
    });
    await registerText(node, 'tongzhi', '吉林通志 卷一', { title: ['吉林通志'], subject: ['地方志'] });
    const grant = (rightsId: string, resource: string, assignee: string, actions: string[], notAfter: string | null) =>
      node.ledger.submit({
        fn: 'GrantRights',
        args: [
          JSON.stringify({
            rightsId,
            target: { type: 'resource', id: resource },
            rightsholder: '吉林省图书馆',
            assignee,
            actions,
            constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter },
            basis: 'licence',
          }),
        ],
      });
    await grant('g-nlc', 'lunyu', 'NLCMSP', ['reproduce', 'archive'], null);
    await grant('g-pub', 'lunyu', 'public', ['display'], '2030-01-01T00:00:00Z');
    await grant('g-sh', 'tongzhi', 'ShanghaiLibraryMSP', ['distribute'], null);
    await node.ledger.submit({ fn: 'RevokeRights', args: ['g-sh', '授权期满前终止'] });
    await node.ledger.submit({
      fn: 'AnchorBatch',
      args: [
        JSON.stringify({
          batchId: 'lunyu-records-1',
          root: 'ab'.repeat(32),
          count: 12,
          parent: { resourceId: 'lunyu', version: 2 },
          kind: 'indexing-records',
        }),
      ],
    });
    const head = json<{ cid: string; sha256: string; sm3: string }>(
      await node.ledger.evaluate({ fn: 'GetVersion', args: ['lunyu', '2'] }),
    );
    const warehouse = await node.ledgerAs('NLCMSP/warehouse');
    await warehouse.submit({
      fn: 'RecordReceipt',
      args: [JSON.stringify({ resourceId: 'lunyu', version: 2, cid: head.cid, sha256: head.sha256, sm3: head.sm3 })],
    });
    await node.ledger.submit({ fn: 'WithdrawResource', args: ['tongzhi', 'legal', '依法撤回'] });
    await node.catchUp();
  });
  after(async () => cleanup());

  it('projects every transaction with its placement, and metadata fetched from the content store', async () => {
    const lunyu = node.index.getResource('lunyu');
    expect(lunyu?.headVersion).to.equal(2);
    expect(lunyu?.versions).to.have.length(2);
    const v2 = json<{ txId: string }>(await node.ledger.evaluate({ fn: 'GetVersion', args: ['lunyu', '2'] }));
    expect(lunyu?.versions[1]?.record).to.deep.equal(v2);
    expect(lunyu?.versions[1]?.txId).to.equal(v2.txId);
    expect(lunyu?.versions[1]?.blockNumber).to.be.a('number');
    expect(lunyu?.metadata).to.deep.include({ title: ['论语·学而篇（修订）'] });
    expect(node.index.getResource('tongzhi')?.status).to.equal('withdrawn');
    expect(node.index.getRights('g-sh')?.record.status).to.equal('revoked');
    expect(node.index.getBatch('lunyu-records-1')?.record.count).to.equal(12);
    expect(node.index.receipts('lunyu').map((r) => r.record.warehouse)).to.deep.equal(['NLCMSP']);
    expect(node.index.search('修订').items.map((h) => h.id)).to.deep.equal(['lunyu']);
    expect(node.index.status().position?.blockNumber).to.equal((await node.ledger.height()) - 1);
  });

  it('answers isAuthorized exactly as the chaincode does, naming the same rights', async () => {
    const queries: [string, string, string, string][] = [
      ['lunyu', 'NLCMSP', 'reproduce', '2026-06-01T00:00:00Z'],
      ['lunyu', 'NLCMSP', 'derive', '2026-06-01T00:00:00Z'],
      ['lunyu', 'GuangdongLibraryMSP', 'display', '2026-06-01T00:00:00Z'],
      ['lunyu', 'GuangdongLibraryMSP', 'display', '2031-06-01T00:00:00Z'],
      ['lunyu', 'NLCMSP', 'archive', '2025-06-01T00:00:00Z'],
      ['tongzhi', 'ShanghaiLibraryMSP', 'distribute', '2026-06-01T00:00:00Z'],
      ['tongzhi', 'ShanghaiLibraryMSP', 'distribute', '2099-01-01T00:00:00Z'],
    ];
    for (const [resourceId, org, action, at] of queries) {
      const chain = json<Authorization>(
        await node.ledger.evaluate({ fn: 'IsAuthorized', args: [resourceId, org, action, at] }),
      );
      const local = node.index.isAuthorized({ resourceId, org, action: action as 'display', at });
      expect(local, `${org} ${action} ${resourceId} at ${at}`).to.deep.equal(chain);
    }
  });

  it('a rebuilt index equals the live one; a restarted follower adds nothing twice', async () => {
    const live = node.index.path;
    const rebuiltPath = join(home, 'rebuilt.sqlite');
    const rebuilt = openIndex({ path: rebuiltPath });
    try {
      // the off-chain data (metadata by hash) comes back from the content store
      await rebuilt.rebuild(node.ledger, { content: node.content });
    } finally {
      rebuilt.close();
    }
    expect(dumpIndex(rebuiltPath)).to.deep.equal(dumpIndex(live));

    const before = node.index.status();
    await node.catchUp();
    expect(node.index.status()).to.deep.equal(before);
    // rebuild in place, over the live index
    const status = await node.index.rebuild(node.ledger, { content: node.content });
    expect(status.eventsApplied).to.equal(before.eventsApplied);
    expect(dumpIndex(live)).to.deep.equal(dumpIndex(rebuiltPath));
  });

  it('follows new blocks as they are committed', async () => {
    const seen: string[] = [];
    const follower = node.followIndex({ onEvent: (e) => seen.push(e.eventName) });
    try {
      await registerText(node, 'audio-1', 'RIFF....', { title: ['古琴曲《流水》'] });
      for (let i = 0; i < 200 && node.index.getResource('audio-1') === undefined; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect(node.index.getResource('audio-1')?.metadata).to.deep.equal({ title: ['古琴曲《流水》'] });
      expect(seen).to.include('ResourceRegistered');
    } finally {
      await follower.stop();
    }
  });
});
