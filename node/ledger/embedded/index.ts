export { openEmbeddedRuntime } from './runtime.js';
export type { EmbeddedRuntime, EmbeddedRuntimeOptions, LedgerInfo } from './runtime.js';
export type { LedgerVerifyOptions, LedgerVerifyReport, LedgerProblem } from './verify.js';
export { BLOCK_FORMAT, CHAINCODE_NAME } from './block.js';
export type { BlockHeader, TxEnvelope, ProposalBody, RwSet, ValidationCode } from './block.js';
export { chaincodeError } from './errors.js';
export { termsCollections } from './collections.js';
export type { CollectionConfig } from './collections.js';
export { DB_FILE } from './store.js';
export {
  signProposal,
  parseSignedProposal,
  isSignedProposalRelay,
  RELAY_MAX_SKEW_MS,
  type SignedProposal,
  type SignedProposalRelay,
} from './relay.js';
