import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ValidationError } from '../core/errors.js';
import { isValidIsbn } from './isbn.js';

/**
 * The metadata schemas (JSON Schema 2020-12) shipped in node/schemas and served by the gateway. Sidecars,
 * manifest rows and indexing records are checked against them here; a failure becomes one ValidationError
 * naming the file, the line (JSON Lines, CSV), the JSON pointer and what was expected.
 */
export const SCHEMA_BASE = 'https://shulian.example/schemas/v1/';
export const SCHEMA_FILES = Object.freeze({
  resource: 'resource.schema.json',
  indexingRecord: 'indexing-record.schema.json',
});
export type SchemaName = keyof typeof SCHEMA_FILES;

/** Where the schema files live: node/schemas, from the sources (node/ingest) or the build (node/dist/ingest). */
export function schemasDir(): string {
  for (const relative of ['../schemas/', '../../schemas/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}${SCHEMA_FILES.resource}`)) return dir;
  }
  throw new Error('node/schemas not found next to the ingest module');
}

/** The schema document as shipped (for serving). */
export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(`${schemasDir()}${SCHEMA_FILES[name]}`, 'utf8')) as Record<string, unknown>;
}

/** One problem found in a document: the JSON pointer (RFC 6901) and what was expected there. */
export interface Issue {
  readonly pointer: string;
  readonly expected: string;
}

/** Where a document came from, for error messages. */
export interface DocumentLocation {
  readonly file?: string;
  readonly line?: number;
  /** Prefix for pointers when the document is nested in a bigger one (a manifest line's `/metadata`). */
  readonly pointerPrefix?: string;
}

type Validators = { resource: ValidateFunction; indexingRecord: ValidateFunction };
let fast: Validators | undefined;
let detailed: Validators | undefined;

/**
 * Two compilations of the same schemas: a fast one that stops at the first error (the common, valid case:
 * 170,000 records a job), and one that collects every error with its schema, compiled and run only when a
 * document has failed the first.
 */
function validators(kind: 'fast' | 'detailed'): Validators {
  if (kind === 'fast') return (fast ??= compile(false));
  return (detailed ??= compile(true));
}

function compile(detailed: boolean): Validators {
  {
    // ajv is CommonJS: under NodeNext the default import is module.exports, whose `default` is the class
    const ajv = new Ajv2020.default({
      allErrors: detailed,
      verbose: detailed,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    addFormats.default(ajv, ['uri', 'date', 'date-time']);
    ajv.addFormat('isbn', { type: 'string', validate: isValidIsbn });
    // an annotation our schemas use to say, in words, what a value must look like
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    const resource = loadSchema('resource');
    const record = loadSchema('indexingRecord');
    ajv.addSchema(resource);
    ajv.addSchema(record);
    return {
      resource: ajv.getSchema(resource.$id as string) as ValidateFunction,
      indexingRecord: ajv.getSchema(record.$id as string) as ValidateFunction,
    };
  }
}

/** Checks `value` against a schema; returns the issues, empty when valid. */
export function schemaIssues(name: SchemaName, value: unknown): Issue[] {
  if (validators('fast')[name](value)) return [];
  const validate = validators('detailed')[name];
  if (validate(value)) return [];
  return describe(validate.errors ?? []);
}

/** Throws a ValidationError (file, line, pointer, expected) unless `value` is valid. */
export function assertValid(name: SchemaName, value: unknown, where: DocumentLocation = {}): void {
  const issues = schemaIssues(name, value);
  if (issues.length > 0) throw validationError(issues, where);
}

/** One ValidationError for a list of issues: the first one named in the message, all in `details.issues`. */
export function validationError(
  issues: readonly Issue[],
  where: DocumentLocation = {},
  cause?: unknown,
): ValidationError {
  const prefix = where.pointerPrefix ?? '';
  const all = issues.map((issue) => ({ pointer: prefix + issue.pointer, expected: issue.expected }));
  const first = all[0] ?? { pointer: prefix, expected: 'a valid document' };
  const place = [where.file, where.line === undefined ? undefined : String(where.line)].filter(Boolean).join(':');
  const more = all.length > 1 ? ` (and ${all.length - 1} more problem${all.length > 2 ? 's' : ''})` : '';
  const message = `${place ? `${place}: ` : ''}${first.pointer || '/'}: expected ${first.expected}${more}`;
  return new ValidationError(message, {
    pointer: first.pointer,
    ...(where.file === undefined ? {} : { file: where.file }),
    ...(where.line === undefined ? {} : { line: where.line }),
    details: { issues: all },
    cause,
  });
}

/**
 * Turns ajv errors into issues a person can act on. Errors inside an `anyOf` branch are dropped in favour
 * of the anyOf's own `x-expected` sentence; `required` and `additionalProperties` point at the property.
 */
function describe(errors: readonly ErrorObject[]): Issue[] {
  const anyOfPaths = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => `${e.schemaPath}/`);
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const error of errors) {
    if (anyOfPaths.some((path) => error.schemaPath.startsWith(path))) continue;
    const issue = describeOne(error);
    const key = `${issue.pointer}\u0000${issue.expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  // the specific problems first: a whole-document complaint ("a textSpan or a timeSpan") says less
  return [...issues.filter((i) => i.pointer !== ''), ...issues.filter((i) => i.pointer === '')];
}

function describeOne(error: ErrorObject): Issue {
  const pointer = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const stated = typeof parent['x-expected'] === 'string' ? (parent['x-expected'] as string) : undefined;
  switch (error.keyword) {
    case 'required':
      return { pointer: `${pointer}/${escape(String(params.missingProperty))}`, expected: 'this required property' };
    case 'additionalProperties': {
      const allowed = Object.keys((parent.properties ?? {}) as object).filter((name) => name !== '$schema');
      return {
        pointer: `${pointer}/${escape(String(params.additionalProperty))}`,
        expected: `no such property (allowed: ${allowed.join(', ')})`,
      };
    }
    case 'type':
      return { pointer, expected: `${article(String(params.type))} ${String(params.type)}` };
    case 'enum':
      return {
        pointer,
        expected: `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { pointer, expected: JSON.stringify(params.allowedValue) };
    case 'anyOf':
    case 'oneOf':
    case 'pattern':
    case 'format':
      return {
        pointer,
        expected:
          stated ??
          (error.keyword === 'format' ? `a ${String(params.format)}` : `a string matching ${String(params.pattern)}`),
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer, expected: `a number ${String(params.comparison)} ${String(params.limit)}` };
    case 'minItems':
      return { pointer, expected: `at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { pointer, expected: `at most ${String(params.limit)} items` };
    case 'minLength':
      return {
        pointer,
        expected: stated ?? `at least ${String(params.limit)} character${params.limit === 1 ? '' : 's'}`,
      };
    case 'maxLength':
      return { pointer, expected: `at most ${String(params.limit)} characters` };
    case 'uniqueItems':
      return { pointer, expected: `no duplicate items (items ${String(params.j)} and ${String(params.i)} are equal)` };
    case 'minProperties':
      return { pointer, expected: `at least ${String(params.limit)} propert${params.limit === 1 ? 'y' : 'ies'}` };
    default:
      return { pointer, expected: stated ?? error.message ?? 'a valid value' };
  }
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}
