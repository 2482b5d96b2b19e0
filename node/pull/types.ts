import type { CidProfileName } from '../content/types.js';
import type { ProofBundle } from '../ledger/types.js';

/** A version as the chain records it, after the chain verifier has checked the evidence. */
export interface VerifiedVersion {
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly cidProfile: CidProfileName;
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
  readonly txId: string;
  readonly blockNumber: number;
  /** The channel the record is on (where the receipt goes). */
  readonly channel: string;
}

/** The parts of a gateway manifest (GET /v1/resources/{id}/versions/{v}) the pull reads. */
export interface VersionManifest {
  readonly resourceId: string;
  readonly version: number;
  readonly status: 'active' | 'withdrawn';
  readonly record: Readonly<Record<string, unknown>>;
  readonly placement: { readonly txId: string; readonly blockNumber: number };
  readonly proof: ProofBundle;
  readonly access: {
    readonly reproduce: { readonly authorized: boolean; readonly rightsId: string | null; readonly reason: string };
  };
  readonly links: { readonly content: string };
}

/**
 * Where the pull learns what the chain says about a version. Embedded mode: the manifest's proof bundle,
 * verified offline against the pinned consortium CA certificates (proofBundleVerifier). In a consortium
 * the warehouse asks its own Fabric peer instead (GetVersion through its ledger connection): the same
 * interface, another implementation. Never trusts the manifest's own `record` field.
 */
export interface ChainVerifier {
  /** Throws a VerificationFailure naming what does not hold. */
  verifyVersion(manifest: Readonly<VersionManifest>): Promise<VerifiedVersion>;
}

export type FailureKind = 'verification' | 'refused' | 'transport' | 'receipt';

export interface PulledItem {
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly size: number;
  readonly bytesDownloaded: number;
  readonly resumedFrom: number;
  readonly receiptTxId: string;
}

export interface SkippedItem {
  readonly resourceId: string;
  readonly version: number;
  readonly reason: 'already-received' | 'withdrawn' | 'not-authorized';
  readonly detail?: string;
}

export interface FailedItem {
  readonly resourceId: string;
  readonly version: number;
  readonly kind: FailureKind;
  readonly reason: string;
  /** Verification failures: the reason file under <home>/quarantine/ (the bytes received, if any, are beside it as .bin). */
  readonly quarantined?: string;
}

export interface PullReport {
  readonly from: string;
  readonly pulled: readonly PulledItem[];
  readonly skipped: readonly SkippedItem[];
  readonly failed: readonly FailedItem[];
  /** Bytes received from the gateway in this run. */
  readonly bytes: number;
  /** Changes examined in this run. */
  readonly changes: number;
  /** The stored checkpoint (changes-feed cursor) after the run. */
  readonly cursor: string | null;
}

export type PullEvent =
  | { readonly type: 'page'; readonly versions: number; readonly bytes: number }
  | { readonly type: 'bytes'; readonly bytes: number }
  | {
      readonly type: 'item';
      readonly outcome: 'pulled' | 'skipped' | 'failed';
      readonly resourceId: string;
      readonly version: number;
      readonly detail: string;
    };
