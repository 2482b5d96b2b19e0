/**
 * The Ledger port over a Hyperledger Fabric channel, through a gateway peer (@hyperledger/fabric-gateway).
 * Connection settings use the fabric-samples names (see fromConfig.ts); proofs are `fabric-block-v1`
 * bundles, checked by the same `verifyProofBundle` as the embedded ledger's.
 */
export { openFabricConnection, loadClientIdentity } from './connection.js';
export type { FabricConnection, FabricConnectionOptions } from './connection.js';
export { openFabricFromConfig } from './from-config.js';
export type { FabricFromConfig } from './from-config.js';
export { FabricLedger, DEFAULT_DEADLINES } from './ledger.js';
export type { FabricDeadlines, FabricLedgerOptions } from './ledger.js';
export { mapFabricError, isTransient, validationCodeName, VALIDATION_CODES } from './errors.js';
export { DEFAULT_READ_RETRY, DEFAULT_RETRY } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { buildFabricProof, FABRIC_PROOF_FORMAT } from './proof.js';
export type { FabricProofBundle } from './proof.js';
export { decodeBlockBytes, decodeTx, blockHeaderHash, blockDataHash, computeFabricTxId } from './block.js';
export type { DecodedBlock, DecodedTx } from './block.js';
