import type { LocalIndex } from 'shulian/index';
import type { Ledger } from 'shulian/ledger';
import type { ContentStore } from 'shulian/content';

/**
 * What the gateway needs from the node: narrow slices of the node's ports, so that a Fabric ledger or a
 * Kubo store behind the same ports serves the same routes, and tests can hand in only what they use.
 */
export type Action = Parameters<LocalIndex['isAuthorized']>[0]['action'];
export type Authorization = ReturnType<LocalIndex['isAuthorized']>;
export type { Position, ChainPlacement, Change, ResourceView, VersionView, RightsView } from 'shulian/index';
export type { CidProfileName } from 'shulian/content';

export type GatewayIndex = Pick<
  LocalIndex,
  'getResource' | 'getVersion' | 'changesSince' | 'listRights' | 'isAuthorized' | 'getMetadata' | 'status'
>;
export type GatewayLedger = Pick<Ledger, 'submit' | 'height' | 'proof'>;
export type GatewayContent = Pick<ContentStore, 'put' | 'get' | 'has' | 'verify' | 'exportCar' | 'verifiesReads'> &
  Partial<Pick<ContentStore, 'lend'>>;
