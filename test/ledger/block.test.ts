import { expect } from 'chai';
import { canonicalize } from '../../node/core/index.js';
import {
  computeTxId,
  envelopeBytes,
  fastCanonical,
  proposalCanonical,
  rwsetCanonical,
  timestampToIso,
  type RwSet,
} from '../../node/ledger/embedded/block.js';

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
