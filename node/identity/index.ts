/**
 * X.509 identities for Shulian, as Fabric sees them: a development CA issuing ECDSA P-256 certificates
 * that carry Fabric CA's attribute extension (so chaincode reads `shulian.role` exactly as on a peer),
 * MSP folders in cryptogen's layout, fabric-gateway signers, chain verification, and the development
 * consortium written by `shulian init` (layout: see README.md in this folder).
 */
export type { Identity, MessageSigner, SignOptions, Signer, SigningIdentity } from './types.js';
export { createDevCa, loadDevCa, IDENTITY_KINDS } from './ca.js';
export type { DevCa, IssueOptions, IssuedCert, IdentityKind, CreateDevCaOptions, LoadDevCaOptions } from './ca.js';
export { newMessageSigner, newSigner, signMessage, signingIdentity } from './signer.js';
export { writeMspFolder, writeOrgMspFolder, loadMspFolder, nodeOusConfig, MSP_FILES } from './msp.js';
export type { MspMaterial, LoadedMsp } from './msp.js';
export { clientIdentityAttributes, encodeFabricAttributes, FABRIC_ATTRS_OID, ROLE_ATTRIBUTE } from './attributes.js';
export { verifyCertChain } from './verify.js';
export type { ChainVerification } from './verify.js';
export {
  initConsortium,
  consortiumLayout,
  readConsortiumLayout,
  consortiumFiles,
  findIdentity,
  USER_ROLES,
  DEFAULT_PROVINCE_MSP,
  DEFAULT_NATIONAL_MSP,
} from './consortium.js';
export type {
  ConsortiumLayout,
  ConsortiumInit,
  ConsortiumOptions,
  InitConsortiumOptions,
  OrgLayout,
  IdentityLayout,
  TlsFiles,
  UserRole,
} from './consortium.js';
export {
  enrollIdentity,
  registerIdentity,
  reenrollIdentity,
  revokeIdentity,
  registrarFromMsp,
  IDENTITY_TYPES,
  ROLES,
} from './fabric-ca.js';
export type { CaEndpoint, EnrolledIdentity, IdentityType, Registrar } from './fabric-ca.js';
export { handOverNationalIdentity } from './hand-over.js';
export type { HandOverOptions, HandOverResult } from './hand-over.js';
