import { canonicalize } from '../core/canonical.js';
import { leafHash, verifyInclusion } from '../core/merkle.js';
import { toHex } from '../core/hex.js';
import type { FixityEvent } from './types.js';

export interface FixityEventCheck {
  /** The stored result re-serialises (RFC 8785) to exactly the leaf data. */
  readonly canonical: boolean;
  /** The leaf hash is SHA-256(0x00 || leaf data). */
  readonly leafHash: boolean;
  /** The audit path leads from the leaf to the run's root. */
  readonly inclusion: boolean;
  readonly ok: boolean;
}

/**
 * Checks one fixity event offline against its run's anchored root: what an auditor does with an exported
 * event and the root read from the chain record (GetBatch of `event.anchor.batchId`, or its proof bundle).
 * `root` defaults to the one stored with the event; pass the chain's to check against the chain.
 */
export function verifyFixityEvent(event: FixityEvent, root: string | undefined = event.anchor?.root): FixityEventCheck {
  const canonical = canonicalize(event.result) === event.canonical;
  const leaf = leafHash(Buffer.from(event.canonical, 'utf8'));
  const leafOk = event.leafHash !== null && toHex(leaf) === event.leafHash;
  const inclusion =
    root !== undefined &&
    event.anchor !== null &&
    verifyInclusion(leaf, event.result.index, event.anchor.count, event.proof, root);
  return { canonical, leafHash: leafOk, inclusion, ok: canonical && leafOk && inclusion };
}
