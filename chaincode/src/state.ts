import { createHash } from 'crypto';
import type { ShulianContext } from './context';

/** A stored record with the exact bytes it was stored as (digests are taken over those bytes). */
export interface Stored<T> {
  readonly record: T;
  readonly bytes: Uint8Array;
}

/** An index entry carries no data; Fabric treats an empty value as a delete, hence one zero byte. */
const INDEX_VALUE = Uint8Array.of(0);

export async function read<T>(ctx: ShulianContext, key: string): Promise<Stored<T> | undefined> {
  const bytes = ctx.written.get(key) ?? (await ctx.stub.getState(key));
  if (!bytes || bytes.length === 0) return undefined;
  return { record: decode<T>(bytes), bytes };
}

/** Writes a record built with a fixed key order, so that every endorser produces the same bytes. */
export async function write<T>(ctx: ShulianContext, key: string, record: T): Promise<Stored<T>> {
  const bytes = encode(record);
  ctx.written.set(key, bytes);
  await ctx.stub.putState(key, bytes);
  return { record, bytes };
}

export async function writeIndex(ctx: ShulianContext, key: string): Promise<void> {
  ctx.written.set(key, INDEX_VALUE);
  await ctx.stub.putState(key, INDEX_VALUE);
}

export function encode(record: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

export function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The transaction timestamp (proposal header), never the clock: every endorser agrees on it. */
export function txTime(ctx: ShulianContext): string {
  return isoOf(ctx.stub.getTxTimestamp());
}

/** ISO-8601 form (millisecond precision) of a ledger timestamp, whose seconds are a number or a Long. */
export function isoOf(ts: { seconds: number | { toString(): string }; nanos: number }): string {
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds.toString());
  return new Date(seconds * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}

/** Sets the transaction's one event: a JSON array of the records written, byte for byte as stored. */
export function emit(ctx: ShulianContext, name: string, written: readonly Stored<unknown>[]): void {
  if (written.length === 0) return;
  ctx.stub.setEvent(name, joinJson(written));
}

/** A JSON array of stored records, reusing their stored bytes. */
export function joinJson(items: readonly Stored<unknown>[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from('[')];
  items.forEach((item, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(Buffer.from(item.bytes));
  });
  parts.push(Buffer.from(']'));
  return Buffer.concat(parts);
}
