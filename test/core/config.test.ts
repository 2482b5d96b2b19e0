import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  describeConfig,
  listSettings,
  loadConfig,
  maskedConfig,
  type Env,
} from '../../node/core/index.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('core/config', () => {
  it('defaults', () => {
    const config = loadConfig({});
    expect(config).to.deep.include({
      home: resolve('.shulian'),
      ledger: 'embedded',
      content: 'embedded',
      orgMsp: 'JilinLibraryMSP',
      nationalMsp: 'NLCMSP',
      identity: 'operator',
      cidProfile: 'kubo-v1',
      gatewayHost: '127.0.0.1',
      gatewayPort: 8443,
      logLevel: 'info',
      blockMaxTx: 500,
      blockTimeoutMs: 10,
      ingestConcurrency: 4,
      channelName: 'smartlibrary',
      chaincodeName: 'shulian',
      mspId: 'JilinLibraryMSP',
      peerEndpoint: 'localhost:7051',
      peerHostAlias: 'peer0.jilin.library.cn',
      tlsCertPath: undefined,
      certPath: undefined,
      keyDirectoryPath: undefined,
      kuboApi: 'http://127.0.0.1:5001',
      clusterApi: undefined,
      clusterReplication: 2,
      clusterBasicAuth: undefined,
    });
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('finds the chaincode package by walking up from its own module', () => {
    const config = loadConfig({});
    expect(config.chaincodeDir).to.equal(join(REPO, 'chaincode'));
    expect(existsSync(join(config.chaincodeDir as string, 'package.json'))).to.equal(true);
  });

  it('overrides, trimmed, with paths resolved to absolute and URLs without a trailing slash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shulian-config-'));
    try {
      const config = loadConfig({
        SHULIAN_HOME: 'some/home',
        SHULIAN_LEDGER: 'fabric',
        SHULIAN_CONTENT: ' kubo ',
        SHULIAN_ORG_MSP: 'GuangdongLibraryMSP',
        SHULIAN_CID_PROFILE: 'unixfs-v1-2025',
        SHULIAN_GATEWAY_HOST: '::1',
        SHULIAN_GATEWAY_PORT: '0',
        SHULIAN_LOG_LEVEL: 'debug',
        SHULIAN_BLOCK_MAX_TX: '32',
        CHANNEL_NAME: 'other-channel',
        PEER_ENDPOINT: 'peer0.org1.example.com:7051',
        TLS_CERT_PATH: '/etc/fabric/tls/ca.crt',
        CERT_PATH: 'relative/cert.pem',
        KUBO_API: 'https://kubo.example.org:5001/',
        CLUSTER_API: 'http://127.0.0.1:9094',
        CLUSTER_REPLICATION: '3',
        CLUSTER_BASIC_AUTH: 'admin:s3cret',
        SHULIAN_CHAINCODE_DIR: dir,
      });
      expect(config.home).to.equal(resolve('some/home'));
      expect(config.ledger).to.equal('fabric');
      expect(config.content).to.equal('kubo');
      expect(config.mspId, 'MSP_ID follows SHULIAN_ORG_MSP').to.equal('GuangdongLibraryMSP');
      expect(config.cidProfile).to.equal('unixfs-v1-2025');
      expect(config.gatewayHost).to.equal('::1');
      expect(config.gatewayPort).to.equal(0);
      expect(config.logLevel).to.equal('debug');
      expect(config.blockMaxTx).to.equal(32);
      expect(config.channelName).to.equal('other-channel');
      expect(config.peerEndpoint).to.equal('peer0.org1.example.com:7051');
      expect(config.tlsCertPath).to.equal('/etc/fabric/tls/ca.crt');
      expect(config.certPath).to.equal(resolve('relative/cert.pem'));
      expect(config.kuboApi).to.equal('https://kubo.example.org:5001');
      expect(config.clusterApi).to.equal('http://127.0.0.1:9094');
      expect(config.clusterReplication).to.equal(3);
      expect(config.clusterBasicAuth).to.equal('admin:s3cret');
      expect(config.chaincodeDir).to.equal(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an explicit MSP_ID wins over SHULIAN_ORG_MSP; an empty variable counts as unset', () => {
    expect(loadConfig({ SHULIAN_ORG_MSP: 'AMSP', MSP_ID: 'BMSP' }).mspId).to.equal('BMSP');
    expect(loadConfig({ SHULIAN_GATEWAY_PORT: '', SHULIAN_LEDGER: '  ' })).to.deep.include({
      gatewayPort: 8443,
      ledger: 'embedded',
    });
  });

  describe('invalid values: a ConfigError naming the variable and what it expects', () => {
    const cases: [string, string, RegExp][] = [
      ['SHULIAN_LEDGER', 'besu', /SHULIAN_LEDGER: expected one of embedded \| fabric, got "besu"/],
      ['SHULIAN_CONTENT', 'EMBEDDED', /SHULIAN_CONTENT: expected one of embedded \| kubo/],
      ['SHULIAN_CID_PROFILE', 'cidv2', /SHULIAN_CID_PROFILE: expected one of kubo-v1 \| kubo-legacy \| unixfs-v1-2025/],
      ['SHULIAN_LOG_LEVEL', 'verbose', /SHULIAN_LOG_LEVEL: expected one of fatal \| error/],
      ['SHULIAN_GATEWAY_PORT', '65536', /SHULIAN_GATEWAY_PORT: expected an integer from 0 to 65535, got "65536"/],
      ['SHULIAN_GATEWAY_PORT', '80x', /SHULIAN_GATEWAY_PORT: expected an integer/],
      ['SHULIAN_GATEWAY_PORT', '-1', /SHULIAN_GATEWAY_PORT: expected an integer/],
      ['SHULIAN_GATEWAY_PORT', '1e3', /SHULIAN_GATEWAY_PORT: expected an integer/],
      ['SHULIAN_BLOCK_MAX_TX', '0', /SHULIAN_BLOCK_MAX_TX: expected an integer from 1/],
      ['SHULIAN_BLOCK_TIMEOUT_MS', '1.5', /SHULIAN_BLOCK_TIMEOUT_MS: expected an integer from 0/],
      ['SHULIAN_INGEST_CONCURRENCY', 'many', /SHULIAN_INGEST_CONCURRENCY: expected an integer/],
      ['CLUSTER_REPLICATION', '0', /CLUSTER_REPLICATION: expected an integer from 1/],
      ['SHULIAN_ORG_MSP', 'Jilin Library', /SHULIAN_ORG_MSP: expected an MSP id/],
      ['SHULIAN_NATIONAL_MSP', '-NLC', /SHULIAN_NATIONAL_MSP: expected an MSP id/],
      ['MSP_ID', 'a/b', /MSP_ID: expected an MSP id/],
      ['SHULIAN_IDENTITY', '../admin', /SHULIAN_IDENTITY: expected a name/],
      ['SHULIAN_GATEWAY_HOST', 'no host', /SHULIAN_GATEWAY_HOST: expected a host name or IP address/],
      ['PEER_HOST_ALIAS', 'peer0_.x', /PEER_HOST_ALIAS: expected a host name/],
      ['PEER_ENDPOINT', 'localhost', /PEER_ENDPOINT: expected host:port/],
      ['PEER_ENDPOINT', 'localhost:0', /PEER_ENDPOINT: expected host:port with a port from 1 to 65535/],
      ['CHANNEL_NAME', 'SmartLibrary', /CHANNEL_NAME: expected a Fabric channel name/],
      ['CHAINCODE_NAME', 'shu lian', /CHAINCODE_NAME: expected a Fabric chaincode name/],
      ['KUBO_API', 'localhost:5001', /KUBO_API: expected an http:\/\/ or https:\/\/ URL/],
      ['KUBO_API', 'ftp://host', /KUBO_API: expected an http:\/\/ or https:\/\/ URL/],
      ['CLUSTER_API', 'http://u:p@host:9094', /CLUSTER_API: expected a URL without credentials/],
      [
        'SHULIAN_CHAINCODE_DIR',
        '/nonexistent/shulian/chaincode',
        /SHULIAN_CHAINCODE_DIR: expected an existing directory/,
      ],
    ];
    for (const [variable, value, pattern] of cases) {
      it(`${variable}=${value}`, () => {
        const err = configError({ [variable]: value });
        expect(err.code).to.equal('CONFIG');
        expect(err.message).to.match(pattern);
        const problems = err.details?.problems as { variable: string; value: string }[];
        expect(problems).to.have.length(1);
        expect(problems[0]).to.include({ variable, value });
      });
    }

    it('lists every invalid variable at once', () => {
      const err = configError({ SHULIAN_LEDGER: 'x', SHULIAN_GATEWAY_PORT: 'y' });
      expect(err.message).to.match(/SHULIAN_LEDGER: .*; SHULIAN_GATEWAY_PORT: /);
      expect((err.details?.problems as unknown[]).length).to.equal(2);
    });

    it('never echoes a secret value', () => {
      const err = configError({ CLUSTER_BASIC_AUTH: 'password-without-user' });
      expect(err.message).to.equal('invalid configuration: CLUSTER_BASIC_AUTH: expected user:password');
      expect(JSON.stringify(err.toJSON())).not.to.contain('password-without-user');
    });
  });

  describe('describeConfig and maskedConfig', () => {
    it('prints NAME=value  (description) for every setting, secrets masked', () => {
      const lines = describeConfig(loadConfig({ CLUSTER_BASIC_AUTH: 'admin:s3cret', SHULIAN_GATEWAY_PORT: '9000' }));
      expect(lines).to.have.length(listSettings().length);
      expect(lines).to.include('SHULIAN_GATEWAY_PORT=9000  (gateway listen port (0 = ephemeral))');
      expect(lines).to.include('CLUSTER_BASIC_AUTH=****  (IPFS Cluster basic auth (user:password))');
      expect(lines.find((l) => l.startsWith('CLUSTER_API='))).to.match(/^CLUSTER_API= {2}\(/);
      expect(lines.join('\n')).not.to.contain('s3cret');
      for (const line of lines) expect(line).to.match(/^[A-Z_]+=.* {2}\(.+\)$/);
    });

    it('leaves an unset secret empty rather than masked', () => {
      expect(describeConfig(loadConfig({}))).to.include(
        'CLUSTER_BASIC_AUTH=  (IPFS Cluster basic auth (user:password))',
      );
    });

    it('maskedConfig keys by variable name and keeps numbers as numbers', () => {
      const masked = maskedConfig(loadConfig({ CLUSTER_BASIC_AUTH: 'admin:s3cret' }));
      expect(masked.SHULIAN_GATEWAY_PORT).to.equal(8443);
      expect(masked.SHULIAN_LEDGER).to.equal('embedded');
      expect(masked.CLUSTER_BASIC_AUTH).to.equal('****');
      expect(Object.keys(masked)).to.deep.equal(listSettings().map((s) => s.env));
    });

    it('listSettings documents every variable once, with its default', () => {
      const settings = listSettings();
      expect(new Set(settings.map((s) => s.env)).size).to.equal(settings.length);
      expect(settings.find((s) => s.env === 'KUBO_API')?.default).to.equal('http://127.0.0.1:5001');
      expect(settings.filter((s) => s.secret).map((s) => s.env)).to.deep.equal(['CLUSTER_BASIC_AUTH']);
    });
  });
});
