import { isShulianError } from '../../core/errors.js';
import { assertValid, validationError, type DocumentLocation, type Issue } from '../schemas.js';
import type { Failure, IndexingRecord, ResourceMetadata } from './types.js';

/** JSON.parse with an error that names the file and the line of the syntax error. */
export function parseJson(text: string, where: DocumentLocation): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message);
    const line = where.line ?? (position ? text.slice(0, Number(position[1])).split('\n').length : undefined);
    throw validationError(
      [{ pointer: '', expected: `well-formed JSON (${message})` }],
      { ...where, ...(line === undefined ? {} : { line }) },
      err,
    );
  }
}

export function validateResourceMetadata(value: unknown, where: DocumentLocation): ResourceMetadata {
  assertValid('resource', value, where);
  return value as ResourceMetadata;
}

/** Schema plus the rules a schema cannot say: a span ends at or after it starts. */
export function validateIndexingRecord(value: unknown, where: DocumentLocation): IndexingRecord {
  assertValid('indexingRecord', value, where);
  const record = value as IndexingRecord & {
    textSpan?: { start: number; end: number; page?: number; pageEnd?: number };
    timeSpan?: { start: number; end: number };
  };
  const issues: Issue[] = [];
  if (record.textSpan && record.textSpan.end < record.textSpan.start) {
    issues.push({ pointer: '/textSpan/end', expected: `an offset >= start (${record.textSpan.start})` });
  }
  const { page, pageEnd } = record.textSpan ?? {};
  if (page !== undefined && pageEnd !== undefined && pageEnd < page) {
    issues.push({ pointer: '/textSpan/pageEnd', expected: `a page >= page (${page})` });
  }
  if (record.timeSpan && record.timeSpan.end < record.timeSpan.start) {
    issues.push({ pointer: '/timeSpan/end', expected: `a time >= start (${record.timeSpan.start})` });
  }
  if (issues.length > 0) throw validationError(issues, where);
  return record;
}

/** A caught error as a Failure line for the summary. */
export function toFailure(err: unknown, fallback: { file: string; line?: number; resourceId?: string }): Failure {
  if (isShulianError(err)) {
    return {
      file: err.ids.file ?? fallback.file,
      ...((err.ids.line ?? fallback.line) === undefined ? {} : { line: err.ids.line ?? fallback.line }),
      ...(err.ids.pointer === undefined ? {} : { pointer: err.ids.pointer }),
      ...((err.ids.resourceId ?? fallback.resourceId) === undefined
        ? {}
        : { resourceId: err.ids.resourceId ?? fallback.resourceId }),
      code: err.code,
      reason: err.message,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  // an unexpected error is one line in the summary; SHULIAN_DEBUG=1 shows where it came from
  if (process.env.SHULIAN_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  const code = typeof (err as { code?: unknown })?.code === 'string' ? String((err as { code: string }).code) : 'ERROR';
  return {
    file: fallback.file,
    ...(fallback.line === undefined ? {} : { line: fallback.line }),
    ...(fallback.resourceId === undefined ? {} : { resourceId: fallback.resourceId }),
    code,
    reason: message,
  };
}
