import { problemTypes } from './problem.js';
import { SHULIAN_XSD } from './oai/formats.js';
import { AUDIT_PATHS, AUDIT_SCHEMAS } from './audit/openapi.js';
import { SEARCH_PATHS, SEARCH_SCHEMAS } from './search/openapi.js';
import { hex64, isoTime, json, problem, ref, RESOURCE_ID_PATTERN } from './openapi-parts.js';

export { RESOURCE_ID_PATTERN };

/**
 * The gateway's OpenAPI 3.1 description. It is data, and it is used: request parameters and JSON bodies are
 * validated against it at run time (request-validation.ts), the tests check that every route of the app is
 * in it and vice versa, and the tests validate responses against its schemas.
 */
export const VERSION_PATTERN = '^[1-9][0-9]{0,8}$';
export const SCHEMA_NAME_PATTERN = '^[a-z][a-z0-9-]{0,63}(\\.schema\\.json)?$';

const idParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern: RESOURCE_ID_PATTERN, maxLength: 128 },
});
const resourceIdParam = idParam('id', 'Resource id (the chaincode id pattern).');
const versionParam = {
  name: 'v',
  in: 'path',
  required: true,
  description: 'Version number, from 1.',
  schema: { type: 'string', pattern: VERSION_PATTERN },
};

const commonErrors = {
  '400': problem('Malformed parameter or body (the `pointer` names it).'),
  '403': problem('Certificate revoked or unusable, role missing, or no rights grant in force.'),
  '404': problem('No such resource, version, rights record or schema.'),
  '414': problem('Request target longer than the gateway accepts.'),
  '431': problem('Request headers larger than the gateway accepts.'),
  '500': problem('Internal failure; the log has it under the request id.'),
  '503': problem('A backend is unavailable, or the gateway is shutting down.'),
};

const contentHeaders = {
  ETag: { description: 'The CID, quoted: a strong validator.', schema: { type: 'string' } },
  'Repr-Digest': { description: 'RFC 9530 SHA-256 of the whole representation.', schema: { type: 'string' } },
  'Content-Length': { schema: { type: 'integer' } },
  'Accept-Ranges': { schema: { type: 'string', const: 'bytes' } },
};

const contentParams = [
  resourceIdParam,
  versionParam,
  {
    name: 'intent',
    in: 'query',
    required: false,
    description:
      'What the client will do with the bytes, which decides the ODRL action the rights grant must permit: ' +
      '`reproduce` (default: download and keep a copy, as the warehouse does) or `display` (show in a viewer ' +
      'without keeping it; answered inline with `Cache-Control: no-store`).',
    schema: { type: 'string', enum: ['reproduce', 'display'] },
  },
];

const versionRecord = {
  type: 'object',
  required: [
    'resourceId',
    'version',
    'cid',
    'cidProfile',
    'sha256',
    'sm3',
    'size',
    'mediaType',
    'metadataHash',
    'owner',
    'txId',
    'timestamp',
  ],
  properties: {
    schemaVersion: { type: 'integer' },
    docType: { const: 'version' },
    resourceId: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    cid: { type: 'string' },
    cidProfile: { type: 'string', enum: ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] },
    sha256: hex64,
    sm3: hex64,
    size: { type: 'integer', minimum: 0 },
    mediaType: { type: 'string' },
    metadataHash: hex64,
    metadataCid: { type: ['string', 'null'] },
    previous: { anyOf: [hex64, { type: 'null' }] },
    derivedFrom: { type: 'array', items: ref('VersionRef') },
    owner: { type: 'string' },
    submitter: {
      type: 'object',
      required: ['mspId', 'id'],
      properties: { mspId: { type: 'string' }, id: { type: 'string' } },
    },
    txId: { type: 'string' },
    timestamp: isoTime,
  },
};

const placement = {
  type: 'object',
  required: ['txId', 'blockNumber', 'txIndex', 'committed'],
  properties: {
    txId: { type: 'string' },
    blockNumber: { type: 'integer', minimum: 0 },
    txIndex: { type: 'integer', minimum: 0 },
    committed: isoTime,
  },
};

const actions = { type: 'string', enum: ['reproduce', 'distribute', 'display', 'play', 'derive', 'archive'] };

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Shulian transfer gateway',
    version: '1.0.0',
    summary:
      "A provincial library node's transfer API: changes, manifests with on-chain proofs, verified content, CAR and BagIt exports.",
    description:
      'Every request is made over mutual TLS with a certificate issued by a consortium CA: its subject O is the ' +
      "caller's org (MSP id) and its `shulian.role` attribute the caller's role. Metadata (changes, resources, " +
      'manifests, schemas) is visible to every consortium member. Content (`/content`, `/car`, `/bag`) goes out ' +
      "only under a rights grant in force for the caller's org at the moment of the request, for the ODRL action " +
      'the request performs: `reproduce` for downloads, CAR and BagIt exports; `display` for `/content?intent=display`. ' +
      'A withdrawn resource keeps its metadata (a tombstone) and its content answers 410. Operator endpoints need ' +
      "the `operator` role (`rights-admin` also for rights) in the node's own org. Errors are RFC 9457 problem " +
      'documents whose `type` is stable per error.',
  },
  servers: [{ url: '/' }],
  tags: [{ name: 'harvest' }, { name: 'content' }, { name: 'operator' }, { name: 'operations' }, { name: 'audit' }],
  paths: {
    '/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        tags: ['operations'],
        summary: 'This document.',
        responses: {
          '200': { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) },
          ...commonErrors,
        },
      },
    },
    '/v1/changes': {
      get: {
        operationId: 'listChanges',
        tags: ['harvest'],
        summary: 'Resources changed since a cursor, in chain order.',
        description:
          'The cursor is opaque and stateless: it encodes a chain position (block, transaction) with an HMAC, never ' +
          'expires and survives gateway restarts. Omit it to start at the beginning of the chain; pass the `next` ' +
          'of the previous page to continue. When `caughtUp` is true, poll again later with the same `next`.',
        parameters: [
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string', maxLength: 64 } },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: { '200': { description: 'A page of changes.', content: json(ref('ChangesPage')) }, ...commonErrors },
      },
    },
    '/v1/resources/{id}': {
      get: {
        operationId: 'getResource',
        tags: ['harvest'],
        summary: 'A resource: owner, status, versions, withdrawal tombstone, head metadata.',
        parameters: [resourceIdParam],
        responses: {
          '200': { description: 'The resource (withdrawn ones included).', content: json(ref('Resource')) },
          ...commonErrors,
        },
      },
    },
    '/v1/resources/{id}/versions': {
      post: {
        operationId: 'uploadVersion',
        tags: ['operator'],
        summary: 'Store a payload and register it as the next version of the resource.',
        description:
          'The body is the payload itself, streamed (never buffered); its media type is the request Content-Type. ' +
          'The descriptive metadata (JSON, checked against /v1/schemas/resource) goes in the `Shulian-Metadata` header ' +
          'as base64url. Content is stored (durably) before the version is submitted to the ledger. Re-uploading ' +
          'identical bytes and metadata as the head version is a no-op answered 200.',
        parameters: [
          resourceIdParam,
          { name: 'Shulian-Metadata', in: 'header', required: true, schema: { type: 'string', maxLength: 8192 } },
          {
            name: 'profile',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] },
          },
        ],
        requestBody: {
          required: true,
          content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
        },
        responses: {
          '200': {
            description: 'Identical to the head version; nothing submitted.',
            content: json(ref('SubmitResult')),
          },
          '201': { description: 'Registered.', content: json(ref('SubmitResult')) },
          '409': problem('The ledger refused it as conflicting.'),
          '413': problem('Payload larger than the configured maximum.'),
          ...commonErrors,
        },
      },
    },
    '/v1/resources/{id}/versions/{v}': {
      get: {
        operationId: 'getVersionManifest',
        tags: ['harvest'],
        summary: 'Version manifest with its on-chain proof bundle.',
        parameters: [resourceIdParam, versionParam],
        responses: { '200': { description: 'The manifest.', content: json(ref('Manifest')) }, ...commonErrors },
      },
    },
    '/v1/resources/{id}/versions/{v}/content': {
      get: {
        operationId: 'getContent',
        tags: ['content'],
        summary: 'The payload bytes, verified while they stream.',
        description:
          'Single `Range` requests are answered 206 (several ranges: the whole representation, 200). `If-None-Match` ' +
          'with the ETag answers 304. The gateway hashes (SHA-256 and SM3) what it streams and compares with the chain ' +
          'record; on a mismatch it cuts the connection before the last bytes, so a short body means "do not trust". ' +
          'Ranged responses are checked block by block against their CIDs instead.',
        parameters: contentParams,
        responses: {
          '200': {
            description: 'The whole payload.',
            headers: contentHeaders,
            content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
          },
          '206': {
            description: 'One range of the payload.',
            headers: { ...contentHeaders, 'Content-Range': { schema: { type: 'string' } } },
          },
          '304': { description: 'Not modified (ETag matched).' },
          '410': problem('The resource was withdrawn.'),
          '416': problem('Range not satisfiable.'),
          ...commonErrors,
        },
      },
    },
    '/v1/resources/{id}/versions/{v}/car': {
      get: {
        operationId: 'getCar',
        tags: ['content'],
        summary: "CARv1 of the version's UnixFS DAG (root = the CID); every block verifiable against its CID.",
        parameters: [resourceIdParam, versionParam],
        responses: {
          '200': {
            description: 'CARv1 stream.',
            content: {
              'application/vnd.ipld.car; version=1': {
                schema: { type: 'string', contentMediaType: 'application/vnd.ipld.car' },
              },
            },
          },
          '410': problem('The resource was withdrawn.'),
          ...commonErrors,
        },
      },
    },
    '/v1/resources/{id}/versions/{v}/bag': {
      get: {
        operationId: 'getBag',
        tags: ['content'],
        summary:
          'BagIt (RFC 8493) package as a tar stream, with SHA-256 and SM3 manifests and the chain records as tag files.',
        parameters: [resourceIdParam, versionParam],
        responses: {
          '200': {
            description: 'tar stream of one bag.',
            content: { 'application/x-tar': { schema: { type: 'string', contentMediaType: 'application/x-tar' } } },
          },
          '410': problem('The resource was withdrawn.'),
          ...commonErrors,
        },
      },
    },
    '/v1/resources/{id}/withdraw': {
      post: {
        operationId: 'withdrawResource',
        tags: ['operator'],
        summary: 'Withdraw a resource: its metadata stays as a tombstone, its content answers 410.',
        parameters: [resourceIdParam],
        requestBody: { required: true, content: json(ref('WithdrawInput')) },
        responses: {
          '200': { description: 'Withdrawn.', content: json(ref('SubmitResult')) },
          '409': problem('Already withdrawn.'),
          ...commonErrors,
        },
      },
    },
    '/v1/receipts': {
      post: {
        operationId: 'recordReceipt',
        tags: ['harvest'],
        summary:
          "The warehouse's receipt of a verified version: a RecordReceipt proposal the warehouse signed with its own key, relayed to the ledger.",
        description:
          'Body: {proposal, signature}: the RFC 8785 canonical JSON of the proposal and the base64 ECDSA signature over its SHA-256 ' +
          "(node/ledger's signProposal builds both). Only RecordReceipt, only for the org of the client certificate, warehouse role. " +
          'The ledger checks the signature and that the creator chains to a consortium CA.',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['proposal', 'signature'],
            additionalProperties: false,
            properties: {
              proposal: { type: 'string', maxLength: 65536 },
              signature: { type: 'string', maxLength: 256 },
            },
          }),
        },
        responses: {
          '201': {
            description: 'Recorded.',
            content: json({
              type: 'object',
              required: ['txId', 'blockNumber', 'receipt'],
              properties: { txId: hex64, blockNumber: { type: 'integer', minimum: 0 }, receipt: { type: 'object' } },
            }),
          },
          '409': problem('The same signed proposal was already committed (replay).'),
          ...commonErrors,
        },
      },
    },
    '/v1/rights': {
      post: {
        operationId: 'grantRights',
        tags: ['operator'],
        summary: 'Grant a copyright authorisation (ODRL actions, validity period, assignee org).',
        requestBody: { required: true, content: json(ref('GrantRightsInput')) },
        responses: {
          '201': { description: 'Granted.', content: json(ref('SubmitResult')) },
          '409': problem('The rights id exists.'),
          ...commonErrors,
        },
      },
    },
    '/v1/rights/{id}/revoke': {
      post: {
        operationId: 'revokeRights',
        tags: ['operator'],
        summary: 'Revoke a grant (final: a new grant is a new record).',
        parameters: [idParam('id', 'Rights id.')],
        requestBody: { required: true, content: json(ref('RevokeInput')) },
        responses: {
          '200': { description: 'Revoked.', content: json(ref('SubmitResult')) },
          '409': problem('Already revoked.'),
          ...commonErrors,
        },
      },
    },
    '/v1/schemas/{name}': {
      get: {
        operationId: 'getSchema',
        tags: ['harvest'],
        summary: 'A metadata JSON Schema (2020-12) the node validates against: `resource`, `indexing-record`.',
        parameters: [
          { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: SCHEMA_NAME_PATTERN } },
        ],
        responses: {
          '200': { description: 'The schema.', content: { 'application/schema+json': { schema: { type: 'object' } } } },
          ...commonErrors,
        },
      },
    },
    '/oai': {
      get: {
        operationId: 'oaiPmhGet',
        tags: ['harvest'],
        summary: 'OAI-PMH 2.0: all six verbs; metadata formats oai_dc and shulian; sets by owner, class and theme.',
        description:
          'Protocol errors are OAI-PMH error responses (HTTP 200, as the protocol requires). Datestamps are chain commit ' +
          'times; withdrawn resources are persistent deleted records; resumption tokens are stateless and survive restarts.',
        parameters: [
          { name: 'verb', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'identifier', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'metadataPrefix', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'from', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'until', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'set', in: 'query', required: false, schema: { type: 'string' } },
          { name: 'resumptionToken', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'OAI-PMH response.', content: { 'text/xml': { schema: { type: 'string' } } } },
          ...commonErrors,
        },
      },
      post: {
        operationId: 'oaiPmhPost',
        tags: ['harvest'],
        summary: 'OAI-PMH 2.0 with the arguments as application/x-www-form-urlencoded.',
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } },
        },
        responses: {
          '200': { description: 'OAI-PMH response.', content: { 'text/xml': { schema: { type: 'string' } } } },
          ...commonErrors,
        },
      },
    },
    [`/oai/schemas/${SHULIAN_XSD}`]: {
      get: {
        operationId: 'oaiShulianSchema',
        tags: ['harvest'],
        summary: 'XML Schema of the `shulian` OAI-PMH metadata format.',
        responses: {
          '200': { description: 'XML Schema.', content: { 'application/xml': { schema: { type: 'string' } } } },
          ...commonErrors,
        },
      },
    },
    ...AUDIT_PATHS,
    ...SEARCH_PATHS,
    '/healthz': {
      get: {
        operationId: 'healthz',
        tags: ['operations'],
        summary: 'Liveness: the process answers.',
        responses: { '200': { description: 'Alive.', content: json(ref('Health')) } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        tags: ['operations'],
        summary: 'Readiness: ledger, content store and index reachable.',
        responses: {
          '200': { description: 'Ready.', content: json(ref('Readiness')) },
          '503': { description: 'Not ready (or shutting down).', content: json(ref('Readiness')) },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        tags: ['operations'],
        summary: 'Prometheus text format 0.0.4.',
        responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    schemas: {
      ...AUDIT_SCHEMAS,
      ...SEARCH_SCHEMAS,
      Problem: {
        type: 'object',
        description:
          'RFC 9457 problem details. `type` values: ' +
          problemTypes()
            .map((p) => `${p.type} (${p.status})`)
            .join(', ') +
          '.',
        required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
        properties: {
          type: { type: 'string', enum: problemTypes().map((p) => p.type) },
          title: { type: 'string' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
          detail: { type: 'string' },
          instance: { type: 'string' },
          code: { type: 'string' },
          requestId: { type: 'string' },
          resourceId: { type: 'string' },
          version: { type: 'integer' },
          cid: { type: 'string' },
          rightsId: { type: 'string' },
          txId: { type: 'string' },
          pointer: { type: 'string' },
        },
      },
      VersionRef: {
        type: 'object',
        required: ['resourceId', 'version'],
        properties: { resourceId: { type: 'string' }, version: { type: 'integer', minimum: 1 } },
      },
      Placement: placement,
      Change: {
        type: 'object',
        required: ['resourceId', 'kind', 'version', 'owner', 'txId', 'blockNumber', 'txIndex', 'committed', 'href'],
        properties: {
          ...placement.properties,
          resourceId: { type: 'string' },
          kind: { type: 'string', enum: ['version', 'withdrawal'] },
          version: { type: 'integer', minimum: 1 },
          owner: { type: 'string' },
          href: { type: 'string' },
        },
      },
      ChangesPage: {
        type: 'object',
        required: ['changes', 'next', 'caughtUp'],
        properties: {
          changes: { type: 'array', items: ref('Change') },
          next: { type: 'string', description: 'Cursor for the next page.' },
          caughtUp: { type: 'boolean' },
        },
      },
      VersionSummary: {
        type: 'object',
        required: ['version', 'cid', 'size', 'mediaType', 'sha256', 'sm3', 'txId', 'blockNumber', 'committed', 'href'],
        properties: {
          version: { type: 'integer', minimum: 1 },
          cid: { type: 'string' },
          size: { type: 'integer', minimum: 0 },
          mediaType: { type: 'string' },
          sha256: hex64,
          sm3: hex64,
          txId: { type: 'string' },
          blockNumber: { type: 'integer' },
          committed: isoTime,
          href: { type: 'string' },
        },
      },
      Withdrawal: {
        type: 'object',
        required: ['reasonCode', 'note', 'headVersion', 'txId', 'blockNumber', 'committed', 'timestamp'],
        properties: {
          reasonCode: { type: 'string' },
          note: { type: 'string' },
          headVersion: { type: 'integer' },
          txId: { type: 'string' },
          blockNumber: { type: 'integer' },
          committed: isoTime,
          timestamp: isoTime,
        },
      },
      Resource: {
        type: 'object',
        required: ['id', 'owner', 'status', 'headVersion', 'created', 'updated', 'changed', 'versions', 'withdrawal'],
        properties: {
          id: { type: 'string' },
          owner: { type: 'string' },
          status: { type: 'string', enum: ['active', 'withdrawn'] },
          headVersion: { type: 'integer' },
          created: isoTime,
          updated: isoTime,
          changed: ref('Placement'),
          versions: { type: 'array', items: ref('VersionSummary') },
          withdrawal: { anyOf: [ref('Withdrawal'), { type: 'null' }] },
          metadata: {},
        },
      },
      Rights: {
        type: 'object',
        required: ['rightsId', 'target', 'assignee', 'assigner', 'actions', 'status'],
        properties: {
          rightsId: { type: 'string' },
          target: {
            type: 'object',
            required: ['type', 'id'],
            properties: { type: { enum: ['resource', 'batch', 'collection'] }, id: { type: 'string' } },
          },
          assignee: { type: 'string' },
          assigner: { type: 'string' },
          actions: { type: 'array', items: actions },
          status: { type: 'string', enum: ['granted', 'revoked'] },
        },
      },
      ProofBundle: {
        type: 'object',
        description:
          'Everything needed to check offline, with the consortium CA certificates only, that the version record was committed.',
        required: ['format', 'txId', 'blockNumber'],
        properties: {
          format: { type: 'string', enum: ['shulian-embedded-v1', 'fabric-block-v1'] },
          channel: { type: 'string' },
          txId: { type: 'string' },
          blockNumber: { type: 'integer' },
        },
      },
      Access: {
        type: 'object',
        description: "The caller's org's authorisation for each content action, at the time of the request.",
        required: ['org', 'at', 'reproduce', 'display'],
        properties: {
          org: { type: 'string' },
          at: isoTime,
          reproduce: ref('Decision'),
          display: ref('Decision'),
        },
      },
      Decision: {
        type: 'object',
        required: ['authorized', 'rightsId', 'reason'],
        properties: {
          authorized: { type: 'boolean' },
          rightsId: { type: ['string', 'null'] },
          reason: { type: 'string' },
        },
      },
      Manifest: {
        type: 'object',
        required: [
          'resourceId',
          'version',
          'status',
          'record',
          'placement',
          'digests',
          'rights',
          'proof',
          'access',
          'links',
          'withdrawal',
        ],
        properties: {
          resourceId: { type: 'string' },
          version: { type: 'integer', minimum: 1 },
          status: { type: 'string', enum: ['active', 'withdrawn'] },
          record: versionRecord,
          placement: ref('Placement'),
          digests: {
            type: 'object',
            required: ['cid', 'cidProfile', 'sha256', 'sm3', 'size'],
            properties: {
              cid: { type: 'string' },
              cidProfile: { type: 'string' },
              sha256: hex64,
              sm3: hex64,
              size: { type: 'integer' },
            },
          },
          rights: { type: 'array', items: ref('Rights') },
          proof: ref('ProofBundle'),
          access: ref('Access'),
          metadata: {},
          withdrawal: { anyOf: [ref('Withdrawal'), { type: 'null' }] },
          integrityAlert: { type: 'object', properties: { at: isoTime, detail: { type: 'string' } } },
          links: {
            type: 'object',
            required: ['self', 'content', 'car', 'bag'],
            properties: {
              self: { type: 'string' },
              content: { type: 'string' },
              car: { type: 'string' },
              bag: { type: 'string' },
            },
          },
        },
      },
      GrantRightsInput: {
        type: 'object',
        additionalProperties: false,
        required: ['rightsId', 'target', 'rightsholder', 'assignee', 'actions', 'constraints', 'basis'],
        properties: {
          rightsId: { type: 'string', pattern: RESOURCE_ID_PATTERN },
          target: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'id'],
            properties: {
              type: { enum: ['resource', 'batch', 'collection'] },
              id: { type: 'string', pattern: RESOURCE_ID_PATTERN },
            },
          },
          rightsholder: { type: 'string', minLength: 1, maxLength: 512 },
          assignee: { type: 'string', minLength: 1, maxLength: 128 },
          actions: { type: 'array', minItems: 1, uniqueItems: true, items: actions },
          constraints: {
            type: 'object',
            additionalProperties: false,
            required: ['notBefore', 'notAfter'],
            properties: {
              notBefore: isoTime,
              notAfter: { anyOf: [isoTime, { type: 'null' }] },
              territory: { type: 'string', pattern: '^[A-Z]{2}$' },
              purpose: { type: 'string', maxLength: 256 },
            },
          },
          basis: { enum: ['copyright', 'licence', 'statute', 'policy'] },
          licenceDigest: hex64,
        },
      },
      RevokeInput: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 1, maxLength: 1024 } },
      },
      WithdrawInput: {
        type: 'object',
        additionalProperties: false,
        required: ['reasonCode'],
        properties: {
          reasonCode: {
            type: 'string',
            pattern: '^[a-z][a-z0-9-]{0,63}$',
            description: 'e.g. copyright-claim, error, duplicate, superseded, legal, other',
          },
          note: { type: 'string', maxLength: 2048 },
        },
      },
      SubmitResult: {
        type: 'object',
        required: ['txId', 'blockNumber', 'record'],
        properties: { txId: { type: 'string' }, blockNumber: { type: 'integer' }, record: { type: 'object' } },
      },
      Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
      Readiness: {
        type: 'object',
        required: ['status', 'checks'],
        properties: {
          status: { type: 'string', enum: ['ready', 'not-ready', 'shutting-down'] },
          checks: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              required: ['ok'],
              properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;

export type OpenApiDocument = typeof OPENAPI_DOCUMENT;
