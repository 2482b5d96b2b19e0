/**
 * OpenAPI entries of the audit API (mounted at /v1/audit by startNodeGateway), merged into the gateway's
 * document by ../openapi.ts. Kept here so the audit API's contract sits next to its router; it must not
 * import ../openapi.ts (that file imports this one).
 */
import { hex64, isoTime, json, problem, ref, RESOURCE_ID_PATTERN as ID } from '../openapi-parts.js';

const idSchema = { type: 'string', pattern: ID, maxLength: 128 };
const q = (name: string, description: string, schema: object = { type: 'string', maxLength: 256 }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const errors = {
  '400': problem('Malformed parameter (the `pointer` names it, e.g. `/query/from`).'),
  '403': problem('The client certificate has no `auditor` role (`urn:shulian:problem:role-required`), or is revoked.'),
  '404': problem('No such resource, rights record, transaction or fixity run.'),
  '500': problem('Internal failure; the log has it under the request id.'),
  '503': problem('A backend is unavailable, or the gateway is shutting down.'),
};

const paging = [
  q('limit', 'Page size, 1–1000 (default 100).', { type: 'integer', minimum: 1, maximum: 1000 }),
  q('offset', 'Items to skip (default 0).', { type: 'integer', minimum: 0 }),
];
const proofsParam = q(
  'proofs',
  'Include the proof bundle of every transaction the answer refers to (`true`, the default), or leave them out (`false`).',
  { type: 'string', enum: ['true', 'false'] },
);
const period = [
  q('from', 'Only what happened (transaction time) at or after this RFC 3339 date-time.', isoTime),
  q('until', 'Only what happened (transaction time) at or before this RFC 3339 date-time.', isoTime),
];
const proofsMap = {
  type: 'object',
  description:
    'Proof bundle of every transaction the answer refers to, by transaction id (verify offline with `shulian verify-proof`). ' +
    'Empty with `proofs=false`.',
  additionalProperties: ref('ProofBundle'),
};
const paged = (item: string) => ({
  type: 'object',
  required: ['items', 'total', 'limit', 'offset', 'proofs'],
  properties: {
    items: { type: 'array', items: ref(item) },
    total: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 1 },
    offset: { type: 'integer', minimum: 0 },
    proofs: proofsMap,
  },
});
const chainEvent = {
  type: 'object',
  description:
    'A transaction: its id, block, position in the block and block commit time (when the index knows them), and the transaction time `at`.',
  required: ['txId', 'blockNumber', 'at'],
  properties: {
    txId: hex64,
    blockNumber: { type: 'integer', minimum: 0 },
    txIndex: { type: 'integer', minimum: 0 },
    committed: { ...isoTime, description: 'Block commit time.' },
    at: { ...isoTime, description: 'Transaction time (the record’s own timestamp).' },
  },
};

const tags = ['audit'];
const auditDescription =
  'Auditor role (`shulian.role` = `auditor`) of any consortium org; read-only (GET only). Operators, rights admins and ' +
  'the warehouse get 403 `role-required`: the audit API shows every org’s grants and receipts together, which is the ' +
  'auditor’s job, not theirs.';

export const AUDIT_PATHS = {
  '/v1/audit/rights': {
    get: {
      operationId: 'auditListRights',
      tags,
      summary:
        'Rights records with their history (grant, revocation), filtered; each with the proofs of its transactions.',
      description: auditDescription,
      parameters: [
        q('resource', 'Grants covering this resource (on it, or on its owner’s whole collection).', idSchema),
        q('assignee', 'Assignee org MSP id, or `public`.', idSchema),
        q('assigner', 'Assigner (licensor) org MSP id.', idSchema),
        q('status', 'Record status, or as of `at`: in force / expired.', {
          type: 'string',
          enum: ['granted', 'revoked', 'in-force', 'expired'],
        }),
        q('expiringWithinDays', 'Grants in force whose period ends within this many days of `at`.', {
          type: 'integer',
          minimum: 0,
          maximum: 36500,
        }),
        q('at', 'Reference time for in-force / expired / expiring (default now).', isoTime),
        ...period,
        ...paging,
        proofsParam,
      ],
      responses: {
        '200': { description: 'A page of rights records.', content: json(paged('AuditRights')) },
        ...errors,
      },
    },
  },
  '/v1/audit/rights/{id}': {
    get: {
      operationId: 'auditGetRights',
      tags,
      summary: 'One rights record, its history and the proofs of its grant and revocation.',
      description: auditDescription,
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'Rights id.', schema: idSchema },
        proofsParam,
      ],
      responses: {
        '200': {
          description: 'The rights record.',
          content: json({
            type: 'object',
            required: ['rights', 'proofs'],
            properties: { rights: ref('AuditRights'), proofs: proofsMap },
          }),
        },
        ...errors,
      },
    },
  },
  '/v1/audit/resources/{id}/timeline': {
    get: {
      operationId: 'auditTimeline',
      tags,
      summary:
        'A resource’s provenance in chain order: versions, derivations, batches, rights, receipts, fixity checks, withdrawal.',
      description: auditDescription,
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'Resource id.', schema: idSchema },
        proofsParam,
      ],
      responses: { '200': { description: 'The timeline.', content: json(ref('AuditTimeline')) }, ...errors },
    },
  },
  '/v1/audit/receipts': {
    get: {
      operationId: 'auditListReceipts',
      tags,
      summary: 'The warehouse’s transfer receipts (custody handoffs), filtered, in chain order.',
      description: auditDescription,
      parameters: [
        q('resource', 'Receipts of this resource.', idSchema),
        q('warehouse', 'Receipts recorded by this warehouse org.', idSchema),
        ...period,
        ...paging,
        proofsParam,
      ],
      responses: { '200': { description: 'A page of receipts.', content: json(paged('AuditReceipt')) }, ...errors },
    },
  },
  '/v1/audit/fixity': {
    get: {
      operationId: 'auditListFixity',
      tags,
      summary:
        'Fixity check results (PREMIS fixity events), newest first, with the proofs of the runs that anchored them.',
      description: auditDescription,
      parameters: [
        q('resource', 'Results for this resource.', idSchema),
        q('run', 'Results of this audit run.', idSchema),
        q('outcome', 'Only passes, or only failures.', { type: 'string', enum: ['pass', 'fail'] }),
        ...period,
        ...paging,
        proofsParam,
      ],
      responses: {
        '200': { description: 'A page of fixity results.', content: json(paged('FixityEvent')) },
        ...errors,
      },
    },
  },
  '/v1/audit/fixity/runs': {
    get: {
      operationId: 'auditListFixityRuns',
      tags,
      summary: 'Fixity audit runs, newest first, each with its Merkle root and anchoring transaction.',
      description: auditDescription,
      parameters: [...period, ...paging, proofsParam],
      responses: { '200': { description: 'A page of runs.', content: json(paged('FixityRun')) }, ...errors },
    },
  },
  '/v1/audit/proofs/{txId}': {
    get: {
      operationId: 'auditProof',
      tags,
      summary: 'The proof bundle of one committed transaction.',
      description: auditDescription,
      parameters: [{ name: 'txId', in: 'path', required: true, description: 'Transaction id.', schema: hex64 }],
      responses: { '200': { description: 'The proof bundle.', content: json(ref('ProofBundle')) }, ...errors },
    },
  },
  '/v1/audit/export/premis': {
    get: {
      operationId: 'auditExportPremis',
      tags,
      summary: 'PREMIS 3.0 XML of one resource, or of the whole collection without `resource`.',
      description:
        `${auditDescription} Objects (one per version) with fixity (SHA-256 and SM3: SM3 has no Library of Congress ` +
        'cryptographicHashFunctions term, so it is given as `SM3` with authority `urn:shulian:vocabulary:hash`), events ' +
        '(ingestion, fixity check, transfer, deaccession), rights statements from the grants, agents.',
      parameters: [q('resource', 'Only this resource.', idSchema)],
      responses: {
        '200': { description: 'PREMIS 3.0 document.', content: { 'application/xml': { schema: { type: 'string' } } } },
        ...errors,
      },
    },
  },
  '/v1/audit/export/prov': {
    get: {
      operationId: 'auditExportProv',
      tags,
      summary: 'W3C PROV-JSON of one resource, or of the whole collection without `resource`.',
      description: `${auditDescription} Entities are versions; activities are registrations, withdrawals and transfers; agents are orgs and submitters.`,
      parameters: [q('resource', 'Only this resource.', idSchema)],
      responses: {
        '200': { description: 'PROV-JSON document.', content: json({ type: 'object' }) },
        ...errors,
      },
    },
  },
} as const;

export const AUDIT_SCHEMAS = {
  AuditChainEvent: chainEvent,
  AuditRights: {
    type: 'object',
    required: ['rightsId', 'record', 'granted', 'revoked', 'history', 'inForce'],
    properties: {
      rightsId: { type: 'string' },
      record: ref('Rights'),
      granted: ref('AuditChainEvent'),
      revoked: { anyOf: [ref('AuditChainEvent'), { type: 'null' }] },
      history: {
        type: 'array',
        description: 'Grant, then revocation if any, in chain order.',
        items: {
          type: 'object',
          required: ['kind', 'txId', 'blockNumber', 'at', 'summary'],
          properties: {
            kind: { type: 'string', enum: ['granted', 'revoked'] },
            txId: hex64,
            blockNumber: { type: 'integer', minimum: 0 },
            txIndex: { type: 'integer', minimum: 0 },
            committed: isoTime,
            at: isoTime,
            summary: { type: 'string' },
          },
        },
      },
      inForce: { type: 'boolean', description: 'In force at the reference time `at` of the query (default now).' },
    },
  },
  AuditTimelineEvent: {
    type: 'object',
    required: ['kind', 'at', 'txId', 'blockNumber', 'txIndex', 'committed', 'summary', 'record'],
    properties: {
      kind: {
        type: 'string',
        enum: ['version', 'derivation', 'batch', 'rights-granted', 'rights-revoked', 'receipt', 'fixity', 'withdrawal'],
      },
      at: { ...isoTime, description: 'Transaction time; for a fixity check, the time of the check.' },
      txId: { anyOf: [hex64, { type: 'null' }], description: 'Null for a fixity check not yet anchored.' },
      blockNumber: { type: ['integer', 'null'] },
      txIndex: { type: ['integer', 'null'] },
      committed: { anyOf: [isoTime, { type: 'null' }] },
      summary: { type: 'string' },
      record: { type: 'object' },
    },
  },
  AuditTimeline: {
    type: 'object',
    required: ['resource', 'events', 'proofs'],
    properties: {
      resource: {
        type: 'object',
        required: ['id', 'owner', 'status', 'headVersion', 'created', 'updated'],
        properties: {
          id: { type: 'string' },
          owner: { type: 'string' },
          status: { type: 'string', enum: ['active', 'withdrawn'] },
          headVersion: { type: 'integer', minimum: 1 },
          created: isoTime,
          updated: isoTime,
        },
      },
      events: { type: 'array', items: ref('AuditTimelineEvent') },
      proofs: proofsMap,
    },
  },
  AuditReceipt: {
    type: 'object',
    required: ['txId', 'blockNumber', 'txIndex', 'committed', 'record', 'matchesVersion'],
    properties: {
      txId: hex64,
      blockNumber: { type: 'integer', minimum: 0 },
      txIndex: { type: 'integer', minimum: 0 },
      committed: isoTime,
      record: {
        type: 'object',
        required: ['resourceId', 'version', 'cid', 'sha256', 'sm3', 'warehouse', 'txId', 'timestamp'],
        properties: {
          resourceId: { type: 'string' },
          version: { type: 'integer', minimum: 1 },
          cid: { type: 'string' },
          sha256: hex64,
          sm3: hex64,
          warehouse: { type: 'string' },
          txId: hex64,
          timestamp: isoTime,
        },
      },
      matchesVersion: {
        type: 'boolean',
        description: 'The receipt’s CID and digests equal the registered version’s.',
      },
    },
  },
  FixityEvent: {
    type: 'object',
    description: 'One re-hash of one stored version (a PREMIS fixity check event).',
    required: ['eventId', 'runId', 'resourceId', 'version', 'cid', 'checkedAt', 'outcome', 'expected', 'actual'],
    properties: {
      eventId: { type: 'string' },
      runId: { type: 'string' },
      resourceId: { type: 'string' },
      version: { type: 'integer', minimum: 1 },
      cid: { type: 'string' },
      checkedAt: isoTime,
      outcome: { type: 'string', enum: ['pass', 'fail'] },
      expected: { type: 'object', required: ['sha256', 'sm3'], properties: { sha256: hex64, sm3: hex64 } },
      actual: {
        type: 'object',
        description: 'What the stored bytes hashed to; null digests when the content could not be read.',
        required: ['sha256', 'sm3'],
        properties: { sha256: { anyOf: [hex64, { type: 'null' }] }, sm3: { anyOf: [hex64, { type: 'null' }] } },
      },
      detail: { type: 'string' },
      anchor: {
        anyOf: [
          {
            type: 'object',
            required: ['batchId', 'txId', 'leafIndex', 'treeSize', 'proof', 'root'],
            properties: {
              batchId: { type: 'string' },
              txId: hex64,
              leafIndex: { type: 'integer', minimum: 0 },
              treeSize: { type: 'integer', minimum: 1 },
              proof: { type: 'array', items: hex64 },
              root: hex64,
            },
          },
          { type: 'null' },
        ],
      },
    },
  },
  FixityRun: {
    type: 'object',
    required: ['runId', 'started', 'finished', 'checked', 'passed', 'failed', 'batchId', 'txId', 'root'],
    properties: {
      runId: { type: 'string' },
      started: isoTime,
      finished: { anyOf: [isoTime, { type: 'null' }] },
      sampleFraction: { type: 'number', minimum: 0, maximum: 1 },
      checked: { type: 'integer', minimum: 0 },
      passed: { type: 'integer', minimum: 0 },
      failed: { type: 'integer', minimum: 0 },
      batchId: { type: ['string', 'null'] },
      txId: { anyOf: [hex64, { type: 'null' }] },
      root: { anyOf: [hex64, { type: 'null' }] },
    },
  },
} as const;

export const AUDIT_ROUTES = Object.entries(AUDIT_PATHS).map(([path]) => ({ method: 'GET' as const, path }));
