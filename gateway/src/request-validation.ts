import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ValidationError } from 'shulian/core';
import { OPENAPI_DOCUMENT } from './openapi.js';

/**
 * Validates requests against the OpenAPI document: path and query parameters (unknown query parameters are
 * refused, so a typo never silently changes what is served) and JSON bodies. The first error becomes a
 * ValidationError whose pointer names the parameter (`/path/id`, `/query/limit`) or the body field.
 */
export interface OperationValidator {
  /** Returns the parameters with their declared types (query integers as numbers). */
  params(
    path: Record<string, unknown>,
    query: Record<string, unknown>,
  ): { path: Record<string, unknown>; query: Record<string, unknown> };
  body(value: unknown): unknown;
}

type Doc = typeof OPENAPI_DOCUMENT;
interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema: object;
}

// ajv ships CommonJS: under NodeNext its class is the default export's `default`
const Ajv2020 = Ajv2020Module.default;
type Ajv2020 = InstanceType<typeof Ajv2020>;

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false });
  addFormats.default(ajv, ['date-time', 'uri']);
  ajv.addSchema({ $id: 'openapi', components: OPENAPI_DOCUMENT.components } as object);
  return ajv;
}

/** JSON schema for `#/components/schemas/X`, resolvable by an Ajv from createAjv(). */
export function componentRef(name: string): object {
  return { $ref: `openapi#/components/schemas/${name}` };
}

function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (schema && typeof schema === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema))
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\//, 'openapi#/') : rewriteRefs(v);
    return out;
  }
  return schema;
}

function describe(err: ErrorObject | undefined, prefix: string): { pointer: string; message: string } {
  if (!err) return { pointer: prefix, message: `${prefix}: invalid` };
  let pointer = `${prefix}${err.instancePath}`;
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'additionalProperties') {
    const extra = String((err.params as { additionalProperty?: unknown }).additionalProperty);
    pointer = `${pointer}/${extra}`;
    message = prefix === '/query' ? 'is not a parameter of this operation' : 'is not allowed here';
  } else if (err.keyword === 'required') {
    pointer = `${pointer}/${String((err.params as { missingProperty?: unknown }).missingProperty)}`;
    message = 'is required';
  } else if (err.keyword === 'enum') {
    message = `must be one of ${JSON.stringify((err.params as { allowedValues?: unknown }).allowedValues)}`;
  }
  return { pointer, message: `${pointer}: ${message}` };
}

export function createOperationValidators(ajv: Ajv2020 = createAjv()): Map<string, OperationValidator> {
  const out = new Map<string, OperationValidator>();
  const paths = OPENAPI_DOCUMENT.paths as unknown as Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: object }> } }>
  >;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const group = (where: string): ValidateFunction => {
        const ps = (op.parameters ?? []).filter((p) => p.in === where);
        return ajv.compile({
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(ps.map((p) => [p.name, rewriteRefs(p.schema)])),
          required: ps.filter((p) => p.required).map((p) => p.name),
        });
      };
      const pathV = group('path');
      const queryV = group('query');
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const bodyV = bodySchema ? ajv.compile(rewriteRefs(bodySchema) as object) : undefined;
      const check = (v: ValidateFunction, value: unknown, prefix: string): void => {
        if (!v(value)) {
          const { pointer, message } = describe(v.errors?.[0], prefix);
          throw new ValidationError(message, { pointer });
        }
      };
      out.set(`${method.toUpperCase()} ${path}`, {
        params(pathParams, query) {
          check(pathV, pathParams, '/path');
          // query values arrive as strings (or arrays when repeated): coerce the declared integers only
          const q: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(query)) {
            if (Array.isArray(v))
              throw new ValidationError(`/query/${k}: must be given once`, { pointer: `/query/${k}` });
            q[k] = v;
          }
          const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
          for (const p of queryParams) {
            const t = (p.schema as { type?: string }).type;
            const raw = q[p.name];
            if (t === 'integer' && typeof raw === 'string') q[p.name] = /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
          }
          check(queryV, q, '/query');
          return { path: pathParams, query: q };
        },
        body(value) {
          if (!bodyV) return value;
          check(bodyV, value, '');
          return value;
        },
      });
    }
  }
  return out;
}

export type { Doc };
