import {
  AccessDeniedError,
  ConflictError,
  LedgerError,
  NotFoundError,
  ShulianError,
  ValidationError,
} from '../../core/errors.js';

/**
 * Maps a chaincode error response onto the node's error hierarchy. The chaincode formats errors as
 * `[CODE] /pointer: message` (chaincode/src/records.ts); anything else (an unknown function, a shim error)
 * is a LedgerError with code CHAINCODE. Shared with the Fabric adapter, which receives the same message.
 */
export function chaincodeError(message: string, txId: string | undefined): ShulianError {
  const m = /^\[([A-Z_]+)\]\s*(.*)$/s.exec(message);
  const ids = txId === undefined ? {} : { txId };
  if (!m) return new LedgerError('CHAINCODE', message || 'the chaincode failed without a message', ids);
  const code = m[1] as string;
  const text = m[2] as string;
  const p = /^(\/[^:\s]*):\s/.exec(text);
  const withPointer = p ? { ...ids, pointer: p[1] as string } : ids;
  switch (code) {
    case 'VALIDATION':
      return new ValidationError(text, withPointer);
    case 'ACCESS_DENIED':
      return new AccessDeniedError(text, withPointer);
    case 'NOT_FOUND':
      return new NotFoundError(text, withPointer);
    case 'CONFLICT':
      return new ConflictError(text, withPointer);
    default:
      return new LedgerError(code, text, withPointer);
  }
}
