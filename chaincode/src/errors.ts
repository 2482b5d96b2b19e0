/**
 * Chaincode errors. The peer hands only `message` back to the client, so the stable code travels
 * at the front of the message in brackets (records.ts "Errors"); clients map it onto node/core errors.
 */
export type ErrorCode = 'VALIDATION' | 'ACCESS_DENIED' | 'NOT_FOUND' | 'CONFLICT';

export class ChaincodeError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(`[${code}] ${message}`);
    this.name = 'ChaincodeError';
    this.code = code;
  }
}

/** `pointer` is an RFC 6901 JSON pointer into the transaction's input ('' = the whole input). */
export function invalid(pointer: string, expected: string, got?: unknown): ChaincodeError {
  const shown = got === undefined ? '' : `, got ${describe(got)}`;
  return new ChaincodeError('VALIDATION', `${pointer === '' ? '/' : pointer}: expected ${expected}${shown}`);
}

export function denied(message: string): ChaincodeError {
  return new ChaincodeError('ACCESS_DENIED', message);
}

export function notFound(message: string): ChaincodeError {
  return new ChaincodeError('NOT_FOUND', message);
}

export function conflict(message: string): ChaincodeError {
  return new ChaincodeError('CONFLICT', message);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires. */
export function at(pointer: string, token: string | number): string {
  return `${pointer}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
