import { NotFoundError } from '../core/errors.js';
import { toHex } from '../core/hex.js';
import { leafHash, rootFromInclusionProof } from '../core/merkle.js';
import type { ProofBundle } from '../ledger/types.js';
import { recordDigest } from './anchor.js';
import type { Batch, Chain } from './chain.js';
import type { IngestIndex } from './types.js';

/**
 * Everything needed to check, offline, that an indexing record was anchored on chain:
 *   recordHash = SHA-256(RFC 8785 canonical JSON of `record`)
 *   leafHash   = SHA-256(0x00 || recordHash)                     (RFC 9162 leaf)
 *   root       = the RFC 9162 root from leafHash, leafIndex, treeSize and `proof` (audit path, leaf upwards)
 *   root       = batch.root, and the batch was written by transaction batch.txId (`ledger` proves that
 *                transaction's commit; check it with `shulian ledger verify-proof` or verifyProofBundle).
 */
export interface RecordProof {
  readonly format: 'shulian-record-proof-v1';
  readonly recordId: string;
  readonly record: unknown;
  readonly recordHash: string;
  readonly leafHash: string;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly proof: readonly string[];
  readonly root: string;
  readonly batch: Batch;
  readonly ledger?: ProofBundle;
}

export interface RecordProofCheck {
  readonly ok: boolean;
  readonly reasons: readonly string[];
}

/** Builds the proof of one record from the local index (its audit path) and the chain (its batch). */
export async function recordProof(
  deps: Readonly<{ index: Pick<IngestIndex, 'getBatchRecord'>; chain: Chain; withLedgerProof?: boolean }>,
  recordId: string,
): Promise<RecordProof> {
  const stored = deps.index.getBatchRecord(recordId);
  if (!stored)
    throw new NotFoundError(`no anchored indexing record ${recordId} in this node's index`, { details: { recordId } });
  const batch = await deps.chain.getBatch(stored.batchId);
  if (!batch)
    throw new NotFoundError(`batch ${stored.batchId} of record ${recordId} is not on the chain`, {
      details: { recordId },
    });
  const proof: RecordProof = {
    format: 'shulian-record-proof-v1',
    recordId,
    record: stored.record,
    recordHash: toHex(recordDigest(stored.record)),
    leafHash: stored.leafHash,
    leafIndex: stored.leafIndex,
    treeSize: stored.treeSize,
    proof: stored.proof,
    root: batch.root,
    batch,
    ...(deps.withLedgerProof === false ? {} : { ledger: await deps.chain.ledger.proof(batch.txId) }),
  };
  return proof;
}

/** The offline check of a RecordProof's Merkle part (the ledger part is verifyProofBundle's). */
export function checkRecordProof(proof: RecordProof): RecordProofCheck {
  const reasons: string[] = [];
  try {
    const recordHash = recordDigest(proof.record);
    if (toHex(recordHash) !== proof.recordHash)
      reasons.push("recordHash is not the SHA-256 of the record's canonical JSON");
    const leaf = toHex(leafHash(recordHash));
    if (leaf !== proof.leafHash) reasons.push('leafHash is not SHA-256(0x00 || recordHash)');
    const root = toHex(rootFromInclusionProof(leaf, proof.leafIndex, proof.treeSize, proof.proof));
    if (root !== proof.root) reasons.push(`the audit path leads to ${root}, not to the root ${proof.root}`);
    if (proof.batch.root !== proof.root) reasons.push('root differs from the anchored batch root');
    if (proof.batch.count !== proof.treeSize)
      reasons.push(`treeSize ${proof.treeSize} differs from the batch count ${proof.batch.count}`);
    if (proof.ledger && proof.ledger.txId !== proof.batch.txId)
      reasons.push('the ledger proof is for another transaction than the batch');
  } catch (err) {
    reasons.push(err instanceof Error ? err.message : String(err));
  }
  return { ok: reasons.length === 0, reasons };
}
