import { expect } from 'chai';
import { canonicalize } from '../../node/core/index.js';
import {
  computeTxId,
  envelopeBytes,
  fastCanonical,
  isWellFormed,
  proposalCanonical,
  rwsetCanonical,
  timestampToIso,
  type RwSet,
} from '../../node/ledger/embedded/block.js';
import { compareKeys } from '../../node/ledger/embedded/stub.js';

describe('embedded ledger block encoding', () => {
  it('fastCanonical writes exactly the RFC 8785 text of node/core canonicalize', () => {
    const values: unknown[] = [
      { b: 1, a: [3, 2, { d: null, c: true }], '\u00e9': 'x', z: '\u{1F600}', '\uffff': 'max', '': 'empty' },
      { key: '\u0000item\u0000shelf\u0000n1\u0000', value: 'aGVsbG8=', isDelete: false, version: [12, 3] },
      { transient: { '10': 'a', '9': 'b', x: 'c' } },
      { text: 'quote " backslash \\ newline \n tab \t control \u0001 line sep \u2028', n: -0, big: 1e21, frac: 0.1 },
      [],
      {},
      'plain',
      { nested: { deeper: { deepest: ['\u{10ffff}', '\ud7ff', '\ue000'] } } },
    ];
    for (const v of values) expect(fastCanonical(v)).to.equal(canonicalize(v));
  });

  it('falls back to the full canonicalizer (and its errors) for what JSON.stringify would write differently', () => {
    expect(() => fastCanonical({ bad: 'lone \ud800 surrogate' })).to.throw(/lone surrogate/);
  });

  it('rwsetCanonical writes exactly the RFC 8785 text of node/core canonicalize', () => {
    const rwsets: RwSet[] = [
      { reads: [], ranges: [], writes: [], privateReads: [], privateWrites: [] },
      {
        reads: [
          { key: '\u0000res\u0000a\u0000', version: [3, 0] },
          { key: 'é "quoted" \u2028', version: null },
        ],
        ranges: [
          { start: 'a', end: '', exhausted: true, reads: [{ key: 'a1', version: [0, 12] }] },
          { start: '\u0001', end: '\u{10ffff}', exhausted: false, reads: [] },
        ],
        writes: [
          { key: 'k', isDelete: false, value: 'aGVsbG8=' },
          { key: 'gone', isDelete: true },
        ],
        privateReads: [{ collection: 'c', keyHash: 'ab', version: [1, 2] }],
        privateWrites: [
          { collection: 'c', keyHash: 'ab', isDelete: false, valueHash: 'cd' },
          { collection: 'c', keyHash: 'ef', isDelete: true },
        ],
      },
    ];
    for (const r of rwsets) expect(rwsetCanonical(r)).to.equal(canonicalize(r));
    const lone = {
      reads: [{ key: 'lone \ud800', version: null }],
      ranges: [],
      writes: [],
      privateReads: [],
      privateWrites: [],
    };
    expect(() => rwsetCanonical(lone)).to.throw(/lone surrogate/);
  });

  it('proposalCanonical writes exactly the RFC 8785 text of node/core canonicalize', () => {
    const proposal = {
      channel: 'smartlibrary',
      chaincode: 'shulian',
      fn: 'RegisterVersion',
      args: ['{"a":1}', 'é \u2028 "q"', ''],
      transient: { '10': 'aa', '9': 'bb', z: 'cc' },
      creator: { mspId: 'JilinLibraryMSP', certPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
      nonce: 'AAAA',
      timestamp: { seconds: 1_700_000_000, nanos: 123 },
    };
    expect(proposalCanonical(proposal)).to.equal(canonicalize(proposal));
    expect(proposalCanonical({ ...proposal, transient: {}, args: [] })).to.equal(
      canonicalize({ ...proposal, transient: {}, args: [] }),
    );
    expect(() => proposalCanonical({ ...proposal, fn: 'lone \udc00' })).to.throw(/lone surrogate/);
    // the creator's text is kept between proposals: the same creator again, then others
    expect(proposalCanonical({ ...proposal, nonce: 'BBBB' })).to.equal(canonicalize({ ...proposal, nonce: 'BBBB' }));
    const other = { ...proposal, creator: { mspId: 'NLCMSP', certPem: proposal.creator.certPem } };
    expect(proposalCanonical(other)).to.equal(canonicalize(other));
    const extra = { ...proposal, creator: { ...proposal.creator, extra: 'x' } };
    expect(proposalCanonical(extra)).to.equal(canonicalize(extra));
    const loneCert = { ...proposal, creator: { mspId: 'OrgMSP', certPem: 'lone \ud800' } };
    expect(() => proposalCanonical(loneCert)).to.throw(/lone surrogate/);
  });

  it('isWellFormed finds lone surrogates exactly', () => {
    const cases: [string, boolean][] = [
      ['', true],
      ['plain ascii', true],
      ['é 书 \u{1F600} \u{10ffff} \ud7ff \ue000 \uffff', true],
      ['\ud800', false],
      ['\udc00', false],
      ['a\ud83d', false],
      ['\ude00a', false],
      ['\ud83d\ude00\ude00', false],
      ['\ud83d\ud83d\ude00', false],
    ];
    for (const [s, ok] of cases) expect(isWellFormed(s), JSON.stringify(s)).to.equal(ok);
  });

  it('compares keys in UTF-8 byte order, surrogates included', () => {
    const units = ['a', 'b', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff'];
    const alphabet = [...units, '\u{10000}', '\u{1F600}', '\u{10ffff}', '\ud800', '\udc00'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const word = () =>
      Array.from({ length: Math.floor(next() * 5) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let i = 0; i < 5000; i++) {
      const a = word();
      const b = next() < 0.3 ? a + word() : word();
      const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      expect(Math.sign(compareKeys(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).to.equal(bytes);
    }
  });

  it('envelopeBytes writes exactly the RFC 8785 text of node/core canonicalize', () => {
    const proposal = { fn: 'Put', args: ['k', 'v'] };
    const rwset: RwSet = { reads: [], ranges: [], writes: [], privateReads: [], privateWrites: [] };
    for (const event of [null, { name: 'VersionRegistered', payload: 'W10=' }]) {
      const envelope = {
        txId: 'ab'.repeat(32),
        signature: 'MEUCIQ==',
        response: { status: 200, payloadSha256: 'cd'.repeat(32) },
        rwset,
        event,
        validationCode: 'VALID' as const,
      };
      expect(Buffer.from(envelopeBytes(envelope, canonicalize(proposal))).toString('utf8')).to.equal(
        canonicalize({ ...envelope, proposal }),
      );
    }
  });

  it('derives the txId from nonce and creator, and prints nanosecond timestamps', () => {
    const nonce = Buffer.alloc(24, 7);
    const a = computeTxId(nonce, { mspId: 'OrgMSP', certPem: 'cert' });
    expect(a).to.match(/^[0-9a-f]{64}$/);
    expect(computeTxId(nonce, { mspId: 'OrgMSP', certPem: 'cert2' })).to.not.equal(a);
    expect(timestampToIso({ seconds: 1_700_000_000, nanos: 0 })).to.equal('2023-11-14T22:13:20.000Z');
    expect(timestampToIso({ seconds: 1_700_000_000, nanos: 123_456_789 })).to.equal('2023-11-14T22:13:20.123456789Z');
    expect(timestampToIso({ seconds: 1_700_000_000, nanos: 120_000_000 })).to.equal('2023-11-14T22:13:20.120Z');
  });
});
