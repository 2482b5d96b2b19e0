import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { GENESIS_PREVIOUS_HASH } from '../../node/ledger/embedded/block.js';
import { openBlockCommitter, type BlockWrite } from '../../node/ledger/embedded/committer.js';
import { LedgerStore } from '../../node/ledger/embedded/store.js';
import { tempDir } from './helpers.js';

/** Blocks of one 16 KiB transaction each, hash-linked (the committer checks the links, not the bytes). */
function blocks(count: number): BlockWrite[] {
  const out: BlockWrite[] = [];
  let previousHash = GENESIS_PREVIOUS_HASH;
  for (let number = 0; number < count; number++) {
    const hash = randomBytes(32);
    const txId = randomBytes(32).toString('hex');
    out.push({
      number,
      previousHash,
      header: Buffer.from(`header ${number}`),
      hash,
      signerCert: 'cert',
      txs: [{ idx: 0, txId, envelope: randomBytes(16 * 1024), valid: true, eventName: null }],
      state: [{ key: Buffer.from(`k${number}`), value: randomBytes(100), tx: 0 }],
      history: [{ key: Buffer.from(`k${number}`), tx: 0, txId, seconds: 1, nanos: 2, isDelete: false }],
      private: [],
    });
    previousHash = hash.toString('hex');
  }
  return out;
}

/**
 * Commits the blocks; returns the database file's size (the WAL's pages not counted) before, and after
 * `settle` (given the file's path and its size before).
 */
async function commitAll(
  checkpointBytes: number,
  settle: (path: string, before: number) => Promise<void>,
): Promise<{ before: number; after: number; blocks: number }> {
  const { dir, cleanup } = await tempDir();
  const store = LedgerStore.open(dir, 'ch');
  const committer = openBlockCommitter(store.path, { checkpointBytes });
  try {
    const before = statSync(store.path).size;
    for (const b of blocks(24)) {
      expect(await committer.commit(b, Promise.resolve(Buffer.from('signature')))).to.equal('committed');
    }
    await settle(store.path, before);
    const after = statSync(store.path).size;
    const db = new Database(store.path, { readonly: true });
    const count = (db.prepare('SELECT count(*) AS n FROM blocks').get() as { n: number }).n;
    db.close();
    return { before, after, blocks: count };
  } finally {
    await committer.close();
    store.close();
    await cleanup();
  }
}

describe('embedded ledger committer: checkpoints on a thread of their own', () => {
  it('copies the WAL into the database once enough has been committed, while blocks keep committing', async () => {
    const r = await commitAll(64 * 1024, async (path, before) => {
      // the checkpointer runs beside the writer: wait (bounded) for the copy to reach the database file
      for (let i = 0; i < 200 && statSync(path).size <= before + 64 * 1024; i++) await sleep(25);
    });
    expect(r.blocks).to.equal(24);
    expect(r.after, 'database file grew by the checkpointed pages').to.be.greaterThan(r.before + 64 * 1024);
  });

  it('leaves the WAL alone below the threshold (no checkpoint inside the writer’s COMMITs)', async () => {
    const r = await commitAll(1024 * 1024 * 1024, async () => sleep(300));
    expect(r.blocks).to.equal(24);
    expect(r.after).to.equal(r.before);
  });
});
