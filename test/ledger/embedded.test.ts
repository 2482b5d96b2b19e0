import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  AccessDeniedError,
  ConflictError,
  LedgerError,
  NotFoundError,
  ValidationError,
} from '../../node/core/errors.js';
import {
  checkpointAfter,
  fileCheckpointer,
  openEmbeddedRuntime,
  termsCollections,
  DB_FILE,
  type EmbeddedRuntime,
  type Ledger,
  type LedgerEvent,
} from '../../node/ledger/index.js';
import { KV_CONTRACT_DIR, json, tempDir, testConsortium, text, type TestConsortium } from './helpers.js';

async function collect(iterable: AsyncIterable<LedgerEvent>, n = Infinity): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of iterable) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('embedded ledger runtime (test contract)', function () {
  let c: TestConsortium;
  let dir: string;
  let cleanup: () => Promise<void>;
  let runtime: EmbeddedRuntime;
  let ledger: Ledger;

  before(async () => {
    c = await testConsortium();
  });
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR, pollIntervalMs: 20 });
    ledger = runtime.connect(c.operator);
  });
  afterEach(async () => {
    await runtime.close();
    await cleanup();
  });

  it('submits, commits in a block and evaluates against committed state', async () => {
    const r = await ledger.submit({ fn: 'Put', args: ['k1', 'v1'] });
    expect(r.txId).to.match(/^[0-9a-f]{64}$/);
    expect(r.blockNumber).to.equal(0);
    expect(json(r.result)).to.deep.equal({ key: 'k1', value: 'v1' });
    expect(text(await ledger.evaluate({ fn: 'Get', args: ['k1'] }))).to.equal('v1');
    expect(await ledger.height()).to.equal(1);
    // evaluate never writes
    await ledger.evaluate({ fn: 'Put', args: ['k2', 'v2'] });
    expect(await ledger.height()).to.equal(1);
    expect(await rejection(ledger.evaluate({ fn: 'Get', args: ['k2'] }))).to.be.instanceOf(NotFoundError);
  });

  it('maps chaincode errors onto the node error classes, keeping the txId and pointer', async () => {
    const notFound = await rejection(ledger.evaluate({ fn: 'Get', args: ['missing'] }));
    expect(notFound).to.be.instanceOf(NotFoundError);
    expect((notFound as NotFoundError).ids.pointer).to.equal('/key');
    expect((notFound as NotFoundError).ids.txId).to.match(/^[0-9a-f]{64}$/);
    const cases: [string, new (...a: never[]) => Error][] = [
      ['VALIDATION', ValidationError],
      ['ACCESS_DENIED', AccessDeniedError],
      ['CONFLICT', ConflictError],
      ['NOT_FOUND', NotFoundError],
    ];
    for (const [code, cls] of cases) {
      const err = await rejection(ledger.submit({ fn: 'Fail', args: [code, '/a/b: went wrong'] }));
      expect(err, code).to.be.instanceOf(cls);
      expect(err.message).to.equal('/a/b: went wrong');
      expect((err as ValidationError).ids.pointer).to.equal('/a/b');
    }
    const other = await rejection(ledger.submit({ fn: 'Fail', args: ['RATE', 'slow down'] }));
    expect(other).to.be.instanceOf(LedgerError);
    expect((other as LedgerError).code).to.equal('RATE');
    const unknown = await rejection(ledger.submit({ fn: 'NoSuchFunction' }));
    expect(unknown).to.be.instanceOf(LedgerError);
    expect((unknown as LedgerError).code).to.equal('CHAINCODE');
    expect(unknown.message).to.contain('NoSuchFunction');
    // a failed endorsement is never ordered
    expect(await ledger.height()).to.equal(0);
  });

  it('rejects malformed proposals naming the field', async () => {
    const fn = await rejection(ledger.submit({ fn: '' }));
    expect(fn).to.be.instanceOf(ValidationError);
    expect((fn as ValidationError).ids.pointer).to.equal('/fn');
    const arg = await rejection(ledger.submit({ fn: 'Put', args: ['a', 5 as unknown as string] }));
    expect((arg as ValidationError).ids.pointer).to.equal('/args/1');
    const tr = await rejection(
      ledger.submit({ fn: 'Put', args: ['a', 'b'], transient: { x: 'no' as unknown as Uint8Array } }),
    );
    expect((tr as ValidationError).ids.pointer).to.equal('/transient/x');
  });

  it('passes the creator, its attributes and the proposal timestamp to the contract', async () => {
    const who = json<{
      mspId: string;
      id: string;
      role: string;
      txId: string;
      channel: string;
      seconds: number;
      nanos: number;
      date: string;
      fn: string;
    }>((await ledger.submit({ fn: 'Whoami' })).result);
    expect(who.mspId).to.equal('JilinLibraryMSP');
    expect(who.id).to.equal(
      'x509::/O=JilinLibraryMSP/OU=client/CN=operator.jilin::/O=JilinLibraryMSP/CN=ca.JilinLibraryMSP',
    );
    expect(who.role).to.equal('operator');
    expect(who.channel).to.equal('smartlibrary');
    expect(who.fn).to.equal('Whoami');
    const bundle = (await ledger.proof(who.txId)) as unknown as {
      envelope: { proposal: { timestamp: { seconds: number; nanos: number } } };
    };
    expect(bundle.envelope.proposal.timestamp).to.deep.equal({ seconds: who.seconds, nanos: who.nanos });
    expect(new Date(who.date).getTime()).to.equal(who.seconds * 1000 + Math.floor(who.nanos / 1e6));
    const auditor = json<{ role: string }>(await runtime.connect(c.auditor).evaluate({ fn: 'Whoami' }));
    expect(auditor.role).to.equal('auditor');
  });

  it('scans ranges in UTF-8 byte order and pages composite keys with peer bookmarks', async () => {
    await ledger.submit({
      fn: 'PutMany',
      args: [
        JSON.stringify([
          ['b', '2'],
          ['a', '1'],
          ['c', '3'],
          ['\u00e9', 'e'],
          ['\u{1F600}', 'smile'],
          ['\uffff', 'max'],
        ]),
      ],
    });
    const all = json<{ key: string }[]>(await ledger.evaluate({ fn: 'Range', args: ['', ''] })).map((r) => r.key);
    expect(all).to.deep.equal(['a', 'b', 'c', '\u00e9', '\uffff', '\u{1F600}']);
    expect(
      json<{ key: string }[]>(await ledger.evaluate({ fn: 'Range', args: ['b', 'c'] })).map((r) => r.key),
    ).to.deep.equal(['b']);
    for (let i = 0; i < 5; i++)
      await ledger.submit({ fn: 'PutComposite', args: ['item', JSON.stringify(['shelf', `n${i}`]), `v${i}`] });
    await ledger.submit({ fn: 'PutComposite', args: ['item', JSON.stringify(['other', 'x']), 'vx'] });
    const everything = json<{ records: { attributes: string[] }[] }>(
      await ledger.evaluate({ fn: 'ListComposite', args: ['item', '["shelf"]', '0', ''] }),
    );
    expect(everything.records.map((r) => r.attributes[1])).to.deep.equal(['n0', 'n1', 'n2', 'n3', 'n4']);
    const seen: string[] = [];
    let bookmark = '';
    let pages = 0;
    do {
      const page = json<{ records: { attributes: string[] }[]; bookmark: string }>(
        await ledger.evaluate({ fn: 'ListComposite', args: ['item', '["shelf"]', '2', bookmark] }),
      );
      seen.push(...page.records.map((r) => r.attributes[1] as string));
      bookmark = page.bookmark;
      pages++;
    } while (bookmark !== '' && pages < 10);
    expect(seen).to.deep.equal(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(pages).to.equal(3);
    const range = json<{ records: unknown[]; bookmark: string; fetchedRecordsCount: number }>(
      await ledger.evaluate({ fn: 'RangePage', args: ['a', 'd', '2', ''] }),
    );
    expect(range.fetchedRecordsCount).to.equal(2);
    expect(range.bookmark).to.equal('c');
  });

  it('refuses writes after a paginated query, as a peer does', async () => {
    await ledger.submit({ fn: 'RangePage', args: ['a', 'z', '2', ''] }); // read-only: fine
    const err = await rejection(ledger.submit({ fn: 'PageThenWrite', args: ['k'] }));
    expect(err).to.be.instanceOf(LedgerError);
    expect(err.message).to.contain('paginated query');
  });

  it('keeps the key history newest first, deletes included, and treats an empty write as a delete', async () => {
    const r1 = await ledger.submit({ fn: 'Put', args: ['h', 'one'] });
    const r2 = await ledger.submit({ fn: 'Put', args: ['h', 'two'] });
    const r3 = await ledger.submit({ fn: 'Delete', args: ['h'] });
    const history = json<{ txId: string; isDelete: boolean; value: string }[]>(
      await ledger.evaluate({ fn: 'History', args: ['h'] }),
    );
    expect(history.map((h) => h.txId)).to.deep.equal([r3.txId, r2.txId, r1.txId]);
    expect(history.map((h) => h.isDelete)).to.deep.equal([true, false, false]);
    expect(history[1]?.value).to.equal('two');
    await ledger.submit({ fn: 'Put', args: ['e', 'x'] });
    await ledger.submit({ fn: 'Put', args: ['e', ''] });
    expect(await rejection(ledger.evaluate({ fn: 'Get', args: ['e'] }))).to.be.instanceOf(NotFoundError);
  });

  it('keeps private data out of the block, only its hash', async () => {
    const secret = 'fee: 12345 CNY, contract text';
    const r = await ledger.submit({
      fn: 'PutPrivate',
      args: ['termsJilinNLC', 'terms-1'],
      transient: { value: new TextEncoder().encode(secret) },
    });
    const got = json<{ value: string; hash: string }>(
      await ledger.evaluate({ fn: 'GetPrivate', args: ['termsJilinNLC', 'terms-1'] }),
    );
    expect(got.value).to.equal(secret);
    expect(got.hash).to.have.length(64);
    await runtime.close();
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    try {
      const rows = db.prepare('SELECT envelope FROM txs').all() as { envelope: Buffer }[];
      for (const row of rows) {
        expect(row.envelope.includes(Buffer.from(secret))).to.equal(false);
        expect(row.envelope.includes(Buffer.from(Buffer.from(secret).toString('base64')))).to.equal(false);
      }
      const blockTx = rows.map(
        (row) =>
          JSON.parse(row.envelope.toString()) as { txId: string; rwset: { privateWrites: { valueHash: string }[] } },
      );
      expect(blockTx.find((t) => t.txId === r.txId)?.rwset.privateWrites[0]?.valueHash).to.equal(got.hash);
    } finally {
      db.close();
    }
    runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    expect((await runtime.verify()).ok).to.equal(true);
  });

  it('applies the private data collection configuration as a peer does', async () => {
    await runtime.close();
    runtime = await openEmbeddedRuntime({
      dir,
      peer: c.peer,
      chaincodeDir: KV_CONTRACT_DIR,
      collections: [
        ...termsCollections(['JilinLibraryMSP', 'NLCMSP']),
        { name: 'jilinOnly', policy: "OR('JilinLibraryMSP.member')", memberOnlyRead: true, memberOnlyWrite: true },
        { name: 'openWrite', policy: "OR('JilinLibraryMSP.member')", memberOnlyRead: true },
      ],
    });
    ledger = runtime.connect(c.operator);
    const other = runtime.connect(c.otherOperator);
    const value = { value: new TextEncoder().encode('terms') };
    await ledger.submit({ fn: 'PutPrivate', args: ['terms-JilinLibraryMSP-NLCMSP', 'k'], transient: value });
    expect(
      json<{ value: string }>(await other.evaluate({ fn: 'GetPrivate', args: ['terms-JilinLibraryMSP-NLCMSP', 'k'] }))
        .value,
    ).to.equal('terms');
    const unknown = await rejection(
      ledger.submit({ fn: 'PutPrivate', args: ['terms-JilinLibraryMSP-public', 'k'], transient: value }),
    );
    expect(unknown.message).to.equal('collection smartlibrary/shulian/terms-JilinLibraryMSP-public could not be found');
    await ledger.submit({ fn: 'PutPrivate', args: ['jilinOnly', 'k'], transient: value });
    expect(
      (await rejection(other.submit({ fn: 'PutPrivate', args: ['jilinOnly', 'k2'], transient: value }))).message,
    ).to.contain('does not have write access permission');
    expect((await rejection(other.evaluate({ fn: 'GetPrivate', args: ['jilinOnly', 'k'] }))).message).to.contain(
      'does not have read access permission',
    );
    // a non-member may write where writes are open, and read the hash of what it cannot read
    await other.submit({ fn: 'PutPrivate', args: ['openWrite', 'k'], transient: value });
    expect((await rejection(other.evaluate({ fn: 'GetPrivate', args: ['openWrite', 'k'] }))).message).to.contain(
      'read access',
    );
  });

  it('cuts blocks by transaction count', async () => {
    await runtime.close();
    runtime = await openEmbeddedRuntime({
      dir,
      peer: c.peer,
      chaincodeDir: KV_CONTRACT_DIR,
      blockMaxTransactions: 3,
      blockTimeoutMs: 200,
    });
    ledger = runtime.connect(c.operator);
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => ledger.submit({ fn: 'Put', args: [`k${i}`, `${i}`] })),
    );
    const perBlock = new Map<number, number>();
    for (const r of results) perBlock.set(r.blockNumber, (perBlock.get(r.blockNumber) ?? 0) + 1);
    for (const n of perBlock.values()) expect(n).to.be.at.most(3);
    expect([...perBlock.values()].reduce((a, b) => a + b, 0)).to.equal(7);
  });

  it('survives a reopen with state, blocks and verification intact', async () => {
    const r = await ledger.submit({ fn: 'Put', args: ['durable', 'yes'] });
    await runtime.close();
    runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    ledger = runtime.connect(c.operator);
    expect(text(await ledger.evaluate({ fn: 'Get', args: ['durable'] }))).to.equal('yes');
    expect(await ledger.height()).to.equal(r.blockNumber + 1);
    const report = await runtime.verify({ caCertsPem: c.caCertsPem });
    expect(report.ok, JSON.stringify(report.problems)).to.equal(true);
    expect(report.stateDigest).to.equal(report.replayedStateDigest);
  });

  it('writes nothing of a block its peer could not sign, and commits the next one whole', async () => {
    const failing = await tempDir();
    try {
      const refusing = {
        ...c.peer,
        signMessage: () => Promise.reject(new Error('the HSM is unplugged')),
        signer: () => Promise.reject(new Error('the HSM is unplugged')),
      };
      const broken = await openEmbeddedRuntime({ dir: failing.dir, peer: refusing, chaincodeDir: KV_CONTRACT_DIR });
      const failed = await rejection(broken.connect(c.operator).submit({ fn: 'Put', args: ['lost', 'x'] }));
      expect(failed).to.be.instanceOf(LedgerError);
      expect((failed as LedgerError).code).to.equal('COMMIT_FAILED');
      expect(failed.message).to.contain('the HSM is unplugged');
      expect(broken.height()).to.equal(0);
      expect(broken.info().transactions).to.equal(0);
      expect(broken.info().stateKeys).to.equal(0);
      await broken.close();
      const healed = await openEmbeddedRuntime({ dir: failing.dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
      try {
        const healedLedger = healed.connect(c.operator);
        const r = await healedLedger.submit({ fn: 'Put', args: ['kept', 'y'] });
        expect(r.blockNumber).to.equal(0);
        expect(await rejection(healedLedger.evaluate({ fn: 'Get', args: ['lost'] }))).to.be.instanceOf(NotFoundError);
        const report = await healed.verify({ caCertsPem: c.caCertsPem });
        expect(report.ok, JSON.stringify(report.problems)).to.equal(true);
      } finally {
        await healed.close();
      }
    } finally {
      await failing.cleanup();
    }
  });

  it("refuses an identity whose signer does not hold the certificate's key, for submits and evaluations", async () => {
    const mismatched = { identity: c.operator.identity, signer: c.auditor.signer };
    expect(await rejection(runtime.connect(mismatched).evaluate({ fn: 'Whoami' }))).to.be.instanceOf(AccessDeniedError);
    expect(await rejection(runtime.connect(mismatched).submit({ fn: 'Put', args: ['a', 'b'] }))).to.be.instanceOf(
      AccessDeniedError,
    );
    expect(await ledger.height()).to.equal(0);
  });

  it('verifies one consistent snapshot while another process keeps committing', async () => {
    for (let i = 0; i < 140; i++) await ledger.submit({ fn: 'Put', args: [`k${i % 7}`, `v${i}`] });
    const other = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    try {
      const writer = other.connect(c.operator);
      let stop = false;
      let committed = 0;
      const writing = (async () => {
        while (!stop) {
          await writer.submit({ fn: 'Put', args: [`k${committed % 7}`, `other ${committed}`] });
          committed++;
        }
      })();
      const report = await runtime.verify();
      stop = true;
      await writing;
      expect(report.ok, JSON.stringify(report.problems)).to.equal(true);
      expect(report.stateDigest).to.equal(report.replayedStateDigest);
      expect(committed).to.be.greaterThan(0);
      expect((await runtime.verify()).height).to.equal(140 + committed);
    } finally {
      await other.close();
    }
  });

  it('refuses a channel mismatch and creators outside the trusted CAs', async () => {
    await runtime.close();
    const err = await rejection(
      openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR, channel: 'otherchannel' }),
    );
    expect((err as LedgerError).code).to.equal('LEDGER_CHANNEL');
    runtime = await openEmbeddedRuntime({
      dir,
      peer: c.peer,
      chaincodeDir: KV_CONTRACT_DIR,
      trustedCaCertsPem: [c.org2.certPem],
    });
    const denied = await rejection(runtime.connect(c.operator).submit({ fn: 'Put', args: ['a', 'b'] }));
    expect(denied).to.be.instanceOf(AccessDeniedError);
    expect((await runtime.connect(c.otherOperator).submit({ fn: 'Put', args: ['a', 'b'] })).blockNumber).to.equal(0);
  });

  describe('events', () => {
    it('replays from block 0 or any block, then follows live', async () => {
      const a = await ledger.submit({ fn: 'Put', args: ['a', '1'] });
      await ledger.submit({ fn: 'Incr', args: ['counter'] }); // no event
      const b = await ledger.submit({ fn: 'Put', args: ['b', '2'] });
      const replay = await collect(ledger.events({ untilCaughtUp: true }));
      expect(replay.map((e) => e.txId)).to.deep.equal([a.txId, b.txId]);
      expect(replay[0]?.eventName).to.equal('Put');
      expect(JSON.parse(text(replay[0]?.payload ?? new Uint8Array()))).to.deep.equal([{ key: 'a', value: '1' }]);
      expect(replay[0]?.txIndex).to.equal(0);
      expect(Number.isNaN(Date.parse(replay[0]?.timestamp ?? ''))).to.equal(false);
      expect(
        (await collect(ledger.events({ startBlock: b.blockNumber, untilCaughtUp: true }))).map((e) => e.txId),
      ).to.deep.equal([b.txId]);

      const live = collect(ledger.events({ startBlock: b.blockNumber + 1 }), 2);
      const c1 = await ledger.submit({ fn: 'Put', args: ['c', '3'] });
      const c2 = await ledger.submit({ fn: 'Delete', args: ['c'] });
      expect((await live).map((e) => [e.txId, e.eventName])).to.deep.equal([
        [c1.txId, 'Put'],
        [c2.txId, 'Deleted'],
      ]);
    });

    it('resumes exactly after a durable checkpoint', async () => {
      const txs = [];
      // two events in one block, then more blocks
      txs.push(
        ...(await Promise.all([
          ledger.submit({ fn: 'Put', args: ['x', '1'] }),
          ledger.submit({ fn: 'Put', args: ['y', '2'] }),
        ])),
      );
      txs.push(await ledger.submit({ fn: 'Put', args: ['z', '3'] }));
      const checkpointer = fileCheckpointer(join(dir, 'checkpoints', 'index.json'));
      expect(await checkpointer.load()).to.equal(undefined);
      const first = await collect(ledger.events({ checkpointer }), 1);
      await checkpointer.save(checkpointAfter(first[0] as LedgerEvent));
      expect(JSON.parse(await readFile(join(dir, 'checkpoints', 'index.json'), 'utf8'))).to.deep.equal({
        blockNumber: first[0]?.blockNumber,
        txId: first[0]?.txId,
      });
      const rest = await collect(ledger.events({ checkpointer, untilCaughtUp: true }));
      const all = await collect(ledger.events({ untilCaughtUp: true }));
      expect([first[0]?.txId, ...rest.map((e) => e.txId)]).to.deep.equal(all.map((e) => e.txId));
      expect(all).to.have.length(3);
    });

    it('notices blocks committed by another process on the same ledger directory', async () => {
      const other = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
      try {
        const abort = new AbortController();
        const live = collect(ledger.events({ signal: abort.signal }), 1);
        const r = await other.connect(c.operator).submit({ fn: 'Put', args: ['from-other', 'yes'] });
        expect((await live)[0]?.txId).to.equal(r.txId);
        abort.abort();
        // and this process commits on top of the other's block
        const mine = await ledger.submit({ fn: 'Put', args: ['mine', 'yes'] });
        expect(mine.blockNumber).to.equal(r.blockNumber + 1);
      } finally {
        await other.close();
      }
      expect((await runtime.verify()).ok).to.equal(true);
    });

    it('stops on abort and when the connection closes', async () => {
      const abort = new AbortController();
      const pending = collect(ledger.events({ signal: abort.signal }));
      setTimeout(() => abort.abort(), 30);
      expect(await pending).to.deep.equal([]);
      const conn = runtime.connect(c.auditor);
      const stream = collect(conn.events());
      setTimeout(() => void conn.close(), 30);
      expect(await stream).to.deep.equal([]);
    });
  });
});
