/**
 * The project's error hierarchy. Every error carries a stable `code`, an optional `cause`, and the
 * ids that matter for the operator or auditor reading it (transaction id, CID, resource id, field).
 * The gateway maps `code` to a problem+json `type`; the CLI prints `message` and exits non-zero.
 */
export interface ErrorIds {
  readonly txId?: string;
  readonly cid?: string;
  readonly resourceId?: string;
  readonly version?: number;
  readonly rightsId?: string;
  readonly blockNumber?: number;
  /** JSON pointer (RFC 6901) of the offending field, for validation errors. */
  readonly pointer?: string;
  readonly file?: string;
  readonly line?: number;
}

export interface ShulianErrorOptions extends ErrorIds {
  readonly cause?: unknown;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class ShulianError extends Error {
  readonly code: string;
  readonly ids: ErrorIds;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: ShulianErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    const { cause: _cause, details, ...ids } = options;
    this.ids = ids;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...this.ids,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Input that does not meet its schema or rules. `pointer` names the field. */
export class ValidationError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('VALIDATION', message, options);
  }
}

export class NotFoundError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** The caller's identity or role may not do this. */
export class AccessDeniedError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('ACCESS_DENIED', message, options);
  }
}

/** Bytes do not match the digest or CID they are supposed to have. */
export class IntegrityError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('INTEGRITY', message, options);
  }
}

/** The state changed under a transaction (MVCC read conflict) or a record already exists. */
export class ConflictError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('CONFLICT', message, options);
  }
}

/** The ledger refused or failed a transaction (endorsement, commit status, chaincode error). */
export class LedgerError extends ShulianError {
  constructor(code: string, message: string, options: ShulianErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A content store failure (missing block, unreadable file, unknown profile). */
export class ContentError extends ShulianError {
  constructor(code: string, message: string, options: ShulianErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A backend (peer, Kubo, disk) is unavailable; retrying later may succeed. */
export class UnavailableError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('UNAVAILABLE', message, options);
  }
}

/** Bad configuration: names the environment variable. */
export class ConfigError extends ShulianError {
  constructor(message: string, options: ShulianErrorOptions = {}) {
    super('CONFIG', message, options);
  }
}

export function isShulianError(err: unknown): err is ShulianError {
  return err instanceof ShulianError;
}
