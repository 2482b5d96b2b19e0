/**
 * The on-chain record types the index projects, mirrored from chaincode/src/records.ts (the contract),
 * because node/ compiles as its own project and cannot include the chaincode's CommonJS sources.
 * test/index/records.test.ts fails to type-check (`npx tsc -p .`) when the two drift apart.
 */
export const SCHEMA_VERSION = 1;

export type Role = 'operator' | 'rights-admin' | 'auditor' | 'warehouse';
export const ROLE_ATTRIBUTE = 'shulian.role';

export type CidProfile = 'kubo-v1' | 'kubo-legacy' | 'unixfs-v1-2025';

/** ODRL 2.2 actions. */
export type Action = 'reproduce' | 'distribute' | 'display' | 'play' | 'derive' | 'archive';
export type RightsBasis = 'copyright' | 'licence' | 'statute' | 'policy';

export interface VersionRef {
  readonly resourceId: string;
  readonly version: number;
}

export interface Resource {
  readonly schemaVersion: number;
  readonly docType: 'resource';
  readonly id: string;
  readonly owner: string; // MSP id
  readonly status: 'active' | 'withdrawn';
  readonly headVersion: number;
  readonly created: string;
  readonly updated: string;
}

export interface RegisterVersionInput {
  readonly resourceId: string; // [A-Za-z0-9][A-Za-z0-9._:-]{0,127}
  readonly cid: string;
  readonly cidProfile: CidProfile;
  readonly sha256: string; // 64 lowercase hex
  readonly sm3: string; // 64 lowercase hex
  readonly size: number; // safe integer >= 0
  readonly mediaType: string;
  readonly metadataHash: string; // sha256 hex of RFC 8785 canonical metadata JSON
  readonly metadataCid?: string;
  readonly derivedFrom?: readonly VersionRef[];
}

export interface ResourceVersion {
  readonly schemaVersion: number;
  readonly docType: 'version';
  readonly resourceId: string;
  readonly version: number; // 1, 2, ...
  readonly cid: string;
  readonly cidProfile: CidProfile;
  readonly sha256: string;
  readonly sm3: string;
  readonly size: number;
  readonly mediaType: string;
  readonly metadataHash: string;
  readonly metadataCid: string | null;
  /** sha256 hex of the stored bytes of the previous version record, null for version 1. */
  readonly previous: string | null;
  readonly derivedFrom: readonly VersionRef[];
  readonly owner: string;
  readonly submitter: { readonly mspId: string; readonly id: string }; // id = ClientIdentity.getID()
  readonly txId: string;
  readonly timestamp: string;
}

export interface Withdrawal {
  readonly schemaVersion: number;
  readonly docType: 'withdrawal';
  readonly resourceId: string;
  readonly reasonCode: string; // e.g. copyright-claim, error, duplicate, superseded, legal, other
  readonly note: string;
  readonly headVersion: number;
  readonly by: { readonly mspId: string; readonly id: string };
  readonly txId: string;
  readonly timestamp: string;
}

export interface AnchorBatchInput {
  readonly batchId: string;
  readonly root: string; // RFC 9162 Merkle root, 64 hex
  readonly count: number; // leaves
  readonly parent?: VersionRef;
  readonly kind?: string; // e.g. 'indexing-records', 'fixity-audit'
}

export interface Batch {
  readonly schemaVersion: number;
  readonly docType: 'batch';
  readonly batchId: string;
  readonly root: string;
  readonly count: number;
  readonly kind: string;
  readonly parent: VersionRef | null;
  readonly owner: string;
  readonly txId: string;
  readonly timestamp: string;
}

export interface RightsTarget {
  readonly type: 'resource' | 'batch' | 'collection'; // collection: id = owner MSP id
  readonly id: string;
}

export interface RightsConstraints {
  readonly notBefore: string; // ISO-8601
  readonly notAfter: string | null; // null = no end
  readonly territory?: string; // ISO 3166 code, e.g. CN
  readonly purpose?: string;
}

export interface GrantRightsInput {
  readonly rightsId: string;
  readonly target: RightsTarget;
  readonly rightsholder: string;
  readonly assignee: string; // an org MSP id, or 'public'
  readonly actions: readonly Action[];
  readonly constraints: RightsConstraints;
  readonly basis: RightsBasis;
  readonly licenceDigest?: string; // sha256 hex of the licence document
}

export interface Rights {
  readonly schemaVersion: number;
  readonly docType: 'rights';
  readonly rightsId: string;
  readonly target: RightsTarget;
  readonly rightsholder: string;
  readonly assigner: string; // licensor org MSP id
  readonly assignee: string;
  readonly actions: readonly Action[];
  readonly constraints: RightsConstraints;
  readonly basis: RightsBasis;
  readonly licenceDigest: string | null;
  /** sha256 hex of the confidential terms kept in the private data collection, if any. */
  readonly termsDigest: string | null;
  readonly status: 'granted' | 'revoked';
  readonly reason: string | null;
  readonly grantedTxId: string;
  readonly granted: string;
  readonly revokedTxId: string | null;
  readonly revoked: string | null;
}

export interface RecordReceiptInput {
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly sha256: string;
  readonly sm3: string;
}

export interface Receipt {
  readonly schemaVersion: number;
  readonly docType: 'receipt';
  readonly resourceId: string;
  readonly version: number;
  readonly cid: string;
  readonly sha256: string;
  readonly sm3: string;
  readonly warehouse: string; // MSP id
  readonly by: { readonly mspId: string; readonly id: string };
  readonly txId: string;
  readonly timestamp: string;
}

export interface Authorization {
  readonly authorized: boolean;
  readonly rightsId: string | null;
  readonly reason: string;
}

export interface Page<T> {
  readonly records: readonly T[];
  readonly bookmark: string;
  readonly fetchedRecordsCount: number;
}

export interface HistoryEntry {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
}

export const EVENTS = {
  resourceRegistered: 'ResourceRegistered',
  resourceWithdrawn: 'ResourceWithdrawn',
  batchAnchored: 'BatchAnchored',
  rightsGranted: 'RightsGranted',
  rightsRevoked: 'RightsRevoked',
  receiptRecorded: 'ReceiptRecorded',
} as const;
