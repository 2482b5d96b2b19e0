/** The audit API (GET /v1/audit/…), auditor role only: see router.ts and openapi.ts. */
export { auditRouter, AUDIT_ROLE, type AuditDeps } from './router.js';
export { AUDIT_PATHS, AUDIT_SCHEMAS, AUDIT_ROUTES } from './openapi.js';
