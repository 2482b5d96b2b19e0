export type {
  Checkpoint,
  Checkpointer,
  EventsOptions,
  Ledger,
  LedgerEvent,
  ProofBundle,
  Proposal,
  SubmitResult,
} from './types.js';
export { fileCheckpointer, memoryCheckpointer, checkpointAfter } from './checkpointer.js';
export * from './embedded/index.js';
export * from './proof/index.js';
export { openHomeLedger, ledgerDir, splitPemBundle } from './home.js';
export type { HomeLedger, HomeConfig } from './home.js';
export * from './fabric/index.js';
