export { verifyProofDocument, onChainRecord } from './proof.js';
export { verifyBag } from './bag.js';
export { formatReport, type Check, type VerifyReport } from './report.js';
