/** The chaincode's CID syntax check against CIDs that Kubo itself produced (see test/content vectors). */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildChaincode, CHAINCODE_DIR } from './harness.js';
import { base32, base58, cidV0, rawCidV1 } from './fixtures.js';

type CidVersion = (text: string) => 0 | 1 | undefined;

describe('chaincode: CID syntax check', function () {
  let cidVersion: CidVersion;
  before(async () => {
    await buildChaincode();
    cidVersion = (
      createRequire(join(CHAINCODE_DIR, 'package.json'))(join(CHAINCODE_DIR, 'dist/cid.js')) as {
        cidVersion: CidVersion;
      }
    ).cidVersion;
  });

  const KUBO: [string, 0 | 1][] = [
    ['QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH', 0], // empty file, CIDv0
    ['Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD', 0], // "hello world", CIDv0
    ['bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e', 1], // "hello world", raw leaf
    ['bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 1], // empty file, raw leaf
    ['bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64', 1], // dag-pb root, unixfs-v1-2025
  ];
  for (const [cid, version] of KUBO) {
    it(`accepts ${cid} as CIDv${version}`, () => {
      expect(cidVersion(cid)).to.equal(version);
    });
  }

  it('accepts what the fixtures compute, and an identity-hash CIDv1', () => {
    expect(cidVersion(rawCidV1(Buffer.from('x')))).to.equal(1);
    expect(cidVersion(cidV0(Buffer.from('x')))).to.equal(0);
    expect(cidVersion(`b${base32(Buffer.from([0x01, 0x55, 0x00, 0x03, 0x61, 0x62, 0x63]))}`)).to.equal(1);
  });

  const REJECTED: [string, string][] = [
    ['', 'empty'],
    ['hello', 'not a CID'],
    ['QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ', 'CIDv0 one character short'],
    ['QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ0', 'CIDv0 with a character outside base58'],
    [
      base58(Buffer.concat([Buffer.from([0x12, 0x1f]), Buffer.alloc(32, 1)])).padEnd(46, '1'),
      'CIDv0 whose multihash says 31 bytes',
    ],
    ['bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5', 'CIDv1 digest one character short'],
    ['bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5ea', 'CIDv1 with trailing data'],
    ['BAFKREIFZJUT3TE2NHYEKKLSS27NH3K72YSCO7Y32KOAO5EEI66WOF36N5E', 'base32 upper-case (multibase B)'],
    ['zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA', 'CIDv1 in base58btc (multibase z)'],
    [`b${base32(Buffer.from([0x02, 0x55, 0x12, 0x20, ...Buffer.alloc(32)]))}`, 'version 2'],
    [`b${base32(Buffer.from([0x12, 0x20, ...Buffer.alloc(32)]))}`, 'a CIDv0 multihash in base32 (no version)'],
  ];
  for (const [text, why] of REJECTED) {
    it(`rejects ${why}`, () => {
      expect(cidVersion(text)).to.equal(undefined);
    });
  }
});
