import { HttpProblem } from './problem.js';

/** A resolved byte range: `start` and `end` inclusive, as in Content-Range. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

const SPEC = /^bytes=(\d*)-(\d*)$/;

/**
 * Applies RFC 9110 section 14 to a `Range` header for a representation of `size` bytes.
 * Returns undefined when the whole representation should be sent (no header, another unit, a syntax the
 * RFC says to ignore, or several ranges: the gateway does not produce multipart/byteranges and the RFC lets
 * it answer 200 instead). Throws a 416 problem when the range is well-formed but cannot be satisfied.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value.includes(',')) return undefined;
  const m = SPEC.exec(value.replace(/\s+/g, ''));
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  // digits beyond safe integers are not a byte position any file here can have
  if (first.length > 15 || last.length > 15) return unsatisfiable(size);
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return unsatisfiable(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (last !== '' && end < start) return undefined; // invalid per RFC 9110 14.1.1: ignore
  if (start >= size) return unsatisfiable(size);
  return { start, end: Math.min(end, size - 1) };
}

function unsatisfiable(size: number): never {
  throw new HttpProblem(
    'RANGE_NOT_SATISFIABLE',
    `the requested range does not overlap the ${size} bytes of this representation`,
    {
      details: { size },
    },
  );
}

/**
 * If-Range (RFC 9110 13.1.5) with a strong entity tag: the range applies only when the client's validator
 * still names this representation. Dates are not strong validators for us, so a date disables the range.
 */
export function ifRangeAllows(ifRange: string | undefined, etag: string): boolean {
  if (ifRange === undefined) return true;
  return ifRange.trim() === etag;
}

/** If-None-Match (RFC 9110 13.1.2), weak comparison as the RFC prescribes for GET. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (t: string): string => t.trim().replace(/^W\//, '');
  const want = strip(etag);
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === want);
}
