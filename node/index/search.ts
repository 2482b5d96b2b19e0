import type Database from 'better-sqlite3';
import { ValidationError } from '../core/errors.js';
import { snippet } from './text.js';
import type { Paged, SearchHit, SearchOptions } from './types.js';

type Row = Record<string, unknown>;

const MAX_PAGE = 1000;
const MAX_TERMS = 16;

/**
 * Full-text search over titles, subjects, keywords and descriptions. Terms are separated by white space
 * and all must match. A term of 3 or more characters goes to FTS5's trigram index (substring match,
 * which is what Chinese needs: it has no spaces between words); a trigram index cannot answer a 1- or
 * 2-character term, so such a term (common in Chinese: 论语, 孔子, 书) is matched with LIKE instead.
 */
export function search(db: Database.Database, query: string, options: Readonly<SearchOptions> = {}): Paged<SearchHit> {
  if (typeof query !== 'string') throw new ValidationError('/query: expected a string', { pointer: '/query' });
  const terms = query
    .normalize('NFC')
    .trim()
    .split(/\s+/u)
    .filter((t) => t !== '');
  if (terms.length === 0) throw new ValidationError('/query: expected at least one search term', { pointer: '/query' });
  if (terms.length > MAX_TERMS)
    throw new ValidationError(`/query: expected at most ${MAX_TERMS} terms`, { pointer: '/query' });
  const limit = options.limit ?? 20;
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ValidationError(`/limit: expected an integer from 1 to ${MAX_PAGE}`, { pointer: '/limit' });
  }
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new ValidationError('/offset: expected an integer >= 0', { pointer: '/offset' });

  const long = terms.filter((t) => [...t].length >= 3);
  const short = terms.filter((t) => [...t].length < 3);
  const where: string[] = [];
  const params: unknown[] = [];
  if (long.length > 0) {
    where.push('search_fts MATCH ?');
    // Each term a quoted phrase: FTS5 query syntax (AND, NEAR, *, quotes) in user input is taken literally.
    params.push(long.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND '));
  }
  for (const t of short) {
    const pattern = `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(
      `(d.title LIKE ? ESCAPE '\\' OR d.subjects LIKE ? ESCAPE '\\' OR d.keywords LIKE ? ESCAPE '\\' OR d.description LIKE ? ESCAPE '\\')`,
    );
    params.push(pattern, pattern, pattern, pattern);
  }
  if (options.kind !== undefined) {
    if (options.kind !== 'resource' && options.kind !== 'record') {
      throw new ValidationError('/kind: expected resource or record', { pointer: '/kind' });
    }
    where.push('d.kind = ?');
    params.push(options.kind);
  }
  if (options.owner !== undefined) {
    // an indexing record belongs to the owner of its batch, once the batch is projected (its search document
    // has no owner; one written by an earlier version is the same)
    where.push(
      `COALESCE(d.owner, (SELECT b.owner FROM batch_records r JOIN batches b ON b.batch_id = r.batch_id WHERE d.kind = 'record' AND r.record_id = d.ref)) = ?`,
    );
    params.push(options.owner);
  }
  if (!options.includeWithdrawn) where.push(`(d.status IS NULL OR d.status <> 'withdrawn')`);
  // Resources before their records: a library user searching a title wants the work, then its passages.
  const from = long.length > 0 ? 'search_fts JOIN search_docs d ON d.doc_id = search_fts.rowid' : 'search_docs d';
  const order =
    long.length > 0
      ? `CASE d.kind WHEN 'resource' THEN 0 ELSE 1 END, search_fts.rank, d.ref`
      : `CASE d.kind WHEN 'resource' THEN 0 ELSE 1 END, d.ref`;
  const clause = `FROM ${from} WHERE ${where.join(' AND ')}`;
  const total = Number((db.prepare(`SELECT count(*) AS n ${clause}`).get(...params) as Row).n);
  const rows = db
    .prepare(
      `SELECT d.kind, d.ref, d.resource_id, d.version, d.status, d.title, d.subjects, d.keywords, d.description ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as Row[];
  const items: SearchHit[] = rows.map((r) => {
    const title = String(r.title);
    const subjects = lines(r.subjects);
    const keywords = lines(r.keywords);
    // Quote the description where a term occurs there; the title is shown anyway.
    const body = [String(r.description), subjects.join(' '), keywords.join(' ')].join(' ');
    const inBody = terms.some((t) => body.toLowerCase().includes(t.toLowerCase()));
    return {
      kind: r.kind === 'record' ? 'record' : 'resource',
      id: String(r.ref),
      resourceId: r.resource_id === null ? null : String(r.resource_id),
      version: r.version === null ? null : Number(r.version),
      title,
      subjects,
      keywords,
      snippet: snippet(inBody ? body : title, terms),
      status: r.status === 'active' || r.status === 'withdrawn' ? r.status : null,
    };
  });
  return { items, total, limit, offset };
}

function lines(value: unknown): string[] {
  return typeof value === 'string' && value !== '' ? value.split('\n') : [];
}
