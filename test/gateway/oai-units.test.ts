import { expect } from 'chai';
import { createTokenCodec, datestamp, parseOaiDate } from '../../gateway/src/oai/index.js';
import { facetsOf, inSet, SET_SPEC, setName, setSpecsOf, withAncestors } from '../../gateway/src/oai/sets.js';
import { escapeXml } from '../../gateway/src/oai/xml.js';

describe('OAI-PMH parts', () => {
  it('parses UTC dates of both granularities into inclusive millisecond bounds, refusing impossible ones', () => {
    expect(parseOaiDate('2024-02-29')).to.deep.equal({
      granularity: 'day',
      lower: '2024-02-29T00:00:00.000Z',
      upper: '2024-02-29T23:59:59.999Z',
    });
    expect(parseOaiDate('2026-11-21T21:09:00Z')).to.deep.equal({
      granularity: 'seconds',
      lower: '2026-11-21T21:09:00.000Z',
      upper: '2026-11-21T21:09:00.999Z',
    });
    for (const bad of [
      '2023-02-29',
      '2026-04-31',
      '2026-00-10',
      '2026-11-21T24:00:00Z',
      '2026-11-21T21:09:00',
      '2026-11-21T21:09:00.5Z',
      '2026-11-21T21:09Z',
      '26-11-21',
      ' 2026-11-21',
    ]) {
      expect(parseOaiDate(bad), bad).to.equal(undefined);
    }
    expect(datestamp('2026-11-21T21:09:00.999Z')).to.equal('2026-11-21T21:09:00Z');
  });

  it('spells sets in setSpec syntax, local themes included, with their ancestors', () => {
    const specs = setSpecsOf(
      facetsOf({
        owner: 'JilinLibraryMSP',
        metadata: { class: 'mooc', theme: ['local-culture', 'local:长白山', 'local:a:b', 'local:plain'] },
      }),
    );
    const enc = (s: string) => Buffer.from(s).toString('base64url');
    expect(specs).to.deep.equal([
      'owner:JilinLibraryMSP',
      'class:mooc',
      'theme:local-culture',
      `theme:local:~${enc('长白山')}`,
      `theme:local:~${enc('a:b')}`,
      'theme:local:plain',
    ]);
    for (const s of specs) expect(SET_SPEC.test(s), s).to.equal(true);
    expect(setName(`theme:local:~${enc('长白山')}`)).to.equal('Theme: local:长白山');
    expect(inSet(specs, 'theme:local')).to.equal(true);
    expect(inSet(specs, 'theme:loc')).to.equal(false);
    expect(withAncestors(['theme:local:plain'])).to.deep.equal(['theme', 'theme:local', 'theme:local:plain']);
    expect(setSpecsOf(facetsOf({ owner: 'X', metadata: null }))).to.deep.equal(['owner:X']);
  });

  it('escapes markup and replaces characters XML 1.0 cannot carry', () => {
    expect(escapeXml(`<a href="x">&'\u0001\uD800`)).to.equal('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\uFFFD\uFFFD');
    expect(escapeXml('书链 \uD83D\uDCDA')).to.equal('书链 \uD83D\uDCDA');
  });

  it('resumption tokens: round trip; refused when altered, foreign, or not ours', () => {
    const codec = createTokenCodec(Buffer.alloc(32, 1));
    const state = {
      verb: 'ListRecords' as const,
      metadataPrefix: 'oai_dc',
      set: 'class:mooc',
      from: '2026-01-01',
      blockNumber: 12,
      txIndex: 3,
      cursor: 200,
      completeListSize: 1000,
    };
    const token = codec.encode(state);
    expect(token).to.match(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(token)).to.deep.equal({ state });
    expect('reason' in createTokenCodec(Buffer.alloc(32, 2)).decode(token)).to.equal(true);
    const [body, tag] = token.split('.') as [string, string];
    const forged = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('"cursor":200', '"cursor":0'),
    ).toString('base64url');
    for (const bad of [`${forged}.${tag}`, `${body}.${tag.slice(1)}`, `${body}x.${tag}`, 'x', '', 'a'.repeat(5000)]) {
      expect('reason' in codec.decode(bad), bad.slice(0, 30)).to.equal(true);
    }
    expect(() => createTokenCodec(Buffer.alloc(8))).to.throw(RangeError);
  });
});
