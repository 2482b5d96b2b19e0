import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './errors.js';

/**
 * The node's settings. Every setting is one environment variable with a documented default, parsed and
 * validated once at start (`loadConfig`) and printed with secrets masked (`describeConfig`).
 *
 * To add a setting, add one line to `SETTINGS`: its key becomes a typed, read-only field of `Config`.
 * An empty variable counts as unset. Fabric settings keep the fabric-samples names.
 */
export const CID_PROFILES = ['kubo-v1', 'kubo-legacy', 'unixfs-v1-2025'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
// A DNS name, a bracketed IPv6 literal, or a bare IPv6 literal (IPv4 literals match the DNS form).
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]+)$/;

const SETTINGS = {
  home: setting('SHULIAN_HOME', './.shulian', "the node's home: identities, content, ledger, index", absolutePath()),
  ledger: setting('SHULIAN_LEDGER', 'embedded', 'ledger adapter', oneOf(['embedded', 'fabric'])),
  content: setting('SHULIAN_CONTENT', 'embedded', 'content store adapter', oneOf(['embedded', 'kubo'])),
  orgMsp: setting('SHULIAN_ORG_MSP', 'JilinLibraryMSP', "this library's organisation (MSP id)", mspId()),
  nationalMsp: setting('SHULIAN_NATIONAL_MSP', 'NLCMSP', "the national library's MSP id", mspId()),
  identity: setting('SHULIAN_IDENTITY', 'operator', 'identity of the home the CLI acts as', name()),
  cidProfile: setting('SHULIAN_CID_PROFILE', 'kubo-v1', 'CID profile for new content', oneOf(CID_PROFILES)),
  gatewayHost: setting('SHULIAN_GATEWAY_HOST', '127.0.0.1', 'gateway listen address', host()),
  gatewayPort: setting('SHULIAN_GATEWAY_PORT', '8443', 'gateway listen port (0 = ephemeral)', integer(0, 65535)),
  logLevel: setting('SHULIAN_LOG_LEVEL', 'info', 'log level', oneOf(LOG_LEVELS)),
  blockMaxTx: setting('SHULIAN_BLOCK_MAX_TX', '500', 'embedded ledger: transactions per block', integer(1, 100_000)),
  blockTimeoutMs: setting(
    'SHULIAN_BLOCK_TIMEOUT_MS',
    '10',
    'embedded ledger: block cut timeout (ms)',
    integer(0, 60_000),
  ),
  ingestConcurrency: setting('SHULIAN_INGEST_CONCURRENCY', '4', 'ingest: files processed in parallel', integer(1, 256)),
  channelName: setting('CHANNEL_NAME', 'smartlibrary', 'Fabric channel', channelName()),
  chaincodeName: setting('CHAINCODE_NAME', 'shulian', 'Fabric chaincode name', chaincodeName()),
  mspId: setting(
    'MSP_ID',
    (earlier) => earlier.orgMsp as string | undefined,
    'Fabric client MSP id (default: SHULIAN_ORG_MSP)',
    mspId(),
  ),
  peerEndpoint: setting('PEER_ENDPOINT', 'localhost:7051', 'Fabric peer gRPC endpoint (host:port)', endpoint()),
  peerHostAlias: setting('PEER_HOST_ALIAS', 'peer0.jilin.library.cn', 'TLS host name of the peer', host()),
  tlsCertPath: setting('TLS_CERT_PATH', '', "peer's TLS CA certificate (default: from SHULIAN_HOME)", optionalPath()),
  certPath: setting('CERT_PATH', '', 'client certificate (default: SHULIAN_IDENTITY in SHULIAN_HOME)', optionalPath()),
  keyDirectoryPath: setting(
    'KEY_DIRECTORY_PATH',
    '',
    'client private key directory (default: as CERT_PATH)',
    optionalPath(),
  ),
  kuboApi: setting('KUBO_API', 'http://127.0.0.1:5001', 'Kubo RPC API URL', httpUrl()),
  clusterApi: setting('CLUSTER_API', '', 'IPFS Cluster REST API URL (empty = no cluster)', optional(httpUrl())),
  clusterReplication: setting('CLUSTER_REPLICATION', '2', 'IPFS Cluster replication factor', integer(1, 100)),
  clusterBasicAuth: setting(
    'CLUSTER_BASIC_AUTH',
    '',
    'IPFS Cluster basic auth (user:password)',
    optional(basicAuth()),
    { secret: true },
  ),
  fixityInterval: setting(
    'SHULIAN_FIXITY_INTERVAL',
    '24h',
    'fixity audits: time between scheduled runs (e.g. 90m, 24h, 7d; 0 = off)',
    duration(),
  ),
  fixitySample: setting(
    'SHULIAN_FIXITY_SAMPLE',
    '0.1',
    'fixity audits: fraction of stored versions each scheduled run re-hashes (0 < F <= 1; 1 = all)',
    fraction(),
  ),
  chromium: setting(
    'SHULIAN_CHROMIUM',
    '/usr/bin/chromium',
    'Chromium executable that prints `shulian audit report` to PDF (Debian: apt-get install chromium)',
    absolutePath(),
  ),
  chaincodeDir: setting(
    'SHULIAN_CHAINCODE_DIR',
    () => findChaincodeDir() ?? '',
    'chaincode package directory',
    optional(directory()),
  ),
} as const;

type Settings = typeof SETTINGS;

export type Config = { readonly [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never };

export type Env = Readonly<Record<string, string | undefined>>;

/** A setting as listed by `listSettings`, for help texts and documentation. */
export interface SettingInfo {
  readonly key: keyof Config;
  readonly env: string;
  readonly default: string;
  readonly description: string;
  readonly secret: boolean;
}

/**
 * Reads and validates every setting. Throws one ConfigError listing every invalid variable and what it
 * expects (`details.problems`), so that a bad start names everything to fix at once.
 */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const config: Record<string, unknown> = {};
  const problems: { variable: string; expected: string; value?: string }[] = [];
  for (const [key, s] of entries()) {
    const given = (env[s.env] ?? '').trim();
    const text = given !== '' ? given : typeof s.default === 'function' ? s.default(config) : s.default;
    // a derived default whose source is invalid: that source's problem is already reported
    if (text === undefined) continue;
    try {
      config[key] = s.parse(text);
    } catch (err) {
      if (!(err instanceof Expected)) throw err;
      problems.push({ variable: s.env, expected: err.message, ...(s.secret ? {} : { value: text }) });
    }
  }
  if (problems.length > 0) {
    const lines = problems.map(
      (p) => `${p.variable}: expected ${p.expected}${p.value === undefined ? '' : `, got "${p.value}"`}`,
    );
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`, { details: { problems } });
  }
  return Object.freeze(config) as Config;
}

/** `NAME=value  (description)` for every setting, secrets shown as `****`. */
export function describeConfig(config: Readonly<Config>): string[] {
  return entries().map(([key, s]) => `${s.env}=${display(s, config[key])}  (${s.description})`);
}

/** Environment name to effective value, secrets masked: the JSON form of `describeConfig`. */
export function maskedConfig(config: Readonly<Config>): Record<string, string | number> {
  return Object.fromEntries(
    entries().map(([key, s]) => {
      const value = config[key];
      return [s.env, typeof value === 'number' ? value : display(s, value)];
    }),
  );
}

export function listSettings(): SettingInfo[] {
  return entries().map(([key, s]) => ({
    key,
    env: s.env,
    default: typeof s.default === 'function' ? '(derived)' : s.default,
    description: s.description,
    secret: s.secret,
  }));
}

function entries(): [keyof Config, Setting<unknown>][] {
  return Object.entries(SETTINGS) as [keyof Config, Setting<unknown>][];
}

function display(s: Setting<unknown>, value: unknown): string {
  if (value === undefined || value === '') return '';
  return s.secret ? '****' : String(value);
}

// ---- setting definitions -------------------------------------------------------------------------------

interface Setting<T> {
  readonly env: string;
  /**
   * The text used when the variable is unset, parsed like a given value; or a function of the settings
   * listed before this one (undefined when those are invalid).
   */
  readonly default: string | ((earlier: Readonly<Record<string, unknown>>) => string | undefined);
  readonly description: string;
  readonly parse: (text: string) => T;
  readonly secret: boolean;
}

function setting<T>(
  env: string,
  defaultValue: Setting<T>['default'],
  description: string,
  parse: (text: string) => T,
  options: { readonly secret?: boolean } = {},
): Setting<T> {
  return { env, default: defaultValue, description, parse, secret: options.secret ?? false };
}

/** Thrown by parsers; the message completes "expected ...". */
class Expected extends Error {}

function oneOf<const V extends readonly string[]>(values: V): (text: string) => V[number] {
  return (text) => {
    if (!values.includes(text)) throw new Expected(`one of ${values.join(' | ')}`);
    return text as V[number];
  };
}

function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Expected(`an integer from ${min} to ${max}`);
    return n;
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `0`, or a whole number with a unit (ms, s, m, h, d), to milliseconds; at most 365 days. */
function duration(): (text: string) => number {
  return (text) => {
    if (text === '0') return 0;
    const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text);
    const ms = match ? Number(match[1]) * (DURATION_UNITS[match[2] as string] as number) : NaN;
    if (!(ms > 0) || ms > 365 * 86_400_000)
      throw new Expected('0 (off) or a duration such as 90s, 30m, 24h, 7d (at most 365d)');
    return ms;
  };
}

/** A fraction 0 < F <= 1, as a decimal number. */
function fraction(): (text: string) => number {
  return (text) => {
    const n = /^(?:0|1)?(?:\.\d+)?$/.test(text) && text !== '' && text !== '.' ? Number(text) : NaN;
    if (!(n > 0 && n <= 1)) throw new Expected('a fraction greater than 0 and at most 1, e.g. 0.1');
    return n;
  };
}

function absolutePath(): (text: string) => string {
  return (text) => {
    if (text.includes('\0')) throw new Expected('a file system path');
    return resolve(text);
  };
}

function optionalPath(): (text: string) => string | undefined {
  return optional(absolutePath());
}

function directory(): (text: string) => string {
  const toPath = absolutePath();
  return (text) => {
    const path = toPath(text);
    if (!existsSync(path) || !statSync(path).isDirectory()) throw new Expected('an existing directory');
    return path;
  };
}

/** Empty text means "not set": the field is `undefined`. */
function optional<T>(parse: (text: string) => T): (text: string) => T | undefined {
  return (text) => (text === '' ? undefined : parse(text));
}

function matching(pattern: RegExp, expected: string): (text: string) => string {
  return (text) => {
    if (!pattern.test(text)) throw new Expected(expected);
    return text;
  };
}

function mspId(): (text: string) => string {
  return matching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an MSP id (letters, digits, ".", "_", "-")');
}

function name(): (text: string) => string {
  return matching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name (letters, digits, ".", "_", "-")');
}

// Fabric's own rules: channel names as in configtx validation, chaincode names as in the lifecycle.
function channelName(): (text: string) => string {
  return matching(/^[a-z][a-z0-9.-]{0,248}$/, 'a Fabric channel name (lowercase letters, digits, ".", "-")');
}

function chaincodeName(): (text: string) => string {
  return matching(/^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/, 'a Fabric chaincode name (letters, digits, "-", "_")');
}

function host(): (text: string) => string {
  return matching(HOST, 'a host name or IP address');
}

function endpoint(): (text: string) => string {
  const port = integer(1, 65535);
  return (text) => {
    const at = text.lastIndexOf(':');
    const hostPart = text.slice(0, at);
    if (at <= 0 || !HOST.test(hostPart)) throw new Expected('host:port');
    try {
      port(text.slice(at + 1));
    } catch {
      throw new Expected('host:port with a port from 1 to 65535');
    }
    return text;
  };
}

function httpUrl(): (text: string) => string {
  return (text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Expected('an http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Expected('an http:// or https:// URL');
    if (url.username || url.password) throw new Expected('a URL without credentials (use the *_BASIC_AUTH setting)');
    return text.replace(/\/+$/, '');
  };
}

function basicAuth(): (text: string) => string {
  return matching(/^[^:\s]+:\S+$/, 'user:password');
}

/**
 * The chaincode package sits next to `node/` in the repository. Walking up from this module's own file
 * finds it from the sources (node/core/config.ts under tsx) and from the build (node/dist/core/config.js).
 */
function findChaincodeDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'chaincode', 'package.json'))) return join(dir, 'chaincode');
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
