/**
 * What search sees of a metadata document or an indexing record. Dublin Core elements may be a string,
 * an array, or language-tagged values ({ value, lang } / { "@value" } / { zh, en }), so every field is
 * flattened to its strings. Text is stored NFC so that a query typed in any normalisation form matches.
 */
export interface SearchText {
  readonly title: string;
  readonly subjects: readonly string[];
  readonly keywords: readonly string[];
  readonly description: string;
}

const TITLE_FIELDS = ['title', 'alternative', 'unitTitle', 'heading', 'label'];
const SUBJECT_FIELDS = ['subject', 'subjects', 'subjectTerms', 'coverage'];
const KEYWORD_FIELDS = ['keywords', 'keyword'];
const DESCRIPTION_FIELDS = [
  'description',
  'abstract',
  'summary',
  'text',
  'excerpt',
  'creator',
  'contributor',
  'publisher',
  'theme',
];
const TITLE_FALLBACK_FIELDS = ['abstract', 'summary', 'text', 'excerpt'];
const TITLE_FALLBACK_LENGTH = 32;

export function searchText(doc: unknown): SearchText {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { title: '', subjects: [], keywords: [], description: '' };
  }
  const o = doc as Record<string, unknown>;
  const titles = pick(o, TITLE_FIELDS);
  // Table-of-contents entries and an indexing record's unit path carry chapter titles worth finding
  // (a unit's level and number are not text).
  const headings: string[] = [];
  for (const list of [o.toc, o.path]) {
    if (Array.isArray(list)) for (const entry of list) collect((entry as { title?: unknown } | null)?.title, headings);
  }
  // A paragraph-level record often has no title of its own: its opening words stand in for one.
  const fallback = titles.length === 0 ? pick(o, TITLE_FALLBACK_FIELDS)[0] : undefined;
  const title = titles[0] ?? (fallback === undefined ? '' : clip(fallback, TITLE_FALLBACK_LENGTH));
  return {
    title,
    subjects: unique(pick(o, SUBJECT_FIELDS)),
    keywords: unique(pick(o, KEYWORD_FIELDS)),
    description: [...titles.slice(1), ...pick(o, DESCRIPTION_FIELDS), ...headings].join('\n'),
  };
}

function clip(text: string, n: number): string {
  // n code points: count UTF-16 units, stepping over surrogate pairs
  if (text.length <= n) return text;
  let end = 0;
  for (let k = 0; k < n && end < text.length; k++) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  return end >= text.length ? text : `${text.slice(0, end)}…`;
}

function pick(o: Record<string, unknown>, fields: readonly string[]): string[] {
  const out: string[] = [];
  for (const f of fields) collect(o[f], out);
  return out;
}

/** Every string inside a value, in document order; numbers (page offsets and the like) are not text. */
export function strings(value: unknown): string[] {
  const out: string[] = [];
  collect(value, out);
  return out;
}

// Loops rather than flatMap: this runs for every one of hundreds of thousands of indexing records.
function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    const s = value.normalize('NFC').trim();
    if (s !== '') out.push(s);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out);
  } else if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const key of LABEL_KEYS) {
      if (typeof o[key] === 'string') {
        collect(o[key], out);
        return;
      }
    }
    for (const v of Object.values(o)) collect(v, out);
  }
}

const LABEL_KEYS = ['value', '@value', 'label', 'title', 'name', 'term'];

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** A short excerpt around the first occurrence of any of the terms (case-insensitive for Latin text). */
export function snippet(text: string, terms: readonly string[], width = 24): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const lower = flat.toLowerCase();
  let at = -1;
  let len = 0;
  for (const term of terms) {
    const i = lower.indexOf(term.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) {
      at = i;
      len = term.length;
    }
  }
  const chars = [...flat];
  if (at < 0) return chars.slice(0, width * 2).join('') + (chars.length > width * 2 ? '…' : '');
  // `at` counts UTF-16 units; slice by code points so that a surrogate pair is never split.
  const cpAt = [...flat.slice(0, at)].length;
  const start = Math.max(0, cpAt - width);
  const end = Math.min(chars.length, cpAt + [...flat.slice(at, at + len)].length + width);
  return (start > 0 ? '…' : '') + chars.slice(start, end).join('') + (end < chars.length ? '…' : '');
}
