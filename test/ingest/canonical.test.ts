import { expect } from 'chai';
import { canonicalize } from '../../node/core/index.js';
import { leafHash } from '../../node/core/merkle.js';
import { canonicalJson, recordDigest, recordLeaf } from '../../node/ingest/anchor.js';

/** The ingest pipeline's fast RFC 8785 path must write exactly what core's canonicalize writes. */
describe('ingest: fast canonical JSON of records', () => {
  const samples: unknown[] = [
    { id: 'r1', resource: 'gz', path: [{ level: 'chapter', n: 1 }], textSpan: { start: 0, end: 10 }, version: 1 },
    {
      b: 1,
      a: [true, false, null],
      '': 'empty',
      é: 'é',
      '\u0080': 1,
      '\ud83d\ude00': 'emoji',
      A: { z: 1e21, y: 1e-7, x: -0, w: 0.1 + 0.2 },
    },
    { ctrl: '\u0000\u0001\b\t\n\f\r\u001f"\\/\u2028\u2029\u007f', zh: '吉林通志 卷一' },
    [1, 'two', { three: 3 }, [], {}],
    { numbers: [0, -1, 1.5, 123456789012345680000, 5e-324, 1.7976931348623157e308, 333333333.3333333] },
    { undefinedMember: undefined, kept: 1 },
    { '10': 'ten', '9': 'nine', '1a': 'x', a: { '0': 0, '01': 1 } },
  ];
  for (const [i, sample] of samples.entries()) {
    it(`matches canonicalize on sample ${i}`, () => {
      expect(canonicalJson(sample)).to.equal(canonicalize(sample));
    });
  }

  it('matches on generated records', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const chars = ['a', 'Z', '吉', '\u00e9', '\ud83d\udcda', '"', '\\', '\n', '\u0007', ' ', '~', '/'];
    const str = (): string =>
      Array.from({ length: Math.floor(rand() * 8) }, () => chars[Math.floor(rand() * chars.length)]).join('');
    for (let k = 0; k < 300; k++) {
      const value = Object.fromEntries(
        Array.from({ length: 1 + Math.floor(rand() * 6) }, () => [
          str(),
          rand() < 0.5 ? str() : [rand() * 1e6, { [str()]: str() }],
        ]),
      );
      expect(canonicalJson(value)).to.equal(canonicalize(value));
    }
  });

  it('hashes a record leaf as RFC 9162 does over SHA-256 of the canonical JSON', () => {
    for (const sample of samples) {
      expect(Buffer.from(recordLeaf(canonicalJson(sample))).toString('hex')).to.equal(
        Buffer.from(leafHash(recordDigest(sample))).toString('hex'),
      );
    }
  });

  it('leaves what RFC 8785 refuses to canonicalize, which names the place', () => {
    expect(() => canonicalJson({ bad: 'x\ud800' })).to.throw(/\/bad/);
    expect(() => canonicalJson({ n: Number.NaN })).to.throw(/\/n/);
  });
});
