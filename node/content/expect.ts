import { IntegrityError, ValidationError } from '../core/errors.js';
import type { ExpectedContent, PutResult } from './types.js';

export interface Mismatch {
  readonly field: 'cid' | 'sha256' | 'sm3' | 'size';
  readonly got: string | number;
  readonly expected: string | number;
}

const FIELDS = ['cid', 'sha256', 'sm3', 'size'] as const;

/** Refuses an `expect` option that could never match, before any byte is read. */
export function checkExpectOption(expect: ExpectedContent | undefined): void {
  if (expect === undefined) return;
  if (typeof expect !== 'object' || expect === null) {
    throw new ValidationError('/expect: expected an object with cid, sha256, sm3 and/or size', { pointer: '/expect' });
  }
  for (const field of FIELDS) {
    const value = expect[field];
    if (value === undefined) continue;
    const ok = field === 'size' ? Number.isSafeInteger(value) && (value as number) >= 0 : typeof value === 'string';
    if (!ok) {
      throw new ValidationError(
        `/expect/${field}: expected ${field === 'size' ? 'a byte count' : 'a string'}, got ${JSON.stringify(value)}`,
        { pointer: `/expect/${field}` },
      );
    }
  }
}

/**
 * Throws when the put's result differs from what was expected in any given field. Digests compare
 * case-insensitively (hex); CIDs as spelled, since a chain records the profile's own spelling.
 */
export function assertExpected(result: PutResult, expect: ExpectedContent | undefined): void {
  if (expect === undefined) return;
  const mismatches: Mismatch[] = [];
  for (const field of FIELDS) {
    const expected = expect[field];
    if (expected === undefined) continue;
    const got = result[field];
    const same =
      field === 'sha256' || field === 'sm3'
        ? String(got) === String(expected).toLowerCase()
        : String(got) === String(expected).trim();
    if (!same) mismatches.push({ field, got, expected });
  }
  if (mismatches.length === 0) return;
  throw new IntegrityError(
    `the content does not match what was expected: ${mismatches.map((m) => `${m.field} ${m.got} ≠ ${m.expected}`).join(', ')}; nothing was kept`,
    { cid: result.cid, details: { mismatches } },
  );
}
