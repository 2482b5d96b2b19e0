/**
 * `shulian pull`: the national warehouse's verified harvest from a province's gateway (see pull.ts).
 */
export { pull, pullPaths, type PullOptions } from './pull.js';
export { proofBundleVerifier } from './verifier.js';
export { ledgerReceipts, relayedReceipts, type ReceiptSink } from './receipts.js';
export { peerVerifier } from './peer.js';
export { GatewayClient, type GatewayTlsMaterial } from './http.js';
export { PullFailure } from './errors.js';
export { PullJournal } from './journal.js';
export type {
  ChainVerifier,
  VerifiedVersion,
  VersionManifest,
  PullReport,
  PulledItem,
  SkippedItem,
  FailedItem,
  FailureKind,
  PullEvent,
} from './types.js';
