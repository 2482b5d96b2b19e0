import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Stateless resumption tokens. A token carries everything needed to continue a list: the verb and the
 * request's arguments, the chain position reached (everything up to and including that transaction has
 * been listed), the cursor and the complete list size. The gateway keeps no session, so tokens survive
 * restarts and never expire: chain positions never move. An HMAC keyed from the gateway's home key makes
 * them tamper-evident, and a token is only accepted for the verb it was issued for.
 *
 * Layout: base64url(JSON) "." base64url(HMAC-SHA256(key, "shulian-oai-token\0" ‖ JSON)[0..16]).
 */
export interface ListState {
  readonly verb: 'ListIdentifiers' | 'ListRecords';
  readonly metadataPrefix: string;
  readonly set?: string;
  readonly from?: string;
  readonly until?: string;
  /** Last transaction listed: resume strictly after it. */
  readonly blockNumber: number;
  readonly txIndex: number;
  /** Items delivered before the page this token asks for. */
  readonly cursor: number;
  readonly completeListSize?: number;
}

const VERSION = 1;
const DOMAIN = 'shulian-oai-token\0';
const TAG = 16;
const MAX_LENGTH = 2048;

export interface TokenCodec {
  encode(state: ListState): string;
  /** The state, or a reason the token is not one this gateway issued. */
  decode(token: string): { state: ListState } | { reason: string };
}

/** `key`: the gateway's secret (the changes-cursor key); a dedicated sub-key is derived from it. */
export function createTokenCodec(key: Uint8Array): TokenCodec {
  if (key.byteLength < 16) throw new RangeError('resumption token key must be at least 16 bytes');
  const subKey = createHmac('sha256', key).update('shulian-oai-resumption-token-key').digest();
  const mac = (body: string): Buffer =>
    createHmac('sha256', subKey).update(DOMAIN).update(body).digest().subarray(0, TAG);
  return {
    encode(state) {
      const body = JSON.stringify({ v: VERSION, ...state });
      return `${Buffer.from(body, 'utf8').toString('base64url')}.${mac(body).toString('base64url')}`;
    },
    decode(token) {
      if (token.length === 0 || token.length > MAX_LENGTH)
        return { reason: 'the resumption token is empty or too long' };
      const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
      if (!m) return { reason: 'the resumption token is not one this repository issued' };
      const [, bodyPart, tagPart] = m as unknown as [string, string, string];
      const body = Buffer.from(bodyPart, 'base64url').toString('utf8');
      const tag = Buffer.from(tagPart, 'base64url');
      if (
        Buffer.from(body, 'utf8').toString('base64url') !== bodyPart ||
        tag.length !== TAG ||
        tag.toString('base64url') !== tagPart
      ) {
        return { reason: 'the resumption token is not one this repository issued' };
      }
      if (!timingSafeEqual(tag, mac(body)))
        return { reason: 'the resumption token failed its integrity check (altered, or issued by another repository)' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return { reason: 'the resumption token is not one this repository issued' };
      }
      const state = checkState(parsed);
      return state ? { state } : { reason: 'the resumption token has an unsupported layout' };
    },
  };
}

function checkState(v: unknown): ListState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const optString = (x: unknown) => x === undefined || typeof x === 'string';
  const int = (x: unknown, min: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
  if (o.v !== VERSION) return undefined;
  if (o.verb !== 'ListIdentifiers' && o.verb !== 'ListRecords') return undefined;
  if (typeof o.metadataPrefix !== 'string' || !optString(o.set) || !optString(o.from) || !optString(o.until))
    return undefined;
  if (!int(o.blockNumber, -1) || !int(o.txIndex, -1) || !int(o.cursor, 0)) return undefined;
  if (o.completeListSize !== undefined && !int(o.completeListSize, 0)) return undefined;
  return {
    verb: o.verb,
    metadataPrefix: o.metadataPrefix,
    ...(o.set !== undefined ? { set: o.set as string } : {}),
    ...(o.from !== undefined ? { from: o.from as string } : {}),
    ...(o.until !== undefined ? { until: o.until as string } : {}),
    blockNumber: o.blockNumber as number,
    txIndex: o.txIndex as number,
    cursor: o.cursor as number,
    ...(o.completeListSize !== undefined ? { completeListSize: o.completeListSize as number } : {}),
  };
}
