import { ValidationError } from '../core/errors.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an RFC 3339 date-time given as a filter; a bad one is a ValidationError naming it. */
export function instant(value: string, pointer: string): number {
  const ms = Date.parse(value);
  if (!RFC3339.test(value) || !Number.isFinite(ms))
    throw new ValidationError(
      `${pointer}: expected an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got "${value}"`,
      {
        pointer,
      },
    );
  return ms;
}

/** A [from, until] test on ISO-8601 times (bounds optional, inclusive). */
export function periodTest(from: string | undefined, until: string | undefined): (iso: string) => boolean {
  const lo = from === undefined ? -Infinity : instant(from, '/from');
  const hi = until === undefined ? Infinity : instant(until, '/until');
  if (lo > hi) throw new ValidationError('/from: the period starts after it ends', { pointer: '/from' });
  return (iso) => {
    const t = Date.parse(iso);
    return t >= lo && t <= hi;
  };
}
