/** GET /v1/search (full-text search of the local index): see router.ts and openapi.ts. */
export { searchRouter, type SearchDeps } from './router.js';
export { SEARCH_PATHS, SEARCH_SCHEMAS, SEARCH_ROUTES } from './openapi.js';
