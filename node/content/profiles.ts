import { ContentError } from '../core/errors.js';
import type { CidProfileName } from './types.js';

/**
 * A CID profile: the exact UnixFS import parameters that make our DAG byte-identical to Kubo's for the
 * same bytes. One object per profile so that what our DAG builder uses (builder.ts) and the Kubo `add`
 * options can never drift apart.
 */
export interface CidProfile {
  readonly name: CidProfileName;
  readonly cidVersion: 0 | 1;
  /** true: leaves are `raw` blocks; false: leaves are dag-pb nodes holding UnixFS `file` data. */
  readonly rawLeaves: boolean;
  readonly chunkSize: number;
  /** Links per DAG node before the balanced layout adds a level. */
  readonly maxLinks: number;
  /** Options for Kubo's `add` RPC (kubo-rpc-client option names). */
  kuboAddOptions(): Readonly<Record<string, unknown>>;
}

function profile(
  name: CidProfileName,
  cidVersion: 0 | 1,
  rawLeaves: boolean,
  chunkSize: number,
  maxLinks: number,
): CidProfile {
  return Object.freeze({
    name,
    cidVersion,
    rawLeaves,
    chunkSize,
    maxLinks,
    kuboAddOptions(): Readonly<Record<string, unknown>> {
      return {
        cidVersion,
        rawLeaves,
        chunker: `size-${chunkSize}`,
        trickle: false,
        hashAlg: 'sha2-256',
        wrapWithDirectory: false,
        // Kubo ≥ 0.35 reads this flag (--max-file-links); older Kubo uses its fixed 174 and the CID check
        // below refuses a mismatch rather than recording a CID Kubo did not produce.
        maxFileLinks: maxLinks,
      };
    },
  });
}

const KIB = 1024;

/** `ipfs add --cid-version=1` (Kubo's CIDv1 defaults): raw leaves, 256 KiB chunks, 174 links. */
export const KUBO_V1 = profile('kubo-v1', 1, true, 256 * KIB, 174);
/** Plain `ipfs add` of Kubo ≤ 0.42 (IPIP-499 `unixfs-v0-2015`): CIDv0, dag-pb `file` leaves, 256 KiB, 174. */
export const KUBO_LEGACY = profile('kubo-legacy', 0, false, 256 * KIB, 174);
/** IPIP-499 `unixfs-v1-2025`: CIDv1, raw leaves, 1 MiB chunks, 1024 links. */
export const UNIXFS_V1_2025 = profile('unixfs-v1-2025', 1, true, 1024 * KIB, 1024);

export const CID_PROFILE_NAMES: readonly CidProfileName[] = Object.freeze(['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025']);
export const DEFAULT_CID_PROFILE: CidProfileName = 'kubo-v1';

const PROFILES: Readonly<Record<CidProfileName, CidProfile>> = Object.freeze({
  'kubo-v1': KUBO_V1,
  'kubo-legacy': KUBO_LEGACY,
  'unixfs-v1-2025': UNIXFS_V1_2025,
});

export function isCidProfileName(value: unknown): value is CidProfileName {
  return typeof value === 'string' && Object.hasOwn(PROFILES, value);
}

/** Resolves a profile name (undefined = the default); anything else is a ContentError naming the value. */
export function cidProfile(name: unknown = DEFAULT_CID_PROFILE, pointer = '/profile'): CidProfile {
  if (name === undefined) return PROFILES[DEFAULT_CID_PROFILE];
  if (!isCidProfileName(name)) {
    throw new ContentError(
      'UNKNOWN_PROFILE',
      `unknown CID profile ${JSON.stringify(name)}: expected one of ${CID_PROFILE_NAMES.join(', ')}`,
      { pointer, details: { value: typeof name === 'string' ? name : String(name), expected: CID_PROFILE_NAMES } },
    );
  }
  return PROFILES[name];
}
