import type { SigningIdentity } from '../identity/types.js';

/** What a transaction submission or evaluation sends. Args are strings, as chaincode sees them. */
export interface Proposal {
  /** Transaction name, e.g. `RegisterVersion` (the contract is `shulian`). */
  readonly fn: string;
  readonly args?: readonly string[];
  /** Private data passed to the chaincode and never recorded in the block. */
  readonly transient?: Readonly<Record<string, Uint8Array>>;
}

export interface SubmitResult {
  readonly txId: string;
  readonly blockNumber: number;
  /** The chaincode's return value (UTF-8 JSON for Shulian transactions). */
  readonly result: Uint8Array;
}

export interface LedgerEvent {
  readonly blockNumber: number;
  readonly txId: string;
  /** Index of the transaction within its block. */
  readonly txIndex: number;
  readonly eventName: string;
  readonly payload: Uint8Array;
  /** Commit time of the block (ISO-8601), used for OAI-PMH datestamps. */
  readonly timestamp: string;
}

/** Durable position in the event stream: resume exactly after the last processed event. */
export interface Checkpoint {
  readonly blockNumber: number;
  readonly txId?: string;
}

export interface Checkpointer {
  load(): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
}

export interface EventsOptions {
  /** First block to deliver (inclusive). Ignored when a checkpoint is found. */
  readonly startBlock?: number;
  readonly checkpointer?: Checkpointer;
  /** Stop when caught up instead of waiting for new blocks (for `index rebuild`). */
  readonly untilCaughtUp?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Everything a third party needs to check, offline and with only the consortium's CA
 * certificates, that a record was committed on the ledger. `format` tells the verifier which
 * ledger produced it; `embedded` bundles are verified by node/ledger/proof.
 */
export interface ProofBundle {
  readonly format: 'shulian-embedded-v1' | 'fabric-block-v1';
  readonly channel: string;
  readonly txId: string;
  readonly blockNumber: number;
  readonly [key: string]: unknown;
}

/** The ledger port. One instance is bound to one signing identity (like a fabric-gateway Contract). */
export interface Ledger {
  readonly identity: SigningIdentity['identity'];
  submit(proposal: Readonly<Proposal>): Promise<SubmitResult>;
  evaluate(proposal: Readonly<Proposal>): Promise<Uint8Array>;
  events(options?: Readonly<EventsOptions>): AsyncIterable<LedgerEvent>;
  /** Current height: the number of the next block to be committed. */
  height(): Promise<number>;
  proof(txId: string): Promise<ProofBundle>;
  close(): Promise<void>;
}
