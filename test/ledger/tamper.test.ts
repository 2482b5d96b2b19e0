import { expect } from 'chai';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, openEmbeddedRuntime } from '../../node/ledger/index.js';
import { KV_CONTRACT_DIR, tempDir, testConsortium, type TestConsortium } from './helpers.js';

/** Flips one byte of a stored blob in place (the block log lives in SQLite: blocks.header, txs.envelope). */
function flipByte(dir: string, sql: string, column: string, params: unknown[], at: (bytes: Buffer) => number): void {
  const db = new Database(join(dir, DB_FILE));
  try {
    const row = db.prepare(sql).get(...params) as Record<string, Buffer>;
    const bytes = Buffer.from(row[column] as Buffer);
    const i = at(bytes);
    if (i < 0 || i >= bytes.length) throw new Error('no such byte');
    bytes[i] = (bytes[i] as number) ^ 0x01;
    if (sql.includes('FROM txs'))
      db.prepare(`UPDATE txs SET ${column} = ? WHERE block = ? AND idx = ?`).run(bytes, ...params);
    else db.prepare(`UPDATE blocks SET ${column} = ? WHERE number = ?`).run(bytes, ...params);
  } finally {
    db.close();
  }
}

describe('embedded ledger tamper detection', () => {
  let c: TestConsortium;
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    c = await testConsortium();
  });
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    const runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    const ledger = runtime.connect(c.operator);
    for (let i = 0; i < 5; i++) await ledger.submit({ fn: 'Put', args: [`key-${i}`, `value-${i}`] });
    expect((await runtime.verify()).ok).to.equal(true);
    await runtime.close();
  });
  afterEach(async () => {
    await cleanup();
  });

  async function verify() {
    const runtime = await openEmbeddedRuntime({ dir, peer: c.peer, chaincodeDir: KV_CONTRACT_DIR });
    try {
      return await runtime.verify({ caCertsPem: c.caCertsPem });
    } finally {
      await runtime.close();
    }
  }

  it('names the block when one byte of a transaction in it changes', async () => {
    // a byte inside the written value (base64 in the envelope)
    const value = Buffer.from(Buffer.from('value-2').toString('base64'));
    flipByte(
      dir,
      'SELECT envelope FROM txs WHERE block = ? AND idx = ?',
      'envelope',
      [2, 0],
      (b) => b.indexOf(value) + 2,
    );
    const report = await verify();
    expect(report.ok).to.equal(false);
    expect(report.firstBadBlock).to.equal(2);
    expect(report.problems.some((p) => p.block === 2)).to.equal(true);
  });

  it('names the block when one byte of its header changes', async () => {
    flipByte(dir, 'SELECT header FROM blocks WHERE number = ?', 'header', [3], (b) => Math.floor(b.length / 2));
    const report = await verify();
    expect(report.ok).to.equal(false);
    expect(report.firstBadBlock).to.equal(3);
  });

  it('names the block when its signature changes', async () => {
    flipByte(dir, 'SELECT signature FROM blocks WHERE number = ?', 'signature', [1], (b) => b.length - 1);
    const report = await verify();
    expect(report.firstBadBlock).to.equal(1);
    expect(report.problems.map((p) => p.reason)).to.include("the peer's block signature does not verify");
  });

  it('finds world state that no block explains', async () => {
    const db = new Database(join(dir, DB_FILE));
    db.prepare('UPDATE state SET value = ? WHERE key = ?').run(Buffer.from('forged'), Buffer.from('key-1'));
    db.close();
    const report = await verify();
    expect(report.ok).to.equal(false);
    expect(report.firstBadBlock).to.equal(undefined);
    expect(report.stateDigest).to.not.equal(report.replayedStateDigest);
  });

  it('names a deleted block', async () => {
    const db = new Database(join(dir, DB_FILE));
    db.prepare('DELETE FROM blocks WHERE number = 1').run();
    db.close();
    const report = await verify();
    expect(report.firstBadBlock).to.equal(1);
  });
});
