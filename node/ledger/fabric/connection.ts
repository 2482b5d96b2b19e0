import { X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { GrpcClient } from '@hyperledger/fabric-gateway';
import { ConfigError } from '../../core/errors.js';
import { signingIdentity } from '../../identity/index.js';
import type { SigningIdentity } from '../../identity/types.js';
import type { Ledger } from '../types.js';
import { FabricLedger, type FabricDeadlines } from './ledger.js';
import type { RetryPolicy } from './retry.js';

export interface FabricConnectionOptions {
  /** PEER_ENDPOINT, host:port. */
  readonly endpoint: string;
  /** PEER_HOST_ALIAS: the name in the peer's TLS certificate when it differs from the endpoint host. */
  readonly hostAlias?: string;
  /** The peer's TLS CA certificate (TLS_CERT_PATH). Without it the connection is plaintext. */
  readonly tlsCaCertPem?: string;
  /** mTLS client key pair, when the peer requires client authentication. */
  readonly tlsClient?: { readonly certPem: string; readonly keyPem: string };
  readonly channel: string;
  readonly chaincode: string;
  readonly deadlines?: Partial<FabricDeadlines>;
  readonly retry?: Partial<RetryPolicy>;
  readonly eventRetry?: Partial<RetryPolicy>;
  /** A ready gRPC client (tests); `endpoint` is then only used in messages. */
  readonly client?: GrpcClient;
}

/** One gRPC connection to a gateway peer; `connect` binds a Ledger to a signing identity over it. */
export interface FabricConnection {
  readonly endpoint: string;
  readonly channel: string;
  readonly chaincode: string;
  connect(signing: SigningIdentity): Ledger;
  close(): Promise<void>;
}

export function openFabricConnection(options: Readonly<FabricConnectionOptions>): FabricConnection {
  const client = options.client ?? newGrpcClient(options);
  const owned = options.client === undefined;
  const ledgers = new Set<Ledger>();
  let closed = false;
  return {
    endpoint: options.endpoint,
    channel: options.channel,
    chaincode: options.chaincode,
    connect(signing) {
      if (closed) throw new ConfigError('the Fabric connection is closed');
      const ledger = new FabricLedger({
        client,
        signing,
        channel: options.channel,
        chaincode: options.chaincode,
        endpoint: options.endpoint,
        ...(options.deadlines ? { deadlines: options.deadlines } : {}),
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.eventRetry ? { eventRetry: options.eventRetry } : {}),
      });
      ledgers.add(ledger);
      return ledger;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const l of ledgers) await l.close();
      if (owned) (client as grpc.Client).close();
    },
  };
}

function newGrpcClient(options: Readonly<FabricConnectionOptions>): grpc.Client {
  const credentials =
    options.tlsCaCertPem === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(
          Buffer.from(options.tlsCaCertPem),
          options.tlsClient ? Buffer.from(options.tlsClient.keyPem) : null,
          options.tlsClient ? Buffer.from(options.tlsClient.certPem) : null,
        );
  return new grpc.Client(options.endpoint, credentials, {
    ...(options.hostAlias ? { 'grpc.ssl_target_name_override': options.hostAlias } : {}),
    'grpc.keepalive_time_ms': 120_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
  });
}

/**
 * Loads a client identity the way fabric-samples applications do: CERT_PATH is the certificate file
 * (or a signcerts/ directory holding one), KEY_DIRECTORY_PATH the directory holding its private key.
 * A certificate that is not valid now, or a key that does not match it, is refused here, naming the
 * variable, rather than by the peer with a vaguer message.
 */
export async function loadClientIdentity(
  options: Readonly<{ mspId: string; certPath: string; keyDirectoryPath: string; now?: Date }>,
): Promise<SigningIdentity & { readonly certPem: string }> {
  const certFile = await firstFile(options.certPath, 'CERT_PATH', (f) => f.endsWith('.pem') || f.endsWith('.crt'));
  const certPem = await readFile(certFile, 'utf8');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (cause) {
    throw new ConfigError(`CERT_PATH ${certFile} is not a PEM certificate`, {
      file: certFile,
      cause,
      details: { variable: 'CERT_PATH' },
    });
  }
  const now = options.now ?? new Date();
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    throw new ConfigError(
      `CERT_PATH ${certFile} is not valid now (valid ${cert.validFrom} to ${cert.validTo}); reenroll to get a new certificate`,
      {
        file: certFile,
        details: { variable: 'CERT_PATH' },
      },
    );
  }
  const keyDir = options.keyDirectoryPath;
  let names: string[];
  try {
    names = (await readdir(keyDir)).filter((f) => !f.startsWith('.')).sort();
  } catch (cause) {
    throw new ConfigError(`KEY_DIRECTORY_PATH ${keyDir} is not a readable directory`, {
      file: keyDir,
      cause,
      details: { variable: 'KEY_DIRECTORY_PATH' },
    });
  }
  for (const name of names) {
    const keyPem = await readFile(join(keyDir, name), 'utf8').catch(() => '');
    try {
      return { ...signingIdentity(options.mspId, certPem, keyPem), certPem };
    } catch {
      // not this one
    }
  }
  throw new ConfigError(`KEY_DIRECTORY_PATH ${keyDir} holds no private key matching ${certFile}`, {
    file: keyDir,
    details: { variable: 'KEY_DIRECTORY_PATH' },
  });
}

async function firstFile(path: string, variable: string, accept: (name: string) => boolean): Promise<string> {
  let s;
  try {
    s = await stat(path);
  } catch (cause) {
    throw new ConfigError(`${variable} ${path} does not exist`, { file: path, cause, details: { variable } });
  }
  if (s.isFile()) return path;
  const files = (await readdir(path)).filter(accept).sort();
  const first = files[0];
  if (first === undefined)
    throw new ConfigError(`${variable} ${path} holds no certificate (*.pem)`, { file: path, details: { variable } });
  return join(path, first);
}
