/**
 * OAI-PMH UTCdatetime handling. The repository's granularity is seconds (YYYY-MM-DDThh:mm:ssZ); requests
 * may use it or day granularity (YYYY-MM-DD). The index compares commit times as ISO-8601 strings with
 * milliseconds, so bounds are widened to whole seconds / whole days: `until=2026-01-02` includes everything
 * committed on that day, `until=…T10:00:00Z` everything whose datestamp shows 10:00:00.
 */
export type Granularity = 'day' | 'seconds';

export interface ParsedDate {
  readonly granularity: Granularity;
  /** Lower bound (inclusive) as the index's ISO string: …T00:00:00.000Z or …ss.000Z. */
  readonly lower: string;
  /** Upper bound (inclusive): …T23:59:59.999Z or …ss.999Z. */
  readonly upper: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const SECONDS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** Parses an OAI-PMH date argument; undefined when it is not a valid date of either granularity. */
export function parseOaiDate(value: string): ParsedDate | undefined {
  const day = DAY.exec(value);
  if (day) {
    if (!validDate(Number(day[1]), Number(day[2]), Number(day[3]))) return undefined;
    return { granularity: 'day', lower: `${value}T00:00:00.000Z`, upper: `${value}T23:59:59.999Z` };
  }
  const s = SECONDS.exec(value);
  if (s) {
    if (!validDate(Number(s[1]), Number(s[2]), Number(s[3]))) return undefined;
    if (Number(s[4]) > 23 || Number(s[5]) > 59 || Number(s[6]) > 59) return undefined;
    const stem = value.slice(0, 19);
    return { granularity: 'seconds', lower: `${stem}.000Z`, upper: `${stem}.999Z` };
  }
  return undefined;
}

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/** A chain commit time (ISO-8601, any precision) as an OAI datestamp (seconds, Z). */
export function datestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a timestamp: ${iso}`);
  return d.toISOString().slice(0, 19) + 'Z';
}
