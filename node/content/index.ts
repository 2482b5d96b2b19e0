export type {
  CidProfileName,
  ContentStat,
  ContentStore,
  ExpectedContent,
  GetOptions,
  LentChunk,
  PutFileOptions,
  PutOptions,
  PutResult,
  VerifyReport,
} from './types.js';
export { CID_PROFILE_NAMES, DEFAULT_CID_PROFILE, cidProfile, isCidProfileName, type CidProfile } from './profiles.js';
export { computeCid, computeFileCid } from './compute.js';
export {
  embeddedContentStore,
  type EmbeddedContentStore,
  type EmbeddedContentStoreOptions,
  type GcReport,
} from './embedded/store.js';
export { kuboContentStore, type KuboContentStoreOptions } from './kubo/store.js';
export type { ClusterOptions } from './kubo/cluster.js';
