import { ShulianError, type ShulianErrorOptions } from '../core/errors.js';
import type { FailureKind } from './types.js';

/** Why one version could not be pulled; `kind` decides how it is reported (and whether bytes are quarantined). */
export class PullFailure extends ShulianError {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, message: string, options: ShulianErrorOptions = {}) {
    super(
      kind === 'verification'
        ? 'VERIFICATION_FAILED'
        : kind === 'refused'
          ? 'REFUSED'
          : kind === 'receipt'
            ? 'RECEIPT_FAILED'
            : 'TRANSPORT',
      message,
      options,
    );
    this.kind = kind;
  }
}
