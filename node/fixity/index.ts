/**
 * Fixity audits: re-hash stored content against the chain (CID block by block, SHA-256, SM3, size), record
 * each check as a PREMIS fixity event in the fixity store (`<SHULIAN_HOME>/fixity/fixity.sqlite`), anchor
 * each run on chain as a Merkle batch of kind `fixity-audit` (leaves = the checks' RFC 8785 JSON) with every
 * check's inclusion proof kept, and raise failures (logs, the store's summary for /metrics and the console).
 *
 *   const store = openFixityStore({ home: node.home });
 *   try { const { run } = await runFixityAudit({ ...node, store }, { sample: 0.1 }); } finally { store.close(); }
 *
 * Readers (audit API, console, report): `openFixityStore({ home })` then `listRuns()`, `getRun(id)`,
 * `eventsOfRun(id)`, `eventsFor(resourceId, version?)`, `listEvents({ outcome: 'fail' })`, `summary()`.
 */
export * from './types.js';
export { openFixityStore, fixityStorePath } from './store.js';
export type { FixityStore, OpenFixityStoreOptions, RunPlan, PendingCheck } from './store.js';
export { runFixityAudit, resumeFixityRun, batchIdFor, FIXITY_AGENT_SOFTWARE } from './run.js';
export type { FixityParts, FixityLog, RunFixityOptions, FixityRunReport } from './run.js';
export { startFixitySchedule } from './schedule.js';
export type { FixitySchedule, FixityScheduleOptions } from './schedule.js';
export { fixityPopulation, selectVersions, sampleKey } from './select.js';
export type { VersionPick } from './select.js';
export { checkVersion } from './check.js';
export type { VersionCheck } from './check.js';
export { verifyFixityEvent } from './verify.js';
export type { FixityEventCheck } from './verify.js';
export { fixityAuditReader, toAuditEvent, toAuditRun } from './audit-reader.js';
