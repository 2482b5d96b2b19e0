import { readFile } from 'node:fs/promises';
import type { Config } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import type { SigningIdentity } from '../../identity/types.js';
import { loadClientIdentity, openFabricConnection, type FabricConnection } from './connection.js';

export interface FabricFromConfig {
  readonly connection: FabricConnection;
  /** The identity named by CERT_PATH / KEY_DIRECTORY_PATH, when both are set. */
  readonly identity?: SigningIdentity & { readonly certPem: string };
}

type FabricSettings = Pick<
  Config,
  | 'channelName'
  | 'chaincodeName'
  | 'mspId'
  | 'peerEndpoint'
  | 'peerHostAlias'
  | 'tlsCertPath'
  | 'certPath'
  | 'keyDirectoryPath'
>;

/**
 * Opens the connection described by the fabric-samples variables (CHANNEL_NAME, CHAINCODE_NAME, MSP_ID,
 * PEER_ENDPOINT, PEER_HOST_ALIAS, TLS_CERT_PATH, CERT_PATH, KEY_DIRECTORY_PATH), exactly as
 * network/scripts/network.sh writes them into network/.run/connection-<org>.env.
 */
export async function openFabricFromConfig(config: Readonly<FabricSettings>): Promise<FabricFromConfig> {
  let tlsCaCertPem: string | undefined;
  if (config.tlsCertPath) {
    try {
      tlsCaCertPem = await readFile(config.tlsCertPath, 'utf8');
    } catch (cause) {
      throw new ConfigError(`TLS_CERT_PATH ${config.tlsCertPath} cannot be read`, {
        file: config.tlsCertPath,
        cause,
        details: { variable: 'TLS_CERT_PATH' },
      });
    }
  }
  let identity: (SigningIdentity & { readonly certPem: string }) | undefined;
  if (config.certPath) {
    if (!config.keyDirectoryPath)
      throw new ConfigError('CERT_PATH is set but KEY_DIRECTORY_PATH is not', {
        details: { variable: 'KEY_DIRECTORY_PATH' },
      });
    identity = await loadClientIdentity({
      mspId: config.mspId,
      certPath: config.certPath,
      keyDirectoryPath: config.keyDirectoryPath,
    });
  }
  const connection = openFabricConnection({
    endpoint: config.peerEndpoint,
    ...(config.peerHostAlias ? { hostAlias: config.peerHostAlias } : {}),
    ...(tlsCaCertPem === undefined ? {} : { tlsCaCertPem }),
    channel: config.channelName,
    chaincode: config.chaincodeName,
  });
  return identity ? { connection, identity } : { connection };
}
