/**
 * What an auditor reads: rights records with their history, a resource's provenance timeline, transfer
 * receipts, fixity results (through the fixity job's `FixityReader`), PREMIS 3 and PROV-JSON exports, and
 * the offline verifier of proof bundles, record proofs and BagIt bags (nothing but the consortium's CA
 * certificates needed).
 */
export { auditRights, listAuditRights } from './rights.js';
export { resourceTimeline, fixityOf } from './timeline.js';
export { listAuditReceipts, type AuditReceipt } from './receipts.js';
export { premisXml, PREMIS_NS, PREMIS_VOCABULARY, ODRL_TO_PREMIS_ACT } from './export/premis.js';
export { provJson, PROV_PREFIXES } from './export/prov.js';
export { checkScope, type ExportScope } from './export/collect.js';
export { verifyProofDocument, verifyBag, formatReport, type Check, type VerifyReport } from './verify/index.js';
export type * from './types.js';
