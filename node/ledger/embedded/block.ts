import { createHash } from 'node:crypto';
import { canonicalBytes, canonicalize } from '../../core/canonical.js';
import { sha256Once } from '../../core/digest.js';

/**
 * The embedded ledger's block format ("shulian-embedded-v1"). Everything that is hashed or signed is
 * RFC 8785 canonical JSON (node/core canonicalBytes), so any JCS implementation can re-check it:
 *
 *   proposal      = {channel, chaincode, fn, args, transient: {name: sha256hex(value)}, creator: {mspId, certPem},
 *                    nonce (base64, 24 bytes), timestamp: {seconds, nanos}}
 *   txId          = hex SHA-256(nonce || canonicalBytes(creator))            (Fabric: nonce || serialized creator)
 *   signature     = the creator's ECDSA signature over SHA-256(canonicalBytes(proposal))  (as fabric-gateway signs)
 *   envelope      = {txId, proposal, signature (base64), response: {status, payloadSha256}, rwset, event,
 *                    validationCode}; one leaf of the block
 *   dataHash      = RFC 9162 Merkle root over canonicalBytes(envelope) of every tx in block order
 *   header        = {channel, number, previousHash, dataHash, timestamp, txCount, signer: {mspId, certSha256}}
 *   block hash    = hex SHA-256(canonicalBytes(header)); the next header's previousHash (64 zeros for block 0)
 *   block signature = the peer's ECDSA signature over SHA-256(canonicalBytes(header))
 *
 * Values in write sets are base64; keys are the chaincode's strings (composite keys keep their U+0000s).
 * Transient values never enter the block, only their digests; private data writes appear as hashes only.
 */
export const BLOCK_FORMAT = 'shulian-embedded-v1';
export const CHAINCODE_NAME = 'shulian';
export const GENESIS_PREVIOUS_HASH = '0'.repeat(64);

export interface TxTimestamp {
  readonly seconds: number;
  readonly nanos: number;
}

export interface Creator {
  readonly mspId: string;
  readonly certPem: string;
}

export interface ProposalBody {
  readonly channel: string;
  readonly chaincode: string;
  readonly fn: string;
  readonly args: readonly string[];
  readonly transient: Readonly<Record<string, string>>;
  readonly creator: Creator;
  readonly nonce: string;
  readonly timestamp: TxTimestamp;
}

/** A version is the height of the transaction that wrote the value: [block number, tx index]. */
export type Version = readonly [number, number];

export interface KeyRead {
  readonly key: string;
  readonly version: Version | null;
}

/** A range read, re-executed at commit for phantom protection. `reads` are the results the chaincode consumed. */
export interface RangeRead {
  readonly start: string;
  /** '' = unbounded. */
  readonly end: string;
  readonly exhausted: boolean;
  readonly reads: readonly KeyRead[];
}

export interface KeyWrite {
  readonly key: string;
  readonly isDelete: boolean;
  /** base64; absent for deletes. */
  readonly value?: string;
}

export interface PrivateRead {
  readonly collection: string;
  readonly keyHash: string;
  readonly version: Version | null;
}

export interface PrivateWrite {
  readonly collection: string;
  readonly keyHash: string;
  readonly isDelete: boolean;
  readonly valueHash?: string;
}

export interface RwSet {
  readonly reads: readonly KeyRead[];
  readonly ranges: readonly RangeRead[];
  readonly writes: readonly KeyWrite[];
  readonly privateReads: readonly PrivateRead[];
  readonly privateWrites: readonly PrivateWrite[];
}

export interface ChaincodeEvent {
  readonly name: string;
  /** base64 */
  readonly payload: string;
}

export type ValidationCode = 'VALID' | 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT' | 'DUPLICATE_TXID';

export interface TxEnvelope {
  readonly txId: string;
  readonly proposal: ProposalBody;
  readonly signature: string;
  readonly response: { readonly status: number; readonly payloadSha256: string };
  readonly rwset: RwSet;
  readonly event: ChaincodeEvent | null;
  readonly validationCode: ValidationCode;
}

export interface BlockHeader {
  readonly channel: string;
  readonly number: number;
  readonly previousHash: string;
  readonly dataHash: string;
  /** Commit time, ISO-8601. */
  readonly timestamp: string;
  readonly txCount: number;
  readonly signer: { readonly mspId: string; readonly certSha256: string };
}

export function sha256(...parts: (Uint8Array | string)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function sha256Hex(...parts: (Uint8Array | string)[]): string {
  // one part (most calls: payloads, certificates): one-shot crypto.hash where Node has it, no Hash object
  return parts.length === 1 ? sha256Once(parts[0] as Uint8Array | string, 'hex') : sha256(...parts).toString('hex');
}

/**
 * canonicalize(creator) of the last few creators, as text (inside the proposal's canonical text) and as
 * bytes (in the txId): a certificate is ~1 KB of JSON escaping per transaction. Undefined text: the
 * creator is not plain well-formed strings, and the generic canonicalisation decides.
 */
const creatorCanonicals = new Map<
  string,
  Map<string, { readonly text: string | undefined; readonly bytes: Uint8Array }>
>();

function creatorCanonical(creator: Creator): { readonly text: string | undefined; readonly bytes: Uint8Array } {
  let byCert = creatorCanonicals.get(creator.mspId);
  let found = byCert?.get(creator.certPem);
  if (found === undefined) {
    const bytes = canonicalBytes({ mspId: creator.mspId, certPem: creator.certPem });
    const certPem = str(creator.certPem);
    const mspId = str(creator.mspId);
    const text = certPem === undefined || mspId === undefined ? undefined : `{"certPem":${certPem},"mspId":${mspId}}`;
    found = { text, bytes };
    if (creatorCanonicals.size >= 64) creatorCanonicals.clear();
    if (!byCert) creatorCanonicals.set(creator.mspId, (byCert = new Map()));
    if (byCert.size >= 256) byCert.clear();
    byCert.set(creator.certPem, found);
  }
  return found;
}

export function computeTxId(nonce: Uint8Array, creator: Creator): string {
  return sha256Hex(Buffer.concat([nonce, creatorCanonical(creator).bytes]));
}

export function proposalDigest(proposal: ProposalBody): Buffer {
  return sha256(canonicalBytes(proposal));
}

export function headerBytes(header: BlockHeader): Uint8Array {
  return canonicalBytes(header);
}

/**
 * canonicalBytes(envelope), built around the proposal's canonical text, which was already produced for
 * signing: members in RFC 8785 order (event < proposal < response < rwset < signature < txId <
 * validationCode). verify() re-canonicalizes the parsed envelope, so any divergence would show there.
 */
export function envelopeBytes(envelope: Omit<TxEnvelope, 'proposal'>, proposalJson: string): Uint8Array {
  const c = fastCanonical;
  const { event, response } = envelope;
  const status = int(response.status);
  const payloadSha256 = str(response.payloadSha256);
  const responseJson =
    status !== undefined && payloadSha256 !== undefined && Object.keys(response).length === 2
      ? `{"payloadSha256":${payloadSha256},"status":${status}}`
      : c(response);
  const name = event === null ? undefined : str(event.name);
  const payload = event === null ? undefined : str(event.payload);
  const eventJson =
    event === null
      ? 'null'
      : name !== undefined && payload !== undefined && Object.keys(event).length === 2
        ? `{"name":${name},"payload":${payload}}`
        : c(event);
  return Buffer.from(
    `{"event":${eventJson},"proposal":${proposalJson},"response":${responseJson},"rwset":${rwsetCanonical(envelope.rwset)},` +
      `"signature":${c(envelope.signature)},"txId":${c(envelope.txId)},"validationCode":${c(envelope.validationCode)}}`,
    'utf8',
  );
}

/** ISO-8601 with nanosecond precision when there is any (Fabric's timestamps carry nanos). */
export function timestampToIso(ts: TxTimestamp): string {
  const iso = new Date(ts.seconds * 1000).toISOString();
  const frac = String(ts.nanos).padStart(9, '0').replace(/0+$/, '').padEnd(3, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/;

class NeedsFullCanonicalization extends Error {}

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      // JS objects list integer-like keys first: JSON.stringify would not keep the sorted order
      if (INDEX_LIKE.test(key)) throw new NeedsFullCanonicalization();
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortedDeep(member);
    }
    return out;
  }
  if (typeof value === 'string' && !isWellFormed(value)) throw new NeedsFullCanonicalization();
  return value;
}

/**
 * RFC 8785 text of the runtime's own records (plain objects, well-formed strings, integers), through the
 * native JSON.stringify: JCS serialises strings and numbers exactly as ECMAScript's JSON.stringify does,
 * so sorting the members is all that is left. Anything unusual goes through node/core canonicalize.
 */
export function fastCanonical(value: unknown): string {
  try {
    return JSON.stringify(sortedDeep(value));
  } catch (err) {
    if (err instanceof NeedsFullCanonicalization) return canonicalize(value);
    throw err;
  }
}

/** A string member, or undefined (then the generic path decides) when it would not be RFC 8785 text. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' && isWellFormed(value) ? JSON.stringify(value) : undefined;
}

function int(value: unknown): string | undefined {
  return Number.isSafeInteger(value) ? String(value) : undefined;
}

function version(v: Version | null): string | undefined {
  if (v === null) return 'null';
  const a = int(v[0]);
  const b = int(v[1]);
  return a === undefined || b === undefined || v.length !== 2 ? undefined : `[${a},${b}]`;
}

function keyReads(reads: readonly KeyRead[]): string | undefined {
  const out: string[] = [];
  for (const r of reads) {
    const key = str(r.key);
    const v = version(r.version);
    if (key === undefined || v === undefined) return undefined;
    out.push(`{"key":${key},"version":${v}}`);
  }
  return `[${out.join(',')}]`;
}

/**
 * canonicalize(rwset) for the shapes the stub records (members written in RFC 8785 order), without
 * copying the whole set into sorted objects first; anything unexpected goes through fastCanonical.
 */
export function rwsetCanonical(rwset: RwSet): string {
  const reads = keyReads(rwset.reads);
  const ranges: string[] = [];
  for (const r of rwset.ranges) {
    const end = str(r.end);
    const start = str(r.start);
    const inner = keyReads(r.reads);
    if (end === undefined || start === undefined || inner === undefined || typeof r.exhausted !== 'boolean')
      return fastCanonical(rwset);
    ranges.push(`{"end":${end},"exhausted":${r.exhausted},"reads":${inner},"start":${start}}`);
  }
  const writes: string[] = [];
  for (const w of rwset.writes) {
    const key = str(w.key);
    if (key === undefined || typeof w.isDelete !== 'boolean') return fastCanonical(rwset);
    if (w.value === undefined) writes.push(`{"isDelete":${w.isDelete},"key":${key}}`);
    else {
      const value = str(w.value);
      if (value === undefined) return fastCanonical(rwset);
      writes.push(`{"isDelete":${w.isDelete},"key":${key},"value":${value}}`);
    }
  }
  if (reads === undefined || Object.keys(rwset).length !== 5) return fastCanonical(rwset);
  // private reads and writes are rare: the generic path, when there are any
  return (
    `{"privateReads":${emptyOr(rwset.privateReads, '[]')},"privateWrites":${emptyOr(rwset.privateWrites, '[]')},` +
    `"ranges":[${ranges.join(',')}],"reads":${reads},"writes":[${writes.join(',')}]}`
  );
}

/**
 * `empty` for an empty array (`'[]'`) or an object without members (`'{}'`), else fastCanonical: most
 * transactions have no private data and no transient map, and fastCanonical called alike with arrays and
 * objects made V8 drop the optimised code of its callers.
 */
function emptyOr(value: unknown, empty: '[]' | '{}'): string {
  if (empty === '[]' ? Array.isArray(value) && value.length === 0 : isMemberless(value)) return empty;
  return fastCanonical(value);
}

function isMemberless(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

/** canonicalize(proposal) written member by member (RFC 8785 order); anything unexpected: fastCanonical. */
export function proposalCanonical(proposal: ProposalBody): string {
  const args: string[] = [];
  for (const a of proposal.args) {
    const arg = str(a);
    if (arg === undefined) return fastCanonical(proposal);
    args.push(arg);
  }
  const { creator, timestamp } = proposal;
  const creatorText =
    typeof creator.mspId === 'string' && typeof creator.certPem === 'string' && Object.keys(creator).length === 2
      ? creatorCanonical(creator).text
      : undefined;
  const parts = [
    str(proposal.chaincode),
    str(proposal.channel),
    creatorText,
    str(proposal.fn),
    str(proposal.nonce),
    int(timestamp.nanos),
    int(timestamp.seconds),
  ];
  if (parts.includes(undefined) || Object.keys(proposal).length !== 8) return fastCanonical(proposal);
  const [chaincode, channel, creatorJson, fn, nonce, nanos, seconds] = parts as string[];
  return (
    `{"args":[${args.join(',')}],"chaincode":${chaincode},"channel":${channel},` +
    `"creator":${creatorJson},"fn":${fn},"nonce":${nonce},` +
    `"timestamp":{"nanos":${nanos},"seconds":${seconds}},"transient":${emptyOr(proposal.transient, '{}')}}`
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/**
 * False when the string holds a lone surrogate (it would not survive UTF-8). ES2024's
 * String.prototype.isWellFormed where the engine has it (Node 20: V8 11.3): the regular expression with a
 * look-behind scanned every argument, key, value and certificate of every transaction several times.
 */
export const isWellFormed: (s: string) => boolean =
  typeof nativeWellFormed === 'function' ? (s) => nativeWellFormed.call(s) : (s) => !LONE_SURROGATE.test(s);
