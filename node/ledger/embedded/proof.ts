import { NotFoundError } from '../../core/errors.js';
import { MerkleTree } from '../../core/merkle.js';
import type { EmbeddedProofBundle, ProofRecord } from '../proof/types.js';
import { BLOCK_FORMAT, type BlockHeader, type TxEnvelope } from './block.js';
import type { LedgerStore } from './store.js';

/** Assembles the proof bundle of one transaction from the store (see proof/types.ts). */
export function buildProofBundle(store: LedgerStore, channel: string, txId: string): EmbeddedProofBundle {
  const tx = store.findTx(txId);
  if (!tx) throw new NotFoundError(`transaction ${txId} is not on the ledger`, { txId });
  const block = store.block(tx.block);
  if (!block)
    throw new NotFoundError(`block ${tx.block} of transaction ${txId} is missing`, { txId, blockNumber: tx.block });
  const header = JSON.parse(block.header.toString('utf8')) as BlockHeader;
  const leaves = store.blockTxs(tx.block).map((t) => t.envelope);
  const tree = MerkleTree.fromLeaves(leaves);
  const envelope = JSON.parse(tx.envelope.toString('utf8')) as TxEnvelope;
  const records: ProofRecord[] = envelope.rwset.writes.map((w) =>
    w.isDelete
      ? { key: w.key, isDelete: true }
      : { key: w.key, isDelete: false, value: Buffer.from(w.value ?? '', 'base64').toString('utf8') },
  );
  return {
    format: BLOCK_FORMAT,
    channel,
    txId,
    blockNumber: tx.block,
    txIndex: tx.idx,
    header,
    blockSignature: block.signature.toString('base64'),
    peer: { mspId: header.signer.mspId, certPem: block.signerCert },
    envelope,
    inclusion: {
      treeSize: tree.size,
      index: tx.idx,
      path: tree.inclusionProof(tx.idx).map((h) => Buffer.from(h).toString('hex')),
    },
    records,
  };
}
