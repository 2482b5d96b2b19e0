import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpProblem } from './problem.js';

/**
 * The changes feed's cursor: a position in the chain, (block number, transaction index in the block),
 * meaning "everything up to and including this transaction has been delivered". It is stateless (the
 * gateway keeps nothing per client) and never expires, because chain positions never move. An HMAC keyed
 * with the gateway's cursor key makes it opaque to tampering: clients cannot forge a position, and a
 * cursor from another gateway (another key) is refused rather than silently misread.
 *
 * Layout before base64url: version (1 byte) | block (8 bytes BE) | txIndex (4 bytes BE) | HMAC-SHA256
 * truncated to 16 bytes over "shulian-cursor" and the preceding bytes.
 */
export interface ChainPosition {
  readonly blockNumber: number;
  readonly txIndex: number;
}

const VERSION = 1;
const BODY = 1 + 8 + 4;
const TAG = 16;
const DOMAIN = Buffer.from('shulian-cursor\0', 'utf8');
/** base64url of BODY + TAG bytes, without padding. */
const ENCODED_LENGTH = Math.ceil(((BODY + TAG) * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface CursorCodec {
  encode(position: ChainPosition): string;
  /** Throws a 400 `invalid-cursor` problem for anything this gateway did not issue. */
  decode(cursor: string): ChainPosition;
}

export function createCursorCodec(key: Uint8Array): CursorCodec {
  if (key.byteLength < 16) throw new RangeError('cursor key must be at least 16 bytes');
  const mac = (body: Buffer): Buffer => createHmac('sha256', key).update(DOMAIN).update(body).digest().subarray(0, TAG);
  return {
    encode({ blockNumber, txIndex }) {
      if (!Number.isSafeInteger(blockNumber) || blockNumber < 0)
        throw new RangeError(`bad block number ${blockNumber}`);
      if (!Number.isInteger(txIndex) || txIndex < 0 || txIndex > 0xffffffff)
        throw new RangeError(`bad tx index ${txIndex}`);
      const body = Buffer.alloc(BODY);
      body.writeUInt8(VERSION, 0);
      body.writeBigUInt64BE(BigInt(blockNumber), 1);
      body.writeUInt32BE(txIndex, 9);
      return Buffer.concat([body, mac(body)]).toString('base64url');
    },
    decode(cursor) {
      const bad = (why: string): never => {
        throw new HttpProblem(
          'INVALID_CURSOR',
          `cursor: ${why}; use the "next" value of a previous page, or omit it to start from the beginning`,
          {
            pointer: '/cursor',
          },
        );
      };
      if (typeof cursor !== 'string' || cursor.length !== ENCODED_LENGTH || !BASE64URL.test(cursor))
        bad('not a cursor issued by this gateway');
      const raw = Buffer.from(cursor, 'base64url');
      // Buffer's decoder ignores stray trailing bits; only the one canonical spelling is accepted
      if (raw.length !== BODY + TAG || raw.toString('base64url') !== cursor) bad('not a cursor issued by this gateway');
      const body = raw.subarray(0, BODY);
      if (!timingSafeEqual(raw.subarray(BODY), mac(body)))
        bad('integrity check failed (altered, or issued by another gateway)');
      if (body.readUInt8(0) !== VERSION) bad('unsupported cursor version');
      const block = body.readBigUInt64BE(1);
      if (block > BigInt(Number.MAX_SAFE_INTEGER)) bad('block number out of range');
      return { blockNumber: Number(block), txIndex: body.readUInt32BE(9) };
    },
  };
}
