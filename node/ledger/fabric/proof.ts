import { LedgerError, NotFoundError } from '../../core/errors.js';
import type { ProofRecord } from '../proof/types.js';
import type { ProofBundle } from '../types.js';
import { decodeBlockBytes, decodeTx } from './block.js';

export const FABRIC_PROOF_FORMAT = 'fabric-block-v1';

/**
 * A proof that a transaction was committed on a Fabric channel: the whole block as the peer stores it
 * (Fabric's dataHash is SHA-256 over all envelopes concatenated, so the block is needed whole), where
 * the transaction sits in it, and its public writes decoded for the reader. The verifier trusts none of
 * the decoded fields; it re-derives them from `block`.
 */
export interface FabricProofBundle extends ProofBundle {
  readonly format: 'fabric-block-v1';
  readonly channel: string;
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  /** The chaincode (namespace) whose writes `records` lists. */
  readonly chaincode: string;
  /** base64 of the serialized common.Block returned by qscc GetBlockByTxID. */
  readonly block: string;
  readonly records: readonly ProofRecord[];
}

export function buildFabricProof(
  blockBytes: Uint8Array,
  channel: string,
  txId: string,
  chaincode: string,
): FabricProofBundle {
  let block;
  try {
    block = decodeBlockBytes(blockBytes);
  } catch (cause) {
    throw new LedgerError('BAD_BLOCK', `the block returned for transaction ${txId} cannot be decoded`, { txId, cause });
  }
  for (let i = 0; i < block.data.length; i++) {
    const tx = decodeTx(block, i);
    if (tx.txId !== txId) continue;
    const writes = tx.action?.writes.get(chaincode) ?? [];
    return {
      format: FABRIC_PROOF_FORMAT,
      channel,
      txId,
      blockNumber: block.number,
      txIndex: i,
      chaincode,
      block: Buffer.from(blockBytes).toString('base64'),
      records: writes.map((w) =>
        w.isDelete
          ? { key: w.key, isDelete: true }
          : { key: w.key, isDelete: false, value: Buffer.from(w.value).toString('utf8') },
      ),
    };
  }
  throw new NotFoundError(`block ${block.number} does not contain transaction ${txId}`, {
    txId,
    blockNumber: block.number,
  });
}
