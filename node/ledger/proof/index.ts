export { verifyProofBundle } from './verify.js';
export type { EmbeddedProofBundle, ProofCheck, ProofRecord, ProofVerification } from './types.js';
