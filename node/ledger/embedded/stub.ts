import type {
  ChaincodeEvent,
  KeyRead,
  KeyWrite,
  PrivateRead,
  PrivateWrite,
  ProposalBody,
  RangeRead,
  RwSet,
  Version,
} from './block.js';
import { isWellFormed, sha256, sha256Hex } from './block.js';
import type { CollectionRules } from './collections.js';
import type { StateView } from './store.js';

/**
 * The ChaincodeStub handed to fabric-contract-api's dispatch: the subset of fabric-shim's stub that
 * contracts use, with a real peer's semantics (fabric-shim 2.5 stub.js, Fabric 2.5 tx simulator):
 * reads see committed state only (never the transaction's own writes) and are recorded with their
 * versions; range reads are recorded for phantom re-validation; an empty value is a delete; paginated
 * queries and writes do not mix in one transaction; one event per transaction, the last set wins;
 * private data goes to its own store and only hashes enter the block.
 */
const COMPOSITEKEY_NS = '\x00';
const MIN_UNICODE_RUNE_VALUE = '\u0000';
const MAX_UNICODE_RUNE_VALUE = '\u{10ffff}';
const EMPTY_KEY_SUBSTITUTE = '\x01';
/** Rows fetched per round trip while a contract iterates a range. */
const PAGE = 256;
/** Fabric's default totalQueryLimit (core.yaml ledger.state.totalQueryLimit). */
const TOTAL_QUERY_LIMIT = 100_000;

export interface LongLike {
  toNumber(): number;
  toInt(): number;
}

export interface StubContext {
  /** Defined collections (undefined: any name is accepted). */
  readonly collections?: ReadonlyMap<string, CollectionRules> | undefined;
  readonly txId: string;
  readonly channel: string;
  readonly peerMspId: string;
  readonly proposal: ProposalBody;
  readonly signature: Uint8Array;
  readonly args: readonly string[];
  readonly transient: ReadonlyMap<string, Uint8Array>;
  readonly view: StateView;
  readonly history: (
    key: Buffer,
  ) => { txId: string; seconds: number; nanos: number; isDelete: boolean; value: Buffer }[];
  readonly makeLong: (n: number) => LongLike;
}

export interface PrivateValue {
  readonly collection: string;
  readonly key: Buffer;
  /** null: delete */
  readonly value: Buffer | null;
}

export interface SimulationResult {
  readonly rwset: RwSet;
  /** The bytes of each of `rwset.writes` (same order; null: delete), as the chaincode wrote them. */
  readonly writeValues: readonly (Buffer | null)[];
  readonly event: ChaincodeEvent | null;
  readonly privateValues: readonly PrivateValue[];
  /** The private keys read (the block keeps only their hashes), for validation at commit. */
  readonly privateReadKeys: readonly {
    readonly collection: string;
    readonly key: Buffer;
    readonly version: Version | null;
  }[];
}

interface KV {
  key: string;
  value: Buffer;
}

/** An iterator shaped like fabric-shim's StateQueryIterator / HistoryQueryIterator. */
class ResultIterator<T> {
  readonly #next: () => Promise<{ value: T; done: false } | { value?: undefined; done: true }>;
  readonly #close: () => void;
  constructor(
    next: () => Promise<{ value: T; done: false } | { value?: undefined; done: true }>,
    close: () => void = () => {},
  ) {
    this.#next = next;
    this.#close = close;
  }
  next(): Promise<{ value: T; done: false } | { value?: undefined; done: true }> {
    return this.#next();
  }
  async close(): Promise<void> {
    this.#close();
  }
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async () => {
        const r = await this.#next();
        if (r.done) {
          this.#close();
          return { value: undefined, done: true };
        }
        return r;
      },
      return: async () => {
        this.#close();
        return { value: undefined, done: true };
      },
    };
  }
}

/** Lets a contract `await` the call or `for await` over it, as fabric-shim's convertToAsyncIterator does. */
function asyncIterable<T>(
  promise: Promise<ResultIterator<T> | { iterator: ResultIterator<T> }>,
): Promise<unknown> & AsyncIterable<T> {
  const p = promise as Promise<unknown> & AsyncIterable<T>;
  p[Symbol.asyncIterator] = () => {
    let it: ResultIterator<T> | undefined;
    return {
      next: async () => {
        if (!it) {
          const r = await promise;
          it = 'iterator' in r ? r.iterator : r;
        }
        const v = await it.next();
        if (v.done) {
          await it.close();
          return { value: undefined, done: true };
        }
        return v;
      },
      return: async () => {
        if (it) await it.close();
        return { value: undefined, done: true };
      },
    };
  };
  return p;
}

function utf8(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

function checkKey(key: unknown, what = 'key'): string {
  if (typeof key !== 'string' || key.length === 0) throw new Error(`${what} must be a non-empty string`);
  if (!isWellFormed(key)) throw new Error(`${what} must be valid UTF-8 (it contains a lone surrogate)`);
  return key;
}

function validateSimpleKeys(...keys: string[]): void {
  for (const key of keys) {
    if (typeof key === 'string' && !isWellFormed(key)) throw new Error('range keys must be valid UTF-8');
    if (key && key.charAt(0) === COMPOSITEKEY_NS) {
      throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
  }
}

function validateCompositeKeyAttribute(attr: unknown): void {
  if (typeof attr !== 'string' || attr.length === 0)
    throw new Error('object type or attribute not a non-zero length string');
  if (!isWellFormed(attr)) throw new Error('object type or attribute must be valid UTF-8');
  if (attr.includes(MIN_UNICODE_RUNE_VALUE) || attr.includes(MAX_UNICODE_RUNE_VALUE)) {
    const at = [attr.indexOf(MIN_UNICODE_RUNE_VALUE), attr.indexOf(MAX_UNICODE_RUNE_VALUE)].filter((i) => i >= 0);
    throw new Error(`input contains unicode U+0000 or U+10FFFF starting at position ${Math.min(...at)}`);
  }
}

function toBuffer(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new Error('value must be a Buffer, Uint8Array or string');
}

function version(row: { block: number; tx: number } | undefined): Version | null {
  return row === undefined ? null : [row.block, row.tx];
}

const isSurrogate = (unit: number) => (unit & 0xf800) === 0xd800;

/**
 * UTF-8 byte order of two keys (the order of the state database and of Fabric's read/write sets). Outside
 * surrogates UTF-16 code units sort as UTF-8 bytes do, so the strings are compared unit by unit without
 * encoding them; wherever a surrogate decides, the encoded bytes are compared.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return isSurrogate(x) || isSurrogate(y) ? Buffer.compare(utf8(a), utf8(b)) : x - y;
  }
  if (a.length === b.length) return 0;
  if ((n > 0 && isSurrogate(a.charCodeAt(n - 1))) || isSurrogate((a.length > n ? a : b).charCodeAt(n)))
    return Buffer.compare(utf8(a), utf8(b));
  return a.length - b.length;
}

export class EmbeddedStub {
  readonly #ctx: StubContext;
  readonly #reads = new Map<string, Version | null>();
  readonly #ranges: { start: string; end: string; exhausted: boolean; reads: KeyRead[] }[] = [];
  readonly #writes = new Map<string, Buffer | null>();
  readonly #privateReads = new Map<string, PrivateRead & { readonly key: Buffer }>();
  readonly #privateWrites = new Map<string, PrivateValue>();
  #event: ChaincodeEvent | null = null;
  #paginated = false;
  #wrote = false;
  #done = false;

  constructor(ctx: StubContext) {
    this.#ctx = ctx;
  }

  // --- identity and proposal -------------------------------------------------------------------

  getArgs(): string[] {
    return [...this.#ctx.args];
  }
  getStringArgs(): string[] {
    return [...this.#ctx.args];
  }
  getBufferArgs(): Buffer[] {
    return this.#ctx.args.map((a) => Buffer.from(a, 'utf8'));
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    const [fcn = '', ...params] = this.#ctx.args;
    return { fcn, params };
  }
  getTxID(): string {
    return this.#ctx.txId;
  }
  getChannelID(): string {
    return this.#ctx.channel;
  }
  getMspID(): string {
    return this.#ctx.peerMspId;
  }
  getCreator(): { mspid: string; idBytes: Buffer } {
    const { creator } = this.#ctx.proposal;
    return { mspid: creator.mspId, idBytes: Buffer.from(creator.certPem, 'utf8') };
  }
  getTransient(): Map<string, Buffer> {
    return new Map([...this.#ctx.transient].map(([k, v]) => [k, Buffer.from(v)]));
  }
  getTxTimestamp(): { seconds: LongLike; nanos: number } {
    const { seconds, nanos } = this.#ctx.proposal.timestamp;
    return { seconds: this.#ctx.makeLong(seconds), nanos };
  }
  getDateTimestamp(): Date {
    const { seconds, nanos } = this.#ctx.proposal.timestamp;
    return new Date(seconds * 1000 + Math.floor(nanos / 1e6));
  }
  getSignedProposal(): {
    proposal: {
      header: { channelHeader: Record<string, unknown>; signatureHeader: Record<string, unknown> };
      payload: Record<string, unknown>;
    };
    signature: Buffer;
  } {
    const p = this.#ctx.proposal;
    return {
      proposal: {
        header: {
          channelHeader: {
            type: 'ENDORSER_TRANSACTION',
            channelId: p.channel,
            txId: this.#ctx.txId,
            timestamp: p.timestamp,
          },
          signatureHeader: { creator: this.getCreator(), nonce: Buffer.from(p.nonce, 'base64') },
        },
        payload: {
          input: { chaincodeSpec: { chaincodeId: { name: p.chaincode }, input: { args: this.getBufferArgs() } } },
        },
      },
      signature: Buffer.from(this.#ctx.signature),
    };
  }
  getBinding(): string {
    const p = this.#ctx.proposal;
    return sha256Hex(Buffer.from(p.nonce, 'base64'), this.getCreator().idBytes, String(p.timestamp.seconds));
  }
  getDecorations(): Record<string, never> {
    return {};
  }

  // --- public state -----------------------------------------------------------------------------

  async getState(key: string): Promise<Buffer> {
    this.#live();
    checkKey(key);
    const row = this.#ctx.view.get(utf8(key));
    if (!this.#reads.has(key)) this.#reads.set(key, version(row));
    return row === undefined ? Buffer.alloc(0) : row.value;
  }

  async putState(key: string, value: unknown): Promise<void> {
    this.#live();
    checkKey(key);
    this.#checkWrite();
    const bytes = toBuffer(value);
    // Fabric: a write of an empty value is a delete (kvrwset IsDelete = len(value) == 0)
    this.#writes.set(key, bytes.length === 0 ? null : Buffer.from(bytes));
  }

  async deleteState(key: string): Promise<void> {
    this.#live();
    checkKey(key);
    this.#checkWrite();
    this.#writes.set(key, null);
  }

  getStateByRange(startKey: string, endKey: string): Promise<unknown> & AsyncIterable<KV> {
    return asyncIterable(
      (async () => {
        this.#live();
        const start = startKey || EMPTY_KEY_SUBSTITUTE;
        validateSimpleKeys(start, endKey);
        return this.#rangeIterator(start, endKey ?? '');
      })(),
    );
  }

  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark?: string,
  ): Promise<unknown> & AsyncIterable<KV> {
    return asyncIterable(
      (async () => {
        this.#live();
        const start = startKey || EMPTY_KEY_SUBSTITUTE;
        validateSimpleKeys(start, endKey);
        return this.#page(start, endKey ?? '', pageSize, bookmark ?? '');
      })(),
    );
  }

  createCompositeKey(objectType: string, attributes: readonly string[]): string {
    validateCompositeKeyAttribute(objectType);
    if (!Array.isArray(attributes)) throw new Error('attributes must be an array');
    let key = COMPOSITEKEY_NS + objectType + MIN_UNICODE_RUNE_VALUE;
    for (const attribute of attributes) {
      validateCompositeKeyAttribute(attribute);
      key += attribute + MIN_UNICODE_RUNE_VALUE;
    }
    return key;
  }

  splitCompositeKey(compositeKey: string): { objectType: string | null; attributes: string[] } {
    const result: { objectType: string | null; attributes: string[] } = { objectType: null, attributes: [] };
    if (compositeKey && compositeKey.length > 1 && compositeKey.charAt(0) === COMPOSITEKEY_NS) {
      const parts = compositeKey.substring(1).split(MIN_UNICODE_RUNE_VALUE);
      result.objectType = parts[0] ?? null;
      parts.pop();
      if (parts.length > 1) {
        parts.shift();
        result.attributes = parts;
      }
    }
    return result;
  }

  getStateByPartialCompositeKey(
    objectType: string,
    attributes: readonly string[],
  ): Promise<unknown> & AsyncIterable<KV> {
    return asyncIterable(
      (async () => {
        this.#live();
        const prefix = this.createCompositeKey(objectType, attributes);
        return this.#rangeIterator(prefix, prefix + MAX_UNICODE_RUNE_VALUE);
      })(),
    );
  }

  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: readonly string[],
    pageSize: number,
    bookmark?: string,
  ): Promise<unknown> & AsyncIterable<KV> {
    return asyncIterable(
      (async () => {
        this.#live();
        const prefix = this.createCompositeKey(objectType, attributes);
        return this.#page(prefix, prefix + MAX_UNICODE_RUNE_VALUE, pageSize, bookmark ?? '');
      })(),
    );
  }

  getHistoryForKey(key: string): Promise<unknown> & AsyncIterable<unknown> {
    return asyncIterable(
      (async () => {
        this.#live();
        checkKey(key);
        const rows = this.#ctx.history(utf8(key));
        let i = 0;
        return new ResultIterator(async () => {
          const r = rows[i++];
          if (r === undefined) return { done: true as const };
          return {
            value: {
              txId: r.txId,
              value: r.value,
              isDelete: r.isDelete,
              timestamp: { seconds: r.seconds, nanos: r.nanos },
            },
            done: false as const,
          };
        });
      })(),
    );
  }

  getQueryResult(): never {
    throw new Error('ExecuteQuery not supported for leveldb');
  }
  getQueryResultWithPagination(): never {
    throw new Error('ExecuteQuery not supported for leveldb');
  }
  getStateValidationParameter(): never {
    throw new Error('key-level endorsement is not supported by the embedded ledger');
  }
  setStateValidationParameter(): never {
    throw new Error('key-level endorsement is not supported by the embedded ledger');
  }
  invokeChaincode(): never {
    throw new Error('invokeChaincode is not supported by the embedded ledger (one chaincode per channel)');
  }

  setEvent(name: string, payload: unknown): void {
    this.#live();
    if (typeof name !== 'string' || name.length === 0) throw new Error('Event name must be a non-empty string');
    if (!isWellFormed(name)) throw new Error('Event name must be valid UTF-8');
    this.#event = { name, payload: toBuffer(payload ?? Buffer.alloc(0)).toString('base64') };
  }

  // --- private data ----------------------------------------------------------------------------

  async getPrivateData(collection: string, key: string): Promise<Buffer> {
    this.#live();
    this.#collection(collection, 'read');
    checkKey(key);
    const row = this.#ctx.view.getPrivate(collection, utf8(key));
    const keyHash = sha256Hex(utf8(key));
    const id = `${collection}\u0000${keyHash}`;
    if (!this.#privateReads.has(id))
      this.#privateReads.set(id, { collection, keyHash, version: version(row), key: utf8(key) });
    return row === undefined ? Buffer.alloc(0) : row.value;
  }

  async getPrivateDataHash(collection: string, key: string): Promise<Buffer> {
    this.#live();
    this.#collection(collection, 'hash');
    checkKey(key);
    const row = this.#ctx.view.getPrivate(collection, utf8(key));
    return row === undefined ? Buffer.alloc(0) : row.hash;
  }

  async putPrivateData(collection: string, key: string, value: unknown): Promise<void> {
    this.#live();
    this.#collection(collection, 'write');
    checkKey(key);
    this.#checkWrite();
    const bytes = toBuffer(value);
    if (bytes.length === 0) throw new Error('value must not be empty');
    this.#privateWrites.set(`${collection}\u0000${key}`, { collection, key: utf8(key), value: Buffer.from(bytes) });
  }

  async deletePrivateData(collection: string, key: string): Promise<void> {
    this.#live();
    this.#collection(collection, 'write');
    checkKey(key);
    this.#checkWrite();
    this.#privateWrites.set(`${collection}\u0000${key}`, { collection, key: utf8(key), value: null });
  }

  // --- results ---------------------------------------------------------------------------------

  /** Ends the simulation: no more calls are accepted and the read/write set is returned. */
  finish(): SimulationResult {
    this.#done = true;
    const byKey = <T extends { key: string }>(a: T, b: T) => compareKeys(a.key, b.key);
    const reads: KeyRead[] = [...this.#reads].map(([key, v]) => ({ key, version: v })).sort(byKey);
    const written = [...this.#writes].sort((a, b) => compareKeys(a[0], b[0]));
    const writes: KeyWrite[] = written.map(([key, value]) =>
      value === null ? { key, isDelete: true } : { key, isDelete: false, value: value.toString('base64') },
    );
    const writeValues = written.map(([, value]) => value);
    const privateReadKeys = [...this.#privateReads.values()].sort((a, b) =>
      a.collection + a.keyHash < b.collection + b.keyHash ? -1 : 1,
    );
    const privateReads: PrivateRead[] = privateReadKeys.map(({ collection, keyHash, version: v }) => ({
      collection,
      keyHash,
      version: v,
    }));
    const privateValues = [...this.#privateWrites.values()];
    const privateWrites: PrivateWrite[] = privateValues
      .map((w) => {
        const keyHash = sha256Hex(w.key);
        return w.value === null
          ? { collection: w.collection, keyHash, isDelete: true }
          : { collection: w.collection, keyHash, isDelete: false, valueHash: sha256Hex(w.value) };
      })
      .sort((a, b) => (a.collection + a.keyHash < b.collection + b.keyHash ? -1 : 1));
    const ranges: RangeRead[] = this.#ranges.map((r) => ({
      start: r.start,
      end: r.end,
      exhausted: r.exhausted,
      reads: r.reads,
    }));
    return {
      rwset: { reads, ranges, writes, privateReads, privateWrites },
      writeValues,
      event: this.#event,
      privateValues,
      privateReadKeys: privateReadKeys.map(({ collection, key, version: v }) => ({ collection, key, version: v })),
    };
  }

  /** As a peer: the collection must be defined, and member-only collections admit only their orgs' creators. */
  #collection(collection: unknown, access: 'read' | 'write' | 'hash'): void {
    checkCollection(collection);
    const rules = this.#ctx.collections;
    if (rules === undefined) return;
    const c = rules.get(collection as string);
    const { channel, proposal } = this.#ctx;
    if (!c) throw new Error(`collection ${channel}/${proposal.chaincode}/${String(collection)} could not be found`);
    const member = c.members.has(proposal.creator.mspId);
    if (access === 'read' && c.memberOnlyRead && !member) {
      throw new Error(
        `tx creator does not have read access permission on privatedata in chaincodeName:${proposal.chaincode} collectionName: ${String(collection)}`,
      );
    }
    if (access === 'write' && c.memberOnlyWrite && !member) {
      throw new Error(
        `tx creator does not have write access permission on privatedata in chaincodeName:${proposal.chaincode} collectionName: ${String(collection)}`,
      );
    }
  }

  #live(): void {
    if (this.#done) throw new Error('the transaction has ended; the stub cannot be used any more');
  }

  #checkWrite(): void {
    if (this.#paginated) {
      throw new Error('transaction has already performed a paginated query. Writes are not allowed');
    }
    this.#wrote = true;
  }

  /** A lazily paged range scan; the results the contract consumes are recorded for phantom checks. */
  #rangeIterator(start: string, end: string): ResultIterator<KV> {
    const record = { start, end, exhausted: false, reads: [] as KeyRead[] };
    this.#ranges.push(record);
    const endBuf = end === '' ? null : utf8(end);
    let from = utf8(start);
    let buffer: (KV & { version: Version })[] = [];
    let more = true;
    let count = 0;
    let closed = false;
    return new ResultIterator<KV>(
      async () => {
        this.#live();
        if (closed) return { done: true };
        if (buffer.length === 0 && more) {
          const rows = this.#ctx.view.range(from, endBuf, PAGE);
          more = rows.length === PAGE;
          const last = rows[rows.length - 1];
          if (last) from = Buffer.concat([last.key, Buffer.from([0])]);
          buffer = rows.map((r) => ({
            key: r.key.toString('utf8'),
            value: r.value,
            version: [r.block, r.tx] as Version,
          }));
        }
        const next = buffer.shift();
        if (next === undefined) {
          record.exhausted = true;
          return { done: true };
        }
        if (++count > TOTAL_QUERY_LIMIT)
          throw new Error(`range query exceeds the total query limit of ${TOTAL_QUERY_LIMIT} results`);
        record.reads.push({ key: next.key, version: next.version });
        return { value: { key: next.key, value: next.value }, done: false };
      },
      () => {
        closed = true;
      },
    );
  }

  #page(
    start: string,
    end: string,
    pageSize: number,
    bookmark: string,
  ): { iterator: ResultIterator<KV>; metadata: { fetchedRecordsCount: number; bookmark: string } } {
    if (this.#wrote)
      throw new Error('Transaction has already performed writes. Performing paginated query is not supported');
    if (!Number.isSafeInteger(pageSize) || pageSize <= 0) throw new Error('pageSize must be a positive integer');
    this.#paginated = true;
    const from = bookmark && compareKeys(bookmark, start) > 0 ? bookmark : start;
    const rows = this.#ctx.view.range(
      utf8(from),
      end === '' ? null : utf8(end),
      Math.min(pageSize, TOTAL_QUERY_LIMIT) + 1,
    );
    const page = rows.slice(0, pageSize);
    const next = rows[pageSize];
    let i = 0;
    const iterator = new ResultIterator<KV>(async () => {
      const r = page[i++];
      return r === undefined ? { done: true } : { value: { key: r.key.toString('utf8'), value: r.value }, done: false };
    });
    return {
      iterator,
      metadata: { fetchedRecordsCount: page.length, bookmark: next === undefined ? '' : next.key.toString('utf8') },
    };
  }
}

function checkCollection(collection: unknown): void {
  if (typeof collection !== 'string' || collection.length === 0) throw new Error('collection must be a valid string');
}

export function privateHash(value: Buffer): Buffer {
  return sha256(value);
}
