/**
 * Syntax check of a CID string without a multiformats dependency: CIDv0 (base58btc `Qm…`, a sha2-256
 * multihash) or CIDv1 in base32 (`b…`): version 1, a codec, a well-formed multihash whose declared
 * length matches its digest. It proves the string is a CID, not that it addresses any content.
 */
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export type CidVersion = 0 | 1;

/** The CID's version, or undefined when `text` is not a CIDv0 or base32 CIDv1. */
export function cidVersion(text: string): CidVersion | undefined {
  if (text.length === 46 && text.startsWith('Qm')) {
    const bytes = base58Decode(text);
    return bytes !== undefined && bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20 ? 0 : undefined;
  }
  if (text.length >= 8 && text.length <= 512 && text.startsWith('b')) {
    const bytes = base32Decode(text.slice(1));
    return bytes !== undefined && isCidV1(bytes) ? 1 : undefined;
  }
  return undefined;
}

function isCidV1(bytes: Uint8Array): boolean {
  let offset = 0;
  const next = (): number | undefined => {
    const r = readVarint(bytes, offset);
    if (r === undefined) return undefined;
    offset = r.next;
    return r.value;
  };
  if (next() !== 1) return false;
  if (next() === undefined) return false; // codec
  if (next() === undefined) return false; // multihash function
  const length = next();
  return length !== undefined && length > 0 && offset + length === bytes.length;
}

function readVarint(bytes: Uint8Array, start: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 8 && start + i < bytes.length; i++) {
    const b = bytes[start + i] as number;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, next: start + i + 1 };
  }
  return undefined;
}

function base32Decode(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let bits = 0;
  let buffer = 0;
  for (const ch of text) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    buffer = ((buffer << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  // RFC 4648 without padding: the leftover bits must be zero and fewer than 5
  if (bits >= 5 || (buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return Uint8Array.from(out);
}

function base58Decode(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (const ch of text) {
    let carry = BASE58.indexOf(ch);
    if (carry < 0) return undefined;
    for (let i = 0; i < bytes.length; i++) {
      carry += (bytes[i] as number) * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (const ch of text) {
    if (ch !== '1') break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}
