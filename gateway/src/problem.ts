import { ShulianError, type ErrorIds, type ShulianErrorOptions } from 'shulian/core';

/**
 * RFC 9457 problem details. Every error the gateway answers with has a stable `type` URI derived from its
 * code, so clients branch on `type`, never on `title` or `detail`. Stack traces never leave the process.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_PREFIX = 'urn:shulian:problem:';

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: string;
  readonly requestId?: string;
  readonly resourceId?: string;
  readonly version?: number;
  readonly cid?: string;
  readonly rightsId?: string;
  readonly txId?: string;
  readonly pointer?: string;
}

interface ProblemKind {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
}

/** Codes of node/core errors plus the gateway's own (HTTP-only) conditions. */
const KINDS: Readonly<Record<string, ProblemKind>> = {
  VALIDATION: { status: 400, slug: 'validation', title: 'Invalid request' },
  INVALID_CURSOR: { status: 400, slug: 'invalid-cursor', title: 'Invalid cursor' },
  MALFORMED_JSON: { status: 400, slug: 'malformed-json', title: 'Malformed JSON body' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  ROUTE_NOT_FOUND: { status: 404, slug: 'route-not-found', title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  ACCESS_DENIED: { status: 403, slug: 'access-denied', title: 'Access denied' },
  ROLE_REQUIRED: { status: 403, slug: 'role-required', title: 'Role required' },
  NOT_AUTHORIZED: { status: 403, slug: 'no-rights-grant', title: 'No rights grant in force' },
  CERT_REVOKED: { status: 403, slug: 'certificate-revoked', title: 'Client certificate revoked' },
  CERT_INVALID: { status: 403, slug: 'certificate-invalid', title: 'Client certificate unusable' },
  GONE: { status: 410, slug: 'withdrawn', title: 'Resource withdrawn' },
  CONFLICT: { status: 409, slug: 'conflict', title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, slug: 'payload-too-large', title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, slug: 'uri-too-long', title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', title: 'Unsupported media type' },
  RANGE_NOT_SATISFIABLE: { status: 416, slug: 'range-not-satisfiable', title: 'Range not satisfiable' },
  HEADERS_TOO_LARGE: { status: 431, slug: 'headers-too-large', title: 'Request header fields too large' },
  INTEGRITY: { status: 500, slug: 'integrity', title: 'Stored content failed verification' },
  CONFIG: { status: 500, slug: 'configuration', title: 'Gateway misconfigured' },
  INTERNAL: { status: 500, slug: 'internal', title: 'Internal error' },
  LEDGER: { status: 502, slug: 'ledger', title: 'Ledger refused or failed the transaction' },
  CONTENT: { status: 500, slug: 'content-store', title: 'Content store failure' },
  UNAVAILABLE: { status: 503, slug: 'unavailable', title: 'Backend unavailable' },
  SHUTTING_DOWN: { status: 503, slug: 'shutting-down', title: 'Gateway is shutting down' },
};

export type ProblemCode = keyof typeof KINDS;

/** All problem types the gateway can answer with, for the OpenAPI document. */
export function problemTypes(): readonly { type: string; status: number; title: string; code: string }[] {
  return Object.entries(KINDS).map(([code, k]) => ({
    code,
    type: PROBLEM_TYPE_PREFIX + k.slug,
    status: k.status,
    title: k.title,
  }));
}

/** An HTTP-level condition raised inside the gateway (a withdrawn resource, a bad Range, ...). */
export class HttpProblem extends ShulianError {
  constructor(code: ProblemCode, message: string, options: ShulianErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * Duck-typed on purpose: node/ may be loaded twice (its sources in tests, its dist through the `shulian`
 * package), and an error from one copy is not `instanceof` the other's class.
 */
export interface ShulianLike {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly ids: ErrorIds;
}

export function isShulianLike(err: unknown): err is ShulianLike {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === 'string' &&
    typeof (err as { ids?: unknown }).ids === 'object' &&
    (err as { ids?: unknown }).ids !== null
  );
}

function kindOf(err: ShulianLike): { code: string; kind: ProblemKind } {
  const direct = KINDS[err.code];
  if (direct) return { code: err.code, kind: direct };
  // LedgerError and ContentError carry backend-specific codes; keep the code, use the family's type
  if (err.name === 'LedgerError') return { code: err.code, kind: KINDS.LEDGER! };
  if (err.name === 'ContentError') return { code: err.code, kind: KINDS.CONTENT! };
  return { code: err.code, kind: KINDS.INTERNAL! };
}

const ID_FIELDS = [
  'resourceId',
  'version',
  'cid',
  'rightsId',
  'txId',
  'pointer',
] as const satisfies readonly (keyof ErrorIds)[];

/**
 * The problem document for any thrown value. Unknown errors become a generic 500 whose detail says
 * nothing about the internals (the log has them, under the same request id).
 */
export function toProblem(err: unknown, instance: string, requestId?: string): ProblemDocument {
  if (!isShulianLike(err)) {
    return {
      type: PROBLEM_TYPE_PREFIX + KINDS.INTERNAL!.slug,
      title: KINDS.INTERNAL!.title,
      status: 500,
      detail: 'the gateway failed to answer this request; the log has the details under the request id',
      instance,
      code: 'INTERNAL',
      ...(requestId ? { requestId } : {}),
    };
  }
  const { code, kind } = kindOf(err);
  const ids: Record<string, unknown> = {};
  for (const field of ID_FIELDS) if (err.ids[field] !== undefined) ids[field] = err.ids[field];
  const internal =
    kind.status >= 500 && kind !== KINDS.UNAVAILABLE && kind !== KINDS.SHUTTING_DOWN && kind !== KINDS.LEDGER;
  return {
    type: PROBLEM_TYPE_PREFIX + kind.slug,
    title: kind.title,
    status: kind.status,
    detail: internal ? `${kind.title.toLowerCase()}; the log has the details under the request id` : err.message,
    instance,
    code,
    ...(requestId ? { requestId } : {}),
    ...ids,
  };
}

/** Express/body-parser/http errors carry `type` and `status`; turn the ones we expect into problems. */
export function fromHttpLibraryError(err: unknown): HttpProblem | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { type?: unknown; status?: unknown; message?: unknown };
  if (e.type === 'entity.too.large')
    return new HttpProblem('PAYLOAD_TOO_LARGE', 'the JSON body is larger than the gateway accepts');
  if (e.type === 'entity.parse.failed')
    return new HttpProblem('MALFORMED_JSON', 'the body is not valid JSON', { pointer: '' });
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 'the body must be UTF-8 JSON');
  }
  if (e.type === 'request.aborted') return new HttpProblem('VALIDATION', 'the request body was aborted');
  if (err instanceof URIError || (e.status === 400 && typeof e.message === 'string' && /URI|decode/i.test(e.message))) {
    return new HttpProblem('VALIDATION', 'the request path is not a valid percent-encoded URI');
  }
  return undefined;
}
