import { ValidationError } from './errors.js';

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * The digest of a record's metadata is taken over these bytes, so two implementations that read the same
 * JSON value must write exactly the same text: members sorted by the UTF-16 code units of their names, no
 * whitespace, ECMAScript number formatting and the minimal string escaping of section 3.2.2.2.
 *
 * Accepted input is what JSON can represent: null, booleans, finite numbers, well-formed strings, arrays
 * and plain objects (objects with a `toJSON` method, such as `Date`, are converted first, as
 * `JSON.stringify` does). Object members whose value is `undefined` are left out, as `JSON.stringify` does,
 * so optional TypeScript fields need no special care. Anything else (NaN, Infinity, BigInt, `undefined` in
 * an array or at the top, functions, symbols, Maps, typed arrays, class instances, cycles, lone surrogates)
 * is a ValidationError whose `pointer` names the offending place.
 */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  writeValue(value, '', out, new Set());
  return out.join('');
}

/** The UTF-8 bytes of `canonicalize(value)`: what gets hashed or signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalize(value));
}

const utf8 = new TextEncoder();

function writeValue(value: unknown, pointer: string, out: string[], ancestors: Set<object>): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(lastToken(pointer));
  }
  switch (typeof value) {
    case 'string':
      writeString(value, pointer, out);
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(pointer, `a finite number, got ${String(value)}`);
      // Number.prototype.toString is the ECMAScript Number::toString that RFC 8785 section 3.2.2.3 cites;
      // it already prints -0 as "0".
      out.push(String(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) {
        out.push('null');
        return;
      }
      writeContainer(value, pointer, out, ancestors);
      return;
    case 'bigint':
      return fail(
        pointer,
        'a number, got a BigInt (JSON numbers are IEEE-754 doubles; use a string for large integers)',
      );
    default:
      return fail(pointer, `a JSON value, got ${typeof value}`);
  }
}

function writeContainer(value: object, pointer: string, out: string[], ancestors: Set<object>): void {
  if (ancestors.has(value)) fail(pointer, 'an acyclic value, got a reference to an enclosing object (cycle)');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      writeArray(value, pointer, out, ancestors);
    } else {
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        fail(pointer, `a plain object or array, got ${kind}`);
      }
      writeObject(value as Record<string, unknown>, pointer, out, ancestors);
    }
  } finally {
    ancestors.delete(value);
  }
}

function writeArray(value: readonly unknown[], pointer: string, out: string[], ancestors: Set<object>): void {
  out.push('[');
  // an index loop, not forEach/map: holes in sparse arrays must be seen (and rejected) like undefined
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const itemPointer = `${pointer}/${i}`;
    if (item === undefined) fail(itemPointer, 'a JSON value, got undefined in an array');
    if (i > 0) out.push(',');
    writeValue(item, itemPointer, out, ancestors);
  }
  out.push(']');
}

function writeObject(
  value: Readonly<Record<string, unknown>>,
  pointer: string,
  out: string[],
  ancestors: Set<object>,
): void {
  // The default sort compares strings by UTF-16 code units, which is exactly the order of section 3.2.3.
  const names = Object.keys(value).sort();
  out.push('{');
  let first = true;
  for (const name of names) {
    const member = value[name];
    if (member === undefined) continue;
    const memberPointer = `${pointer}/${escapePointerToken(name)}`;
    if (!first) out.push(',');
    first = false;
    writeString(name, memberPointer, out);
    out.push(':');
    writeValue(member, memberPointer, out, ancestors);
  }
  out.push('}');
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

function writeString(value: string, pointer: string, out: string[]): void {
  let text = '"';
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      fail(pointer, `well-formed Unicode, got a lone surrogate U+${unit.toString(16).toUpperCase()} at offset ${i}`);
    }
    if (unit >= 0x20 && unit !== 0x22 && unit !== 0x5c) continue;
    text += value.slice(runStart, i) + (SHORT_ESCAPES[unit] ?? `\\u${unit.toString(16).padStart(4, '0')}`);
    runStart = i + 1;
  }
  out.push(text + value.slice(runStart) + '"');
}

/** RFC 6901: "~" becomes "~0" and "/" becomes "~1". */
function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function lastToken(pointer: string): string {
  const token = pointer.slice(pointer.lastIndexOf('/') + 1);
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function fail(pointer: string, expected: string): never {
  throw new ValidationError(`cannot canonicalize ${pointer === '' ? 'the value' : pointer}: expected ${expected}`, {
    pointer,
  });
}
