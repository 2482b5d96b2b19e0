import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from 'node:https';
import { expect } from 'chai';
import express from 'express';
import { pino } from 'pino';
import { startNodeGateway, type RunningGateway } from '../../gateway/index.js';
import { oaiRouter, createTokenCodec } from '../../gateway/src/oai/index.js';
import { canonicalize, sha256Hex } from '../../node/core/index.js';
import { consortiumLayout } from '../../node/identity/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { registerText, tempNode } from '../runtime/helpers.js';
import { agentFor, call, problemOf, tlsFrom } from './client.js';
import { assertValidXml, ensureXmllint, OAI_DC_DRIVER, SHULIAN_DRIVER } from '../helpers/xmllint.js';

const all = (xml: string, re: RegExp): string[] => [...xml.matchAll(re)].map((m) => m[1] ?? '');
const errorCode = (xml: string): string | undefined => /<error code="([A-Za-z]+)"/.exec(xml)?.[1];
const tokenOf = (xml: string): string | undefined => /<resumptionToken[^>]*>([^<]+)<\/resumptionToken>/.exec(xml)?.[1];
const identifiers = (xml: string): string[] => all(xml, /<identifier>([^<]+)<\/identifier>/g);

describe('OAI-PMH at /oai', function () {
  this.timeout(60_000);
  let node: ShulianNode;
  let home: string;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let agent: Agent;
  let direct: Server;
  let directBase: string;
  const key = Buffer.alloc(32, 7);
  const prefix = 'oai:jilinlibrarymsp.shulian:';

  const metadata = (id: string, extra: Record<string, unknown> = {}) => ({
    title: [`《${id}》 <&> "题名"`],
    creator: ['吉林省图书馆'],
    ...extra,
  });
  const register = async (id: string, extra: Record<string, unknown> = {}) => {
    const m = metadata(id, extra);
    await registerText(node, id, `payload of ${id}`, m);
    node.index.putMetadata(sha256Hex(canonicalize(m)), m);
  };

  /** GET through the real gateway (mTLS). */
  const oai = async (query: string): Promise<string> => {
    const r = await call(gw.url, agent, 'GET', `/oai?${query}`);
    expect(r.status, r.body.toString()).to.equal(200);
    expect(String(r.headers['content-type'])).to.match(/^text\/xml/);
    return r.body.toString('utf8');
  };
  /** The same router, with pages of 2 items, over plain HTTP (resumption and paging). */
  const small = async (query: string, init: RequestInit = {}): Promise<string> => {
    const r = await fetch(`${directBase}/oai${query ? `?${query}` : ''}`, init);
    expect(r.status).to.equal(200);
    return r.text();
  };

  before(async () => {
    ensureXmllint();
    ({ node, home, cleanup } = await tempNode());
    await register('mooc-1', { class: 'mooc', theme: ['local-culture'] });
    await register('scan-1', { class: 'document-scan', theme: ['fine-traditional-chinese-culture', 'local:长白山'] });
    await register('mooc-2', { class: 'mooc', theme: ['local:changbai'] });
    await register('plain-1');
    await register('gone-1', { class: 'video' });
    await node.ledger.submit({ fn: 'WithdrawResource', args: ['gone-1', 'copyright-claim', 'rightsholder asked'] });
    await register('mooc-1', { class: 'mooc', theme: ['local-culture'], description: ['second version'] }); // mooc-1 moves to the end
    await node.catchUp();
    gw = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
    const layout = consortiumLayout(home);
    agent = agentFor(tlsFrom(layout.national.users.warehouse.tls!, layout.tlsCaBundle));
    const app = express();
    app.set('query parser', 'simple');
    app.use('/oai', oaiRouter({ index: node.index, mspId: 'JilinLibraryMSP', tokenKey: key, pageSize: 2 }));
    direct = createServer(app);
    await new Promise<void>((r) => direct.listen(0, '127.0.0.1', r));
    directBase = `http://127.0.0.1:${(direct.address() as AddressInfo).port}`;
  });

  after(async () => {
    agent?.destroy();
    await new Promise((r) => (direct ? direct.close(r) : r(undefined)));
    await gw?.close();
    await cleanup?.();
  });

  it('Identify: persistent deletions, seconds granularity, earliest datestamp from the chain', async () => {
    const xml = await oai('verb=Identify');
    assertValidXml(xml);
    expect(xml)
      .to.contain('<deletedRecord>persistent</deletedRecord>')
      .and.contain('<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>');
    expect(xml).to.contain(
      `<baseURL>${gw.url.replace('127.0.0.1', '127.0.0.1')}/oai</baseURL>`.replace(/https:\/\/[^/]+/, (m) => m),
    );
    expect(xml).to.match(/<earliestDatestamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z<\/earliestDatestamp>/);
    expect(xml).to.contain('<request verb="Identify">');
  });

  it('ListMetadataFormats: oai_dc and shulian, for the repository and for an item; unknown item → idDoesNotExist', async () => {
    for (const q of ['verb=ListMetadataFormats', `verb=ListMetadataFormats&identifier=${prefix}scan-1`]) {
      const xml = await oai(q);
      assertValidXml(xml);
      expect(all(xml, /<metadataPrefix>([^<]+)</g)).to.deep.equal(['oai_dc', 'shulian']);
    }
    const xml = await oai(`verb=ListMetadataFormats&identifier=${prefix}nope`);
    assertValidXml(xml);
    expect(errorCode(xml)).to.equal('idDoesNotExist');
  });

  it('ListSets: owners, classes and themes present, with their ancestors; local themes in setSpec syntax', async () => {
    const xml = await oai('verb=ListSets');
    assertValidXml(xml);
    const specs = all(xml, /<setSpec>([^<]+)</g);
    expect(specs).to.include.members([
      'owner',
      'owner:JilinLibraryMSP',
      'class',
      'class:mooc',
      'class:document-scan',
      'class:video',
      'theme',
      'theme:local-culture',
      'theme:local',
      'theme:local:changbai',
    ]);
    const encoded = `theme:local:~${Buffer.from('长白山').toString('base64url')}`;
    expect(specs).to.include(encoded);
    expect(xml).to.contain('<setName>Theme: local:长白山</setName>');
    expect(errorCode(await oai('verb=ListSets&resumptionToken=abc'))).to.equal('badResumptionToken');
  });

  it('GetRecord in oai_dc and shulian: escaped text, metadata hash matching the chain, provenance', async () => {
    const dc = await oai(`verb=GetRecord&identifier=${prefix}scan-1&metadataPrefix=oai_dc`);
    assertValidXml(dc);
    expect(dc).to.contain('<dc:title>《scan-1》 &lt;&amp;&gt; &quot;题名&quot;</dc:title>');
    expect(dc).to.contain('<setSpec>class:document-scan</setSpec>');
    const version = node.index.getVersion('scan-1', 1)!;
    expect(dc).to.contain(`<dc:identifier>ipfs://${version.record.cid}</dc:identifier>`);
    const own = await oai(`verb=GetRecord&identifier=${prefix}scan-1&metadataPrefix=shulian`);
    assertValidXml(own, SHULIAN_DRIVER);
    expect(own).to.contain(`<s:sha256>${version.record.sha256}</s:sha256>`).and.contain(`txId="${version.txId}"`);
    const json = /<s:metadata [^>]*sha256="([0-9a-f]{64})"[^>]*>([^<]+)<\/s:metadata>/.exec(own)!;
    const text = json[2]!
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
    expect(sha256Hex(text)).to.equal(version.record.metadataHash).and.equal(json[1]);
    // the datestamp is the commit time of the chain transaction, to the second
    expect(own).to.contain(`<datestamp>${version.committed.slice(0, 19)}Z</datestamp>`);
  });

  it('a withdrawn resource is a persistent deleted record: header only, status="deleted"', async () => {
    for (const [q, schema] of [
      [`verb=GetRecord&identifier=${prefix}gone-1&metadataPrefix=oai_dc`, OAI_DC_DRIVER],
      [`verb=GetRecord&identifier=${prefix}gone-1&metadataPrefix=shulian`, SHULIAN_DRIVER],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&set=class:video', OAI_DC_DRIVER],
    ] as const) {
      const xml = await oai(q);
      assertValidXml(xml, schema);
      expect(xml).to.contain('<header status="deleted">').and.not.contain('<metadata>');
    }
    const withdrawal = node.index.getResource('gone-1')!.withdrawal!;
    expect(await oai(`verb=GetRecord&identifier=${prefix}gone-1&metadataPrefix=oai_dc`)).to.contain(
      `<datestamp>${withdrawal.committed.slice(0, 19)}Z</datestamp>`,
    );
  });

  it('ListRecords and ListIdentifiers list every item once, in chain order of its latest change', async () => {
    const xml = await oai('verb=ListRecords&metadataPrefix=oai_dc');
    assertValidXml(xml);
    expect(identifiers(xml)).to.deep.equal(
      ['scan-1', 'mooc-2', 'plain-1', 'gone-1', 'mooc-1'].map((id) => prefix + id),
    );
    expect(xml).to.not.contain('<resumptionToken');
    const own = await oai('verb=ListRecords&metadataPrefix=shulian');
    assertValidXml(own, SHULIAN_DRIVER);
    expect(own).to.contain('<s:version number="2">');
    const ids = await oai('verb=ListIdentifiers&metadataPrefix=shulian&set=class:mooc');
    assertValidXml(ids, SHULIAN_DRIVER);
    expect(identifiers(ids)).to.deep.equal([`${prefix}mooc-2`, `${prefix}mooc-1`]);
  });

  it('selects by set (owner, class, theme, hierarchy) and by from/until on commit time', async () => {
    const ids = async (q: string) => identifiers(await oai(`verb=ListIdentifiers&metadataPrefix=oai_dc&${q}`));
    expect(await ids('set=owner:JilinLibraryMSP')).to.have.length(5);
    expect(await ids('set=theme:local-culture')).to.deep.equal([`${prefix}mooc-1`]);
    expect(await ids('set=theme:local')).to.deep.equal([`${prefix}scan-1`, `${prefix}mooc-2`]);
    const order = ['scan-1', 'mooc-2', 'plain-1', 'gone-1', 'mooc-1'];
    const stamp = (id: string) => `${node.index.getResource(id)!.changed.committed.slice(0, 19)}Z`;
    const last = node.index.getResource('mooc-1')!.changed.committed;
    const first = node.index.getResource('scan-1')!.changed.committed;
    // bounds are inclusive at the datestamp's granularity (the commits may share a second)
    expect(await ids(`from=${stamp('mooc-1')}`)).to.deep.equal(
      order.filter((id) => stamp(id) >= stamp('mooc-1')).map((id) => prefix + id),
    );
    expect(await ids(`until=${stamp('scan-1')}`)).to.deep.equal(
      order.filter((id) => stamp(id) <= stamp('scan-1')).map((id) => prefix + id),
    );
    expect(await ids(`from=${first.slice(0, 10)}&until=${last.slice(0, 10)}`)).to.have.length(5);
    for (const q of ['set=owner:HebeiLibraryMSP', 'from=2999-01-01', 'until=1999-12-31T00:00:00Z']) {
      const xml = await oai(`verb=ListIdentifiers&metadataPrefix=oai_dc&${q}`);
      assertValidXml(xml);
      expect(errorCode(xml), q).to.equal('noRecordsMatch');
    }
  });

  it('pages with stateless resumption tokens (completeListSize, cursor) that survive a new router instance', async () => {
    const seen: string[] = [];
    let xml = await small('verb=ListRecords&metadataPrefix=oai_dc');
    assertValidXml(xml);
    expect(xml).to.match(/<resumptionToken completeListSize="5" cursor="0">/);
    seen.push(...identifiers(xml));
    let token = tokenOf(xml);
    // a second router with the same key (a restarted gateway) continues the list
    const app = express();
    app.set('query parser', 'simple');
    app.use('/oai', oaiRouter({ index: node.index, mspId: 'JilinLibraryMSP', tokenKey: key, pageSize: 2 }));
    const restarted = createServer(app);
    await new Promise<void>((r) => restarted.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(restarted.address() as AddressInfo).port}/oai`;
      let cursor = 2;
      while (token) {
        xml = await (await fetch(`${base}?verb=ListRecords&resumptionToken=${encodeURIComponent(token)}`)).text();
        assertValidXml(xml);
        seen.push(...identifiers(xml));
        expect(xml).to.contain(`cursor="${cursor}"`);
        cursor += 2;
        token = tokenOf(xml);
      }
      // the final page carries an empty token
      expect(xml).to.match(/<resumptionToken completeListSize="5" cursor="4"\/>/);
    } finally {
      await new Promise((r) => restarted.close(r));
    }
    expect(seen).to.deep.equal(['scan-1', 'mooc-2', 'plain-1', 'gone-1', 'mooc-1'].map((id) => prefix + id));
  });

  it('answers POST (application/x-www-form-urlencoded) like GET', async () => {
    const body = new URLSearchParams({ verb: 'ListIdentifiers', metadataPrefix: 'oai_dc', set: 'class:mooc' });
    const xml = await small('', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertValidXml(xml);
    expect(identifiers(xml)).to.deep.equal([`${prefix}mooc-2`, `${prefix}mooc-1`]);
    const r = await call(gw.url, agent, 'POST', '/oai', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'verb=Identify',
    });
    expect(r.status).to.equal(200);
    assertValidXml(r.body.toString());
    const wrongType = await small('', {
      method: 'POST',
      body: '{"verb":"Identify"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(errorCode(wrongType)).to.equal('badArgument');
  });

  describe('error conditions (each response validates)', () => {
    const cases: [string, string][] = [
      ['', 'badVerb'],
      ['verb=Frobnicate', 'badVerb'],
      ['verb=Identify&verb=Identify', 'badVerb'],
      ['verb=Identify&metadataPrefix=oai_dc', 'badArgument'],
      ['verb=ListRecords', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&from=2026-13-01', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-30', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&until=2026-01-01T10:00:00', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-01-01T10:00:00Z', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&set=bad%20set', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x', 'badArgument'],
      ['verb=GetRecord&identifier=x', 'badArgument'],
      ['verb=GetRecord&metadataPrefix=oai_dc&identifier=', 'badArgument'],
      ['verb=ListRecords&metadataPrefix=marc21', 'cannotDisseminateFormat'],
      [
        `verb=GetRecord&metadataPrefix=mods&identifier=${'oai:jilinlibrarymsp.shulian:scan-1'}`,
        'cannotDisseminateFormat',
      ],
      ['verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:jilinlibrarymsp.shulian:nope', 'idDoesNotExist'],
      ['verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:other.repo:scan-1', 'idDoesNotExist'],
      ['verb=ListRecords&resumptionToken=garbage', 'badResumptionToken'],
      ['verb=ListIdentifiers&resumptionToken=', 'badArgument'],
    ];
    for (const [q, code] of cases) {
      it(`${q || '(no arguments)'} → ${code}`, async () => {
        const xml = await oai(q);
        assertValidXml(xml);
        expect(errorCode(xml)).to.equal(code);
        // badVerb / badArgument echo the base URL only
        if (code === 'badVerb' || code === 'badArgument') expect(xml).to.match(/<request>[^<]+<\/request>/);
      });
    }

    it('resumption tokens: altered, from another key, or for another verb → badResumptionToken', async () => {
      const xml = await small('verb=ListIdentifiers&metadataPrefix=oai_dc');
      const token = tokenOf(xml)!;
      const [body, tag] = token.split('.') as [string, string];
      const state = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${Buffer.from(JSON.stringify({ ...state, cursor: 0, blockNumber: -1 })).toString('base64url')}.${tag}`;
      const foreign = createTokenCodec(Buffer.alloc(32, 9)).encode({
        verb: 'ListIdentifiers',
        metadataPrefix: 'oai_dc',
        blockNumber: 0,
        txIndex: 0,
        cursor: 2,
      });
      for (const [t, verb] of [
        [forged, 'ListIdentifiers'],
        [foreign, 'ListIdentifiers'],
        [`${token}x`, 'ListIdentifiers'],
        [token, 'ListRecords'],
      ] as const) {
        const reply = await small(`verb=${verb}&resumptionToken=${encodeURIComponent(t)}`);
        assertValidXml(reply);
        expect(errorCode(reply)).to.equal('badResumptionToken');
      }
    });

    it('other HTTP methods → 405; the shulian schema is served', async () => {
      const r = await call(gw.url, agent, 'DELETE', '/oai?verb=Identify');
      expect(r.status).to.equal(405);
      expect(r.headers.allow).to.equal('GET, HEAD, POST');
      expect(problemOf(r).type).to.equal('urn:shulian:problem:method-not-allowed');
      const xsd = await call(gw.url, agent, 'GET', '/oai/schemas/shulian-oai-v1.xsd');
      expect(xsd.status).to.equal(200);
      expect(xsd.body.toString()).to.contain('targetNamespace="urn:shulian:schemas:oai:resource:v1"');
    });
  });
});
