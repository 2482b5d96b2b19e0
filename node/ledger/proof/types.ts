import type { BlockHeader, TxEnvelope } from '../embedded/block.js';
import type { ProofBundle } from '../types.js';

/** One state write of the transaction, decoded: what the chaincode stored under `key`. */
export interface ProofRecord {
  readonly key: string;
  readonly isDelete: boolean;
  /** The stored bytes as UTF-8 text (Shulian records are UTF-8 JSON); absent for deletes. */
  readonly value?: string;
}

/**
 * A proof that a transaction was committed by the embedded ledger: the transaction (proposal, creator
 * certificate and signature, read/write set, validation code), its RFC 9162 inclusion path up to the
 * block header's dataHash, the header, the peer's signature over it and the peer's certificate.
 */
export interface EmbeddedProofBundle extends ProofBundle {
  readonly format: 'shulian-embedded-v1';
  readonly channel: string;
  readonly txId: string;
  readonly blockNumber: number;
  readonly txIndex: number;
  readonly header: BlockHeader;
  /** base64 DER ECDSA signature of the peer over SHA-256(canonical header). */
  readonly blockSignature: string;
  readonly peer: { readonly mspId: string; readonly certPem: string };
  readonly envelope: TxEnvelope;
  readonly inclusion: { readonly treeSize: number; readonly index: number; readonly path: readonly string[] };
  readonly records: readonly ProofRecord[];
}

export interface ProofCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ProofVerification {
  /** True only when every check holds. */
  readonly ok: boolean;
  readonly txId: string;
  readonly blockNumber: number;
  readonly checks: readonly ProofCheck[];
  /** The reasons of the failed checks, in order. */
  readonly reasons: readonly string[];
  readonly validationCode?: string;
  readonly creator?: { readonly mspId: string; readonly subject: string };
  readonly peer?: { readonly mspId: string; readonly subject: string };
  /** Block commit time and transaction time (ISO-8601). */
  readonly committedAt?: string;
  readonly submittedAt?: string;
  readonly fn?: string;
  readonly records?: readonly ProofRecord[];
}
