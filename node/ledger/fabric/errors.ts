import { status as grpcStatus } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { AccessDeniedError, ConflictError, LedgerError, ShulianError, UnavailableError } from '../../core/errors.js';
import { chaincodeError } from '../embedded/errors.js';

/** Fabric's TxValidationCode names (peer/transaction.proto). */
export const VALIDATION_CODES: Readonly<Record<number, string>> = {
  0: 'VALID',
  1: 'NIL_ENVELOPE',
  2: 'BAD_PAYLOAD',
  3: 'BAD_COMMON_HEADER',
  4: 'BAD_CREATOR_SIGNATURE',
  5: 'INVALID_ENDORSER_TRANSACTION',
  6: 'INVALID_CONFIG_TRANSACTION',
  7: 'UNSUPPORTED_TX_PAYLOAD',
  8: 'BAD_PROPOSAL_TXID',
  9: 'DUPLICATE_TXID',
  10: 'ENDORSEMENT_POLICY_FAILURE',
  11: 'MVCC_READ_CONFLICT',
  12: 'PHANTOM_READ_CONFLICT',
  13: 'UNKNOWN_TX_TYPE',
  14: 'TARGET_CHAIN_NOT_FOUND',
  15: 'MARSHAL_TX_ERROR',
  16: 'NIL_TXACTION',
  17: 'EXPIRED_CHAINCODE',
  18: 'CHAINCODE_VERSION_CONFLICT',
  19: 'BAD_HEADER_EXTENSION',
  20: 'BAD_CHANNEL_HEADER',
  21: 'BAD_RESPONSE_PAYLOAD',
  22: 'BAD_RWSET',
  23: 'ILLEGAL_WRITESET',
  24: 'INVALID_WRITESET',
  25: 'INVALID_CHAINCODE',
  254: 'NOT_VALIDATED',
  255: 'INVALID_OTHER_REASON',
};

export const validationCodeName = (code: number): string => VALIDATION_CODES[code] ?? `VALIDATION_CODE_${code}`;

/** Validation codes after which endorsing the proposal again (against fresh state) can succeed. */
export const RETRYABLE_VALIDATION = new Set([11, 12]);

/** gRPC codes that say "the service did not answer", not "the service said no". */
const TRANSIENT_GRPC = new Set<number>([
  grpcStatus.UNAVAILABLE,
  grpcStatus.DEADLINE_EXCEEDED,
  grpcStatus.RESOURCE_EXHAUSTED,
]);

export type Phase = 'endorse' | 'submit' | 'commit-status' | 'evaluate' | 'events' | 'query';

/**
 * The gateway could not find live peers enough to satisfy the endorsement policy: peers down, or a peer
 * that just restarted and has not yet relearned its channel peers through gossip. Passes when they are back.
 */
const NO_ENDORSERS = /no combination of peers|no peers available|failed to find any endorsing peers/i;
/** An endorser the gateway chose did not answer (its connection failed): the gateway's ABORTED carries it per peer. */
const ENDORSER_DOWN = /code = (Unavailable|DeadlineExceeded)|connection error|transport: /;

function endorsersDown(err: GatewayError): boolean {
  return (
    err.code === grpcStatus.ABORTED &&
    err.details.length > 0 &&
    err.details.every((d) => ENDORSER_DOWN.test(d.message) && !/\[[A-Z_]+\]/.test(d.message))
  );
}

/** Whether `err` (a raw fabric-gateway error) is a transient transport failure worth retrying. */
export function isTransient(err: unknown): boolean {
  if (err instanceof GatewayError) {
    if (err.code === grpcStatus.FAILED_PRECONDITION && NO_ENDORSERS.test(err.message)) return true;
    if (endorsersDown(err)) return true;
    if (!TRANSIENT_GRPC.has(err.code)) return false;
    // an endorser's own answer travels inside an ABORTED/UNKNOWN; UNAVAILABLE with a chaincode message is not transport
    return !err.details.some((d) => /\[[A-Z_]+\]/.test(d.message));
  }
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && TRANSIENT_GRPC.has(code);
}

/**
 * Maps a fabric-gateway error onto the node's hierarchy, keeping the transaction id and the endorsers'
 * details. A chaincode error (`[CODE] /pointer: message`, found in the message or an endorser's detail)
 * maps exactly as the embedded runtime maps it; transport failures become UnavailableError naming the
 * peer; a policy failure or a refused creator becomes AccessDeniedError.
 */
export function mapFabricError(
  err: unknown,
  context: Readonly<{ phase: Phase; txId?: string; endpoint?: string }>,
): ShulianError {
  if (err instanceof ShulianError) return err;
  const txId = (err as { transactionId?: unknown })?.transactionId;
  const id = typeof txId === 'string' && txId !== '' ? txId : context.txId;
  const ids = id === undefined ? {} : { txId: id };
  if (err instanceof CommitError) {
    const name = validationCodeName(err.code);
    const details = { validationCode: name };
    if (RETRYABLE_VALIDATION.has(err.code)) {
      return new ConflictError(
        `transaction ${err.transactionId} was invalidated (${name}): the state it read changed before it committed`,
        { ...ids, details, cause: err },
      );
    }
    if (err.code === 10) {
      return new AccessDeniedError(
        `transaction ${err.transactionId} was invalidated (ENDORSEMENT_POLICY_FAILURE): its endorsements do not satisfy the chaincode's endorsement policy`,
        {
          ...ids,
          details,
          cause: err,
        },
      );
    }
    if (err.code === 4)
      return new AccessDeniedError(`transaction ${err.transactionId} was invalidated (BAD_CREATOR_SIGNATURE)`, {
        ...ids,
        details,
        cause: err,
      });
    return new LedgerError('COMMIT', `transaction ${err.transactionId} was invalidated (${name})`, {
      ...ids,
      details,
      cause: err,
    });
  }
  if (err instanceof GatewayError) {
    const endorsers = err.details.map((d) => ({ address: d.address, mspId: d.mspId, message: d.message }));
    const details = { grpcCode: grpcName(err.code), phase: context.phase, ...(endorsers.length ? { endorsers } : {}) };
    const texts = [err.message, ...err.details.map((d) => d.message), err.cause?.details ?? ''];
    for (const t of texts) {
      const m = /\[[A-Z_]+\][^\n]*/s.exec(t);
      if (m) {
        const mapped = chaincodeError(stripTrailer(m[0]), id);
        return rebuild(mapped, { details, cause: err });
      }
    }
    const where = context.endpoint ? ` at ${context.endpoint}` : '';
    if (endorsersDown(err)) {
      const down = endorsers.map((e) => e.mspId || e.address).join(', ');
      return new UnavailableError(
        `${kind(err, context.phase)} failed${where}: endorsing peers of ${down} did not answer (${endorsers.map((e) => e.message).join('; ')})`,
        {
          ...ids,
          details,
          cause: err,
        },
      );
    }
    if (NO_ENDORSERS.test(texts.join(' '))) {
      return new UnavailableError(
        `${kind(err, context.phase)} failed${where}: not enough peers are reachable to satisfy the chaincode's endorsement policy (${err.message})`,
        { ...ids, details, cause: err },
      );
    }
    const reasons = endorsers.map((e) => `${e.mspId || e.address}: ${e.message}`).join('; ');
    const text = `${kind(err, context.phase)} failed${where}: ${err.message}${reasons ? ` (${reasons})` : ''}`;
    if (TRANSIENT_GRPC.has(err.code)) return new UnavailableError(text, { ...ids, details, cause: err });
    if (
      err.code === grpcStatus.PERMISSION_DENIED ||
      err.code === grpcStatus.UNAUTHENTICATED ||
      /access denied|creator|certificate|identity/i.test(texts.join(' '))
    ) {
      return new AccessDeniedError(text, { ...ids, details, cause: err });
    }
    if (/endorsement policy|policy failure/i.test(texts.join(' ')))
      return new AccessDeniedError(text, { ...ids, details, cause: err });
    if (err.code === grpcStatus.NOT_FOUND) return new LedgerError('NOT_FOUND', text, { ...ids, details, cause: err });
    return new LedgerError(codeFor(err), text, { ...ids, details, cause: err });
  }
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'number' && TRANSIENT_GRPC.has(code)) {
    return new UnavailableError(
      `${context.phase} failed${context.endpoint ? ` at ${context.endpoint}` : ''}: ${(err as Error).message}`,
      { ...ids, cause: err },
    );
  }
  return new LedgerError('FABRIC', `${context.phase} failed: ${err instanceof Error ? err.message : String(err)}`, {
    ...ids,
    cause: err,
  });
}

function kind(err: GatewayError, phase: Phase): string {
  if (err instanceof EndorseError) return 'endorsement';
  if (err.name === 'SubmitError') return 'submit to the orderer';
  if (err instanceof CommitStatusError) return 'commit status';
  return phase;
}

function codeFor(err: GatewayError): string {
  if (err instanceof EndorseError) return 'ENDORSE';
  if (err.name === 'SubmitError') return 'SUBMIT';
  if (err instanceof CommitStatusError) return 'COMMIT_STATUS';
  return 'FABRIC';
}

function grpcName(code: number): string {
  const entry = Object.entries(grpcStatus).find(([, v]) => v === code);
  return entry ? entry[0] : String(code);
}

/** The peer appends nothing after the chaincode message, but gRPC status texts may end with a period or quote. */
function stripTrailer(text: string): string {
  return text.replace(/["']\s*$/, '').trimEnd();
}

function rebuild(err: ShulianError, extra: { details: Record<string, unknown>; cause: unknown }): ShulianError {
  const Ctor = err.constructor as new (...args: unknown[]) => ShulianError;
  const options = { ...err.ids, details: extra.details, cause: extra.cause };
  return err instanceof LedgerError && err.constructor === LedgerError
    ? new LedgerError(err.code, err.message, options)
    : new Ctor(err.message, options);
}
