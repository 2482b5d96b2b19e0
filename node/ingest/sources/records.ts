import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseJson, toFailure, validateIndexingRecord } from './documents.js';
import type { Failure, IndexingRecord } from './types.js';

export type RecordLine =
  | { readonly ok: true; readonly record: IndexingRecord; readonly file: string; readonly line: number }
  | { readonly ok: false; readonly failure: Failure };

/**
 * Streams a JSON Lines file of indexing records, validating each line on its own: a bad line becomes a
 * failure naming the file, the line and the pointer, and the lines after it are still read.
 */
export async function* readRecords(path: string, shownName: string): AsyncGenerator<RecordLine> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    const where = { file: shownName, line };
    try {
      const record = validateIndexingRecord(
        parseJson(line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, where),
        where,
      );
      yield { ok: true, record, file: shownName, line };
    } catch (err) {
      yield { ok: false, failure: toFailure(err, where) };
    }
  }
}
