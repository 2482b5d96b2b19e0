/**
 * OpenAPI entry of the search route (mounted at /v1/search by startNodeGateway), merged into the gateway's
 * document by ../openapi.ts. It must not import ../openapi.ts (that file imports this one).
 */
import { problem, ref } from '../openapi-parts.js';

const q = (name: string, description: string, schema: object, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});

export const SEARCH_PATHS = {
  '/v1/search': {
    get: {
      operationId: 'search',
      tags: ['harvest'],
      summary: 'Full-text search of resources and fine-grained indexing records (Chinese and other scripts).',
      description:
        'Metadata search over the node’s local index (titles, subjects, keywords, descriptions), answered for every ' +
        'consortium member like the other metadata routes. Chinese text matches on one, two or more characters. ' +
        'Withdrawn resources are left out unless `includeWithdrawn=true`.',
      parameters: [
        q('q', 'Search terms.', { type: 'string', minLength: 1, maxLength: 256 }, true),
        q('kind', 'Resources (default) or indexing records.', { type: 'string', enum: ['resource', 'record'] }),
        q('owner', 'Only resources of this org (MSP id).', {
          type: 'string',
          pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
        }),
        q('includeWithdrawn', 'Include withdrawn resources.', { type: 'string', enum: ['true', 'false'] }),
        q('limit', 'Page size, 1–1000 (default 50).', { type: 'integer', minimum: 1, maximum: 1000 }),
        q('offset', 'Hits to skip (default 0).', { type: 'integer', minimum: 0, maximum: 100000 }),
      ],
      responses: {
        '200': {
          description: 'A page of hits, best first.',
          content: { 'application/json': { schema: ref('SearchPage') } },
        },
        '400': problem('Malformed parameter (the `pointer` names it, e.g. `/query/q`).'),
        '500': problem('Internal failure; the log has it under the request id.'),
        '503': problem('The gateway is shutting down.'),
      },
    },
  },
  '/v1/versions': {
    get: {
      operationId: 'versionsByDigest',
      tags: ['harvest'],
      summary: 'The registered versions (of any resource) whose payload has this SHA-256: is this file on chain?',
      description:
        'Answers the audit console’s verify page, which hashes a file in the browser and asks with the digest only ' +
        '(the bytes never leave the browser). Compare `sm3` and `size` too before concluding. Metadata: every ' +
        'consortium member may ask.',
      parameters: [
        q('sha256', 'SHA-256 of the payload, lower-case hex.', { type: 'string', pattern: '^[0-9a-f]{64}$' }, true),
        q('limit', 'At most this many versions, 1–1000 (default 100).', { type: 'integer', minimum: 1, maximum: 1000 }),
      ],
      responses: {
        '200': {
          description: 'The matching versions in chain order (none: not on chain).',
          content: { 'application/json': { schema: ref('VersionMatches') } },
        },
        '400': problem('Malformed parameter (the `pointer` names it, e.g. `/query/sha256`).'),
        '500': problem('Internal failure; the log has it under the request id.'),
        '503': problem('The gateway is shutting down.'),
      },
    },
  },
} as const;

export const SEARCH_SCHEMAS = {
  VersionMatches: {
    type: 'object',
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          required: [
            'resourceId',
            'version',
            'cid',
            'sha256',
            'sm3',
            'size',
            'mediaType',
            'status',
            'txId',
            'blockNumber',
            'committed',
            'href',
          ],
          properties: {
            resourceId: { type: 'string' },
            version: { type: 'integer', minimum: 1 },
            cid: { type: 'string' },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            sm3: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            size: { type: 'integer', minimum: 0 },
            mediaType: { type: 'string' },
            status: { type: 'string', enum: ['active', 'withdrawn'], description: 'The resource’s status now.' },
            txId: { type: 'string' },
            blockNumber: { type: 'integer', minimum: 0 },
            committed: { type: 'string', format: 'date-time' },
            href: { type: 'string', description: 'The version’s manifest (with its proof bundle).' },
          },
        },
      },
    },
  },
  SearchHit: {
    type: 'object',
    required: ['kind', 'id', 'resourceId', 'version', 'title', 'subjects', 'keywords', 'snippet', 'status'],
    properties: {
      kind: { type: 'string', enum: ['resource', 'record'] },
      id: { type: 'string', description: 'Resource id, or indexing-record id.' },
      resourceId: { type: ['string', 'null'], description: 'For records: the parent resource, when known.' },
      version: { type: ['integer', 'null'] },
      title: { type: 'string' },
      subjects: { type: 'array', items: { type: 'string' } },
      keywords: { type: 'array', items: { type: 'string' } },
      snippet: { type: 'string', description: 'A short excerpt around the first match.' },
      status: { anyOf: [{ type: 'string', enum: ['active', 'withdrawn'] }, { type: 'null' }] },
      href: { type: ['string', 'null'], description: 'The resource’s REST route, when known.' },
    },
  },
  SearchPage: {
    type: 'object',
    required: ['items', 'total', 'limit', 'offset'],
    properties: {
      items: { type: 'array', items: ref('SearchHit') },
      total: { type: 'integer', minimum: 0 },
      limit: { type: 'integer', minimum: 1 },
      offset: { type: 'integer', minimum: 0 },
    },
  },
} as const;

export const SEARCH_ROUTES = [{ method: 'GET' as const, path: '/v1/search' }];
export const VERSIONS_ROUTES = [{ method: 'GET' as const, path: '/v1/versions' }];
