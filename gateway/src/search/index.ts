/**
 * GET /v1/search (full-text search of the local index) and GET /v1/versions?sha256= (versions by payload
 * digest): see router.ts and openapi.ts.
 */
export { searchRouter, versionsRouter, type SearchDeps, type VersionsDeps } from './router.js';
export { SEARCH_PATHS, SEARCH_SCHEMAS, SEARCH_ROUTES, VERSIONS_ROUTES } from './openapi.js';
