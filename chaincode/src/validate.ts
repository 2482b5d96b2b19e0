/**
 * Input checks. Every failure is `[VALIDATION] <json pointer>: expected …`, naming the field, so a
 * client can show the operator exactly what to fix. Checks are pure functions of their input.
 */
import { at, invalid } from './errors';
import { cidVersion, type CidVersion } from './cid';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MSP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const MEDIA_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a JSON transaction argument. */
export function parseJson(text: string, pointer = ''): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw invalid(pointer, 'a JSON document', text.length > 40 ? `${text.slice(0, 40)}...` : text);
  }
}

/** An object with only the listed properties (unknown ones are refused, so typos do not pass silently). */
export function object(value: Json | undefined, pointer: string, allowed: readonly string[]): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(pointer, 'an object', value);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(at(pointer, key), `no such property (allowed: ${allowed.join(', ')})`);
  }
  return value;
}

export function array(value: Json | undefined, pointer: string, min: number, max: number): Json[] {
  if (!Array.isArray(value)) throw invalid(pointer, 'an array', value);
  if (value.length < min || value.length > max) {
    throw invalid(pointer, `an array of ${min} to ${max} items`, `${value.length} items`);
  }
  return value;
}

export function string(value: Json | undefined, pointer: string, min = 1, max = 1024): string {
  if (typeof value !== 'string') throw invalid(pointer, `a string of ${min} to ${max} characters`, value);
  if (value.length < min || value.length > max) {
    throw invalid(pointer, `a string of ${min} to ${max} characters`, value);
  }
  return value;
}

/** Resource, batch and rights ids: they become composite-key attributes, so the alphabet is closed. */
export function id(value: Json | undefined, pointer: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw invalid(pointer, 'an id matching [A-Za-z0-9][A-Za-z0-9._:-]{0,127}', value);
  }
  return value;
}

export function mspId(value: Json | undefined, pointer: string): string {
  if (typeof value !== 'string' || !MSP_PATTERN.test(value)) {
    throw invalid(pointer, 'an MSP id matching [A-Za-z0-9][A-Za-z0-9._-]{0,63}', value);
  }
  return value;
}

export function hex64(value: Json | undefined, pointer: string): string {
  if (typeof value !== 'string' || !HEX64.test(value)) throw invalid(pointer, '64 lowercase hex digits', value);
  return value;
}

export function cid(value: Json | undefined, pointer: string, version?: CidVersion): string {
  const found = typeof value === 'string' ? cidVersion(value) : undefined;
  if (found === undefined) throw invalid(pointer, "a CIDv0 ('Qm…') or base32 CIDv1 ('b…') string", value);
  if (version !== undefined && found !== version) {
    throw invalid(pointer, version === 0 ? "a CIDv0 ('Qm…')" : "a base32 CIDv1 ('b…')", value);
  }
  return value as string;
}

export function integer(value: Json | undefined, pointer: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(pointer, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** An integer passed as a transaction argument (a string in decimal). */
export function integerArg(text: string, pointer: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw invalid(pointer, `an integer from ${min} to ${max}`, text);
  return integer(Number(text), pointer, min, max);
}

export function oneOf<T extends string>(value: Json | undefined, pointer: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalid(pointer, `one of ${values.join(', ')}`, value);
  }
  return value as T;
}

export function mediaType(value: Json | undefined, pointer: string): string {
  if (typeof value !== 'string' || value.length > 255 || !MEDIA_TYPE.test(value)) {
    throw invalid(pointer, 'a media type such as application/pdf', value);
  }
  return value;
}

/**
 * An RFC 3339 date-time, returned normalised to UTC with millisecond precision
 * (`Date.prototype.toISOString` form) so that stored instants compare as strings and as numbers alike.
 */
export function isoDateTime(value: Json | undefined, pointer: string): string {
  const expected = 'an RFC 3339 date-time such as 2026-01-01T00:00:00Z';
  if (typeof value !== 'string') throw invalid(pointer, expected, value);
  const m = ISO_DATE_TIME.exec(value);
  if (!m) throw invalid(pointer, expected, value);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw invalid(pointer, expected, value);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(pointer, expected, value);
  return new Date(ms).toISOString();
}

/** Optional property: undefined and null both mean absent. */
export function optional<T>(value: Json | undefined, read: (v: Json) => T): T | null {
  return value === undefined || value === null ? null : read(value);
}
