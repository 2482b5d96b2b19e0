import { createReadStream } from 'node:fs';
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
  for await (const lines of readRecordBatches(path, shownName)) yield* lines;
}

/**
 * readRecords a chunk of the file at a time (1 MiB, thousands of lines): one await per chunk rather than
 * two per line through readline and a generator, which 170,000 records a job make felt. Lines end as
 * readline ends them with crlfDelay Infinity: at LF, CR LF or a lone CR, so line numbers are the same.
 */
export async function* readRecordBatches(
  path: string,
  shownName: string,
  chunkBytes = 1 << 20,
): AsyncGenerator<RecordLine[]> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: chunkBytes });
  let line = 0;
  let rest = '';
  // the previous chunk ended in CR: an LF starting this one belongs to that line break
  let afterCr = false;
  const read = (text: string): RecordLine | undefined => {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return undefined;
    const where = { file: shownName, line };
    try {
      return { ok: true, record: validateIndexingRecord(parseJson(text, where), where), file: shownName, line };
    } catch (err) {
      return { ok: false, failure: toFailure(err, where) };
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const text = rest + chunk;
      let start = afterCr && rest === '' && text.charCodeAt(0) === 0x0a ? 1 : 0;
      afterCr = false;
      const out: RecordLine[] = [];
      let lf = text.indexOf('\n', start);
      let cr = text.indexOf('\r', start);
      while (lf >= 0 || cr >= 0) {
        const end = cr >= 0 && (lf < 0 || cr < lf) ? cr : (lf as number);
        const result = read(text.slice(start, end));
        if (result) out.push(result);
        start = end + 1;
        if (end === cr) {
          if (start === text.length) afterCr = true;
          else if (text.charCodeAt(start) === 0x0a) start++;
          cr = text.indexOf('\r', start);
        }
        if (lf >= 0 && lf < start) lf = text.indexOf('\n', start);
      }
      rest = text.slice(start);
      if (out.length > 0) yield out;
    }
    if (rest !== '') {
      const result = read(rest);
      if (result) yield [result];
    }
  } finally {
    stream.destroy();
  }
}
