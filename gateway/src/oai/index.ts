/** OAI-PMH 2.0 at /oai: `app.use('/oai', oaiRouter(deps))`. */
export { oaiRouter, type OaiDeps } from './router.js';
export { createTokenCodec, type ListState, type TokenCodec } from './token.js';
export { metadataFormats, OAI_DC_NS, SHULIAN_NS, SHULIAN_XSD, type MetadataFormat } from './formats.js';
export { parseOaiDate, datestamp } from './dates.js';
export { shulianSchemaPath } from './schema-files.js';
