import { createHash, verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import { canonicalBytes } from '../../core/canonical.js';
import { MerkleTree } from '../../core/merkle.js';
import { verifyCertChain } from '../../identity/index.js';
import {
  GENESIS_PREVIOUS_HASH,
  computeTxId,
  sha256,
  sha256Hex,
  type BlockHeader,
  type TxEnvelope,
  type Version,
} from './block.js';
import type { LedgerStore } from './store.js';

export interface LedgerVerifyOptions {
  /** Also check that the peer and creator certificates chain to these CAs (at block / proposal time). */
  readonly caCertsPem?: readonly string[];
  /** Called after each block, for progress bars. */
  readonly onBlock?: (number: number, height: number) => void;
}

export interface LedgerProblem {
  /** The block at fault; absent for problems of the derived stores as a whole. */
  readonly block?: number;
  readonly txIndex?: number;
  readonly reason: string;
}

export interface LedgerVerifyReport {
  readonly ok: boolean;
  readonly channel: string;
  readonly height: number;
  readonly blocks: number;
  readonly transactions: number;
  readonly validTransactions: number;
  /** The first block that fails a check (hash chain, signature, data hash, envelope), if any. */
  readonly firstBadBlock?: number;
  readonly problems: readonly LedgerProblem[];
  /** SHA-256 over the stored world state and over the state rebuilt by replaying every valid write set. */
  readonly stateDigest: string;
  readonly replayedStateDigest: string;
  readonly stateKeys: number;
}

const MAX_PROBLEMS = 100;

interface Replayed {
  value: Buffer;
  version: Version;
}

/**
 * Re-checks the whole ledger: each header's canonical encoding, number and link to the previous
 * block's hash; the peer's signature; the dataHash over the envelopes; each envelope's canonical
 * encoding, txId derivation and creator signature; that each VALID transaction's key reads match the
 * replayed state; then that replaying every valid write set rebuilds exactly the stored world state,
 * key history and private data hashes.
 */
export async function verifyLedger(
  store: LedgerStore,
  channel: string,
  options: Readonly<LedgerVerifyOptions> = {},
): Promise<LedgerVerifyReport> {
  const problems: LedgerProblem[] = [];
  const problem = (p: LedgerProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const height = store.height();
  const state = new Map<string, Replayed>();
  const history = createHash('sha256');
  const historyRows: {
    key: Buffer;
    block: number;
    tx: number;
    txId: string;
    seconds: number;
    nanos: number;
    isDelete: boolean;
  }[] = [];
  const privateHashes = new Map<string, string | null>();
  const keys = new Map<string, KeyObject | undefined>();
  const trusted = new Map<string, string | undefined>();
  const keyOf = (pem: string) => {
    if (!keys.has(pem)) {
      try {
        keys.set(pem, new X509Certificate(pem).publicKey);
      } catch {
        keys.set(pem, undefined);
      }
    }
    return keys.get(pem);
  };
  const chainProblem = (pem: string, at: Date): string | undefined => {
    if (!options.caCertsPem) return undefined;
    const id = `${pem}\u0000${at.toISOString().slice(0, 10)}`;
    if (!trusted.has(id)) {
      const r = verifyCertChain(pem, options.caCertsPem, at);
      trusted.set(id, r.ok ? undefined : (r.reason ?? 'untrusted'));
    }
    return trusted.get(id);
  };
  let previousHash = GENESIS_PREVIOUS_HASH;
  let transactions = 0;
  let valid = 0;
  let blocks = 0;

  for (let n = 0; n < height; n++) {
    blocks++;
    const row = store.block(n);
    if (!row) {
      problem({ block: n, reason: 'block is missing' });
      previousHash = '';
      continue;
    }
    let header: BlockHeader;
    try {
      header = JSON.parse(row.header.toString('utf8')) as BlockHeader;
      if (!Buffer.from(canonicalBytes(header)).equals(row.header)) throw new Error('not canonical');
    } catch (err) {
      problem({ block: n, reason: `header is not canonical JSON (${(err as Error).message})` });
      previousHash = sha256Hex(row.header);
      continue;
    }
    const hash = sha256(row.header);
    if (!hash.equals(row.hash)) problem({ block: n, reason: 'stored block hash does not match the header' });
    if (header.number !== n) problem({ block: n, reason: `header says block ${header.number}` });
    if (header.channel !== channel) problem({ block: n, reason: `header names channel ${header.channel}` });
    if (header.previousHash !== previousHash)
      problem({ block: n, reason: 'previousHash does not match the hash of the previous block header' });
    previousHash = hash.toString('hex');
    if (header.signer?.certSha256 !== sha256Hex(row.signerCert))
      problem({ block: n, reason: "header does not name the stored signer's certificate" });
    const peerKey = keyOf(row.signerCert);
    if (!peerKey || !verifySignature('sha256', row.header, peerKey, row.signature))
      problem({ block: n, reason: "the peer's block signature does not verify" });
    const peerChain = chainProblem(row.signerCert, new Date(header.timestamp));
    if (peerChain) problem({ block: n, reason: `peer certificate: ${peerChain}` });

    const txs = store.blockTxs(n);
    transactions += txs.length;
    if (txs.length !== header.txCount)
      problem({ block: n, reason: `header counts ${header.txCount} transactions, the block holds ${txs.length}` });
    const root = Buffer.from(MerkleTree.fromLeaves(txs.map((t) => t.envelope)).root).toString('hex');
    if (root !== header.dataHash) problem({ block: n, reason: 'dataHash does not match the transactions' });

    for (const [i, tx] of txs.entries()) {
      let envelope: TxEnvelope;
      try {
        envelope = JSON.parse(tx.envelope.toString('utf8')) as TxEnvelope;
        if (!Buffer.from(canonicalBytes(envelope)).equals(tx.envelope)) throw new Error('not canonical');
      } catch (err) {
        problem({
          block: n,
          txIndex: i,
          reason: `transaction envelope is not canonical JSON (${(err as Error).message})`,
        });
        continue;
      }
      if (tx.idx !== i || envelope.txId !== tx.txId || (envelope.validationCode === 'VALID') !== tx.valid) {
        problem({ block: n, txIndex: i, reason: 'transaction index row does not match its envelope' });
      }
      const p = envelope.proposal;
      if (computeTxId(Buffer.from(p.nonce, 'base64'), p.creator) !== envelope.txId)
        problem({ block: n, txIndex: i, reason: 'txId is not SHA-256(nonce || creator)' });
      const creatorKey = keyOf(p.creator.certPem);
      if (
        !creatorKey ||
        !verifySignature('sha256', canonicalBytes(p), creatorKey, Buffer.from(envelope.signature, 'base64'))
      ) {
        problem({ block: n, txIndex: i, reason: "the creator's proposal signature does not verify" });
      }
      const creatorChain = chainProblem(p.creator.certPem, new Date(p.timestamp.seconds * 1000));
      if (creatorChain) problem({ block: n, txIndex: i, reason: `creator certificate: ${creatorChain}` });
      if (envelope.validationCode !== 'VALID') continue;
      valid++;
      for (const read of envelope.rwset.reads) {
        const current = state.get(Buffer.from(read.key, 'utf8').toString('hex'))?.version ?? null;
        const same =
          read.version === null
            ? current === null
            : current !== null && current[0] === read.version[0] && current[1] === read.version[1];
        if (!same) {
          problem({
            block: n,
            txIndex: i,
            reason: 'a VALID transaction read a key at a version that was not current (MVCC)',
          });
          break;
        }
      }
      for (const w of envelope.rwset.writes) {
        const key = Buffer.from(w.key, 'utf8');
        const value = w.isDelete ? Buffer.alloc(0) : Buffer.from(w.value ?? '', 'base64');
        if (w.isDelete) state.delete(key.toString('hex'));
        else state.set(key.toString('hex'), { value, version: [n, i] });
        historyRows.push({
          key,
          block: n,
          tx: i,
          txId: envelope.txId,
          seconds: p.timestamp.seconds,
          nanos: p.timestamp.nanos,
          isDelete: w.isDelete,
        });
      }
      for (const w of envelope.rwset.privateWrites)
        privateHashes.set(`${w.collection}\u0000${w.keyHash}`, w.isDelete ? null : (w.valueHash ?? null));
    }
    options.onBlock?.(n, height);
    if (n % 64 === 63) await new Promise((r) => setImmediate(r));
  }

  // world state: replayed vs stored
  const replayed = createHash('sha256');
  const sortedKeys = [...state.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex')));
  for (const k of sortedKeys) {
    const e = state.get(k) as Replayed;
    digestStateRow(replayed, Buffer.from(k, 'hex'), e.value, e.version[0], e.version[1]);
  }
  const stored = createHash('sha256');
  let stateKeys = 0;
  for (const row of store.iterateState()) {
    stateKeys++;
    digestStateRow(stored, row.key, row.value, row.block, row.tx);
  }
  const stateDigest = stored.digest('hex');
  const replayedStateDigest = replayed.digest('hex');
  if (stateDigest !== replayedStateDigest) {
    problem({
      reason: `the stored world state (${stateKeys} keys) differs from the state rebuilt by replaying the blocks (${state.size} keys)`,
    });
  }

  // key history: replayed vs stored
  historyRows.sort((a, b) => Buffer.compare(a.key, b.key) || a.block - b.block || a.tx - b.tx);
  for (const h of historyRows) digestHistoryRow(history, h);
  const storedHistory = createHash('sha256');
  for (const h of store.iterateHistory()) digestHistoryRow(storedHistory, h);
  if (history.digest('hex') !== storedHistory.digest('hex'))
    problem({ reason: 'the stored key history differs from the history rebuilt from the blocks' });

  // private data: values must hash to the last valid private write
  let privateRows = 0;
  for (const row of store.iteratePrivate()) {
    privateRows++;
    const expected = privateHashes.get(`${row.collection}\u0000${sha256Hex(row.key)}`);
    if (!expected || sha256Hex(row.value) !== expected || row.hash.toString('hex') !== expected) {
      problem({
        reason: `private data ${row.collection}/${JSON.stringify(row.key.toString('utf8')).slice(1, -1)} does not match the hash committed on the ledger`,
      });
    }
  }
  const livePrivate = [...privateHashes.values()].filter((v) => v !== null).length;
  if (privateRows !== livePrivate)
    problem({ reason: `private data holds ${privateRows} keys, the ledger committed ${livePrivate}` });

  const blockProblems = problems.filter((p) => p.block !== undefined).map((p) => p.block as number);
  const firstBadBlock = blockProblems.length > 0 ? Math.min(...blockProblems) : undefined;
  return {
    ok: problems.length === 0,
    channel,
    height,
    blocks,
    transactions,
    validTransactions: valid,
    ...(firstBadBlock === undefined ? {} : { firstBadBlock }),
    problems,
    stateDigest,
    replayedStateDigest,
    stateKeys,
  };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function digestStateRow(
  hash: ReturnType<typeof createHash>,
  key: Buffer,
  value: Buffer,
  block: number,
  tx: number,
): void {
  hash.update(u32(key.length)).update(key).update(u32(value.length)).update(value).update(u32(block)).update(u32(tx));
}

function digestHistoryRow(
  hash: ReturnType<typeof createHash>,
  h: { key: Buffer; block: number; tx: number; txId: string; seconds: number; nanos: number; isDelete: boolean },
): void {
  hash
    .update(u32(h.key.length))
    .update(h.key)
    .update(u32(h.block))
    .update(u32(h.tx))
    .update(h.txId)
    .update(`${h.seconds}.${h.nanos}`)
    .update(h.isDelete ? '1' : '0');
}
