import { ValidationError } from './errors.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * Decodes hex (either case) into bytes. `expectedBytes` pins the length; `pointer` names the field in the
 * ValidationError raised for anything that is not hex of that length.
 */
export function fromHex(hex: string, expectedBytes?: number, pointer?: string): Uint8Array {
  const ok =
    typeof hex === 'string' && HEX.test(hex) && (expectedBytes === undefined || hex.length === expectedBytes * 2);
  if (!ok) {
    const expected = expectedBytes === undefined ? 'hex' : `${expectedBytes * 2} hex digits`;
    throw new ValidationError(`${pointer ?? 'value'}: expected ${expected}`, pointer === undefined ? {} : { pointer });
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
