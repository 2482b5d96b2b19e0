import type { Iterators } from 'fabric-shim-api';
import type { ShulianContext } from './context';
import { integerArg } from './validate';
import { invalid } from './errors';

export const MAX_PAGE_SIZE = 1000;

/** Calls `fn` for every result of a ledger iterator and always closes it. */
export async function drain<T>(
  iterator: Iterators.CommonIterator<T>,
  fn: (value: T) => Promise<void> | void,
): Promise<void> {
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.value !== undefined && next.value !== null) await fn(next.value);
      if (next.done) break;
    }
  } finally {
    await iterator.close();
  }
}

/** Keys of every entry under a partial composite key, in key order. */
export async function keysUnder(ctx: ShulianContext, objectType: string, attributes: string[]): Promise<string[]> {
  const keys: string[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(objectType, attributes);
  await drain(iterator, (kv) => {
    keys.push(kv.key);
  });
  return keys;
}

/** Entries (key and value) under a partial composite key, in key order. */
export async function entriesUnder(
  ctx: ShulianContext,
  objectType: string,
  attributes: string[],
): Promise<Iterators.KV[]> {
  const entries: Iterators.KV[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(objectType, attributes);
  await drain(iterator, (kv) => {
    entries.push(kv);
  });
  return entries;
}

export interface PageArgs {
  readonly pageSize: number;
  readonly bookmark: string;
}

export function pageArgs(pageSize: string, bookmark: string): PageArgs {
  const size = integerArg(pageSize, '/pageSize', 1, MAX_PAGE_SIZE);
  if (bookmark.length > 4096) throw invalid('/bookmark', 'a bookmark returned by a previous page, or an empty string');
  return { pageSize: size, bookmark };
}

/** One page of index keys (bookmark = where the next page starts, '' when there is none). */
export async function keyPage(
  ctx: ShulianContext,
  objectType: string,
  attributes: string[],
  args: PageArgs,
): Promise<{ keys: string[]; bookmark: string; fetchedRecordsCount: number }> {
  const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination(
    objectType,
    attributes,
    args.pageSize,
    args.bookmark,
  );
  const keys: string[] = [];
  await drain(iterator, (kv) => {
    keys.push(kv.key);
  });
  return { keys, bookmark: metadata.bookmark, fetchedRecordsCount: metadata.fetchedRecordsCount };
}
