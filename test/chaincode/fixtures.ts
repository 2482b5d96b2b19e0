/** Inputs with real digests and CIDs computed from bytes, so every record in the tests is genuine. */
import { createHash } from 'node:crypto';
import { canonicalize, sha256Hex, sm3Hex } from '../../node/core/index.js';
import type { RegisterVersionInput, GrantRightsInput } from '../../chaincode/src/records.js';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base58(bytes: Uint8Array): string {
  const digits: number[] = [];
  for (const b of bytes) {
    let carry = b;
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] as number) << 8;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '';
  for (const b of bytes) {
    if (b !== 0) break;
    out += '1';
  }
  return (
    out +
    digits
      .reverse()
      .map((d) => BASE58[d])
      .join('')
  );
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** CIDv1, raw codec, sha2-256: what Kubo gives a file of one chunk with raw leaves. */
export function rawCidV1(bytes: Uint8Array): string {
  return `b${base32(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), sha256(bytes)]))}`;
}

/** A CIDv0 (dag-pb, sha2-256) over some bytes: syntax is all the chaincode checks. */
export function cidV0(bytes: Uint8Array): string {
  return base58(Buffer.concat([Buffer.from([0x12, 0x20]), sha256(bytes)]));
}

export function content(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A valid registration of `text` as the payload of `resourceId`. */
export function versionInput(
  resourceId: string,
  text: string,
  metadata: object = { title: resourceId },
): RegisterVersionInput {
  const bytes = content(text);
  return {
    resourceId,
    cid: rawCidV1(bytes),
    cidProfile: 'kubo-v1',
    sha256: sha256Hex(bytes),
    sm3: sm3Hex(bytes),
    size: bytes.length,
    mediaType: 'text/plain; charset=utf-8',
    metadataHash: sha256Hex(canonicalize(metadata)),
  };
}

export function grantInput(
  overrides: Partial<GrantRightsInput> & { rightsId: string; target: GrantRightsInput['target'] },
): GrantRightsInput {
  return {
    rightsholder: 'Jilin Provincial Library',
    assignee: 'NLCMSP',
    actions: ['reproduce', 'archive'],
    constraints: { notBefore: '2020-01-01T00:00:00.000Z', notAfter: null },
    basis: 'licence',
    ...overrides,
  };
}
