/**
 * The node's local query index: a SQLite (WAL) projection of the chain's events with its checkpoint in
 * the same transaction (exactly-once after restarts), full-text search that handles Chinese, the
 * chaincode's authorisation rules answered locally, and the off-chain data the ingest pipeline keeps
 * beside the chain (metadata JSON by hash, Merkle inclusion proofs by record id).
 */
export { openIndex } from './local-index.js';
export type { OpenIndexOptions } from './local-index.js';
export { decide as decideAuthorization, PUBLIC } from './authorize.js';
export { searchText } from './text.js';
export type { SearchText } from './text.js';
export type * from './types.js';
