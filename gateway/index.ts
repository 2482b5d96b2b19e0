/**
 * The Shulian transfer gateway: REST under /v1 (OpenAPI 3.1 at /v1/openapi.json), behind HTTPS with
 * mutual TLS. `createGatewayApp` builds the request handler from the node's parts; `startGateway` serves it.
 */
export { createGatewayApp, type GatewayApp } from './src/app.js';
export {
  startGateway,
  DEFAULT_TIMEOUTS,
  type StartGatewayOptions,
  type RunningGateway,
  type GatewayTls,
  type GatewayTimeouts,
} from './src/server.js';
export {
  startNodeGateway,
  gatewayFiles,
  loadCursorKey,
  type StartNodeGatewayOptions,
  type GatewayNode,
} from './src/node-gateway.js';
export { DEFAULT_LIMITS, type GatewayDeps, type GatewayLimits, type IntegrityAlert } from './src/deps.js';
export { openIntegrityAlerts, memoryAlerts, type IntegrityAlerts } from './src/alerts.js';
export type { GatewayIndex, GatewayLedger, GatewayContent, Action, Position } from './src/ports.js';
export { OPENAPI_DOCUMENT, RESOURCE_ID_PATTERN } from './src/openapi.js';
export { createAjv, componentRef } from './src/request-validation.js';
export { createCursorCodec, type CursorCodec, type ChainPosition } from './src/cursor.js';
export {
  toProblem,
  problemTypes,
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_PREFIX,
  type ProblemDocument,
} from './src/problem.js';
export { parseRange, ifNoneMatchHits, ifRangeAllows, type ByteRange } from './src/range.js';
export {
  createGatewayMetrics,
  Counter,
  Histogram,
  Gauge,
  Registry,
  PROMETHEUS_CONTENT_TYPE,
  Sampled,
  registerFixityMetrics,
  type FixityMetricsSource,
} from './src/metrics.js';
export { identityFromCertificate, type ClientIdentity } from './src/client-identity.js';
export { createRevocationList, parseRevocationList, type RevocationList } from './src/revocation.js';
export { writeBag, type BagInput, type TagFile } from './src/bag.js';
export { verifiedStream, reprDigest } from './src/verify-stream.js';
export { watchIndex, type IndexWatch } from './src/index-watch.js';
