import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { main } from '../../node/cli/index.js';
import { registerText, tempNode } from './helpers.js';

/** Runs the CLI in-process and captures what it prints. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (out += String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (err += String(chunk)),
    true
  )) as typeof process.stderr.write;
  const exitCode = process.exitCode;
  try {
    const code = await main(['node', 'shulian', ...args]);
    return { code, out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = exitCode;
  }
}

describe('cli: show, history, search, index', function () {
  this.timeout(60_000);
  let home: string;

  before(async () => {
    const t = await tempNode();
    home = t.home;
    try {
      await registerText(t.node, 'lunyu', '子曰：学而时习之', {
        title: ['论语·学而篇'],
        subject: ['儒家'],
        class: 'ocr-text',
      });
      await registerText(t.node, 'lunyu', '子曰：学而时习之，不亦说乎', {
        title: ['论语·学而篇'],
        subject: ['儒家', '经部'],
      });
      await t.node.ledger.submit({
        fn: 'GrantRights',
        args: [
          JSON.stringify({
            rightsId: 'g1',
            target: { type: 'resource', id: 'lunyu' },
            rightsholder: '吉林省图书馆',
            assignee: 'NLCMSP',
            actions: ['archive'],
            constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter: null },
            basis: 'licence',
          }),
        ],
      });
      // the index is deliberately left behind: commands catch up before they answer
    } finally {
      await t.node.close();
    }
  });
  after(async () => rm(home, { recursive: true, force: true }));

  it('show prints the resource, its versions and rights, and --json the views', async () => {
    const human = await cli('show', 'lunyu', '--home', home);
    expect(human.code, human.err).to.equal(0);
    expect(human.out).to.match(/^lunyu {2}\(active, owner JilinLibraryMSP, head version 2\)/);
    expect(human.out).to.include('论语·学而篇');
    expect(human.out).to.match(/v2 .*\n.*v1 /);
    expect(human.out).to.match(/g1 +granted +resource +to NLCMSP +archive/);
    const json = await cli('show', 'lunyu', '--home', home, '--json');
    const parsed = JSON.parse(json.out) as {
      resource: { versions: unknown[] };
      rights: { record: { rightsId: string } }[];
    };
    expect(parsed.resource.versions).to.have.length(2);
    expect(parsed.rights.map((r) => r.record.rightsId)).to.deep.equal(['g1']);
  });

  it('show of an unknown id exits 1 with a one-line error', async () => {
    const r = await cli('show', 'nothing-here', '--home', home);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal(
      'shulian: error [NOT_FOUND] resource nothing-here is not on the ledger (resourceId=nothing-here)\n',
    );
  });

  it('history lists versions and grants in commit order', async () => {
    const r = await cli('history', 'lunyu', '--home', home, '--json');
    const parsed = JSON.parse(r.out) as { history: { kind: string }[] };
    expect(parsed.history.map((h) => h.kind)).to.deep.equal(['version', 'version', 'rights-granted']);
    const human = await cli('history', 'lunyu', '--home', home);
    expect(human.out).to.match(
      /3 event\(s\)[\s\S]*version 1 registered[\s\S]*version 2 registered[\s\S]*rights g1 granted to NLCMSP/,
    );
  });

  it('search finds Chinese terms of two characters and more', async () => {
    const two = JSON.parse((await cli('search', '经部', '--home', home, '--json')).out) as {
      total: number;
      items: { id: string }[];
    };
    expect(two.items.map((i) => i.id)).to.deep.equal(['lunyu']);
    const human = await cli('search', '学而篇', '--home', home);
    expect(human.out).to.match(/^1 result\(s\) for "学而篇" \(showing 1–1\)\n {2}resource {2}lunyu {2}论语·学而篇/);
    const none = await cli('search', '地方志', '--home', home);
    expect(none.out).to.equal('0 result(s) for "地方志"\n');
    const bad = await cli('search', '书', '--limit', 'x', '--home', home);
    expect(bad.code).to.equal(1);
    expect(bad.err).to.include('--limit');
  });

  it('index status and rebuild report the projection', async () => {
    const status = JSON.parse((await cli('index', 'status', '--home', home, '--json')).out) as {
      eventsApplied: number;
      blocksBehind: number;
      counts: { versions: number };
    };
    expect(status).to.deep.include({ eventsApplied: 3, blocksBehind: 0 });
    const rebuilt = JSON.parse((await cli('index', 'rebuild', '--home', home, '--json')).out) as {
      eventsApplied: number;
      counts: { versions: number; metadata: number };
    };
    expect(rebuilt.eventsApplied).to.equal(3);
    expect(rebuilt.counts.versions).to.equal(2);
    expect(rebuilt.counts.metadata).to.equal(2);
    const human = await cli('index', 'status', '--home', home);
    expect(human.out).to.match(/events {5}3 applied; ledger height \d+ block\(s\), up to date/);
  });
});
