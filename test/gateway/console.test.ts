/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startNodeGateway, type RunningGateway } from '../../gateway/index.js';
import { CONSOLE_CSP } from '../../gateway/src/console/index.js';
import { DICTIONARIES } from '../../gateway/console/js/i18n.js';
import type { FixityEvent, FixityReader } from '../../node/audit/index.js';
import { canonicalize, sha256Hex } from '../../node/core/index.js';
import { consortiumLayout } from '../../node/identity/index.js';
import type { ShulianNode } from '../../node/runtime/index.js';
import { tempNode } from '../runtime/helpers.js';
import { agentFor, call, tlsFrom } from './client.js';
import { startMtlsProxy, type MtlsProxy } from './mtls-proxy.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const DAY = 86_400_000;

/** Stores bytes and metadata and registers the version, as ingest does. */
async function register(node: ShulianNode, resourceId: string, bytes: Buffer, metadata: unknown) {
  const put = await node.content.put(Readable.from([bytes]));
  const canonical = canonicalize(metadata);
  const meta = await node.content.put(Readable.from([Buffer.from(canonical, 'utf8')]));
  await node.ledger.submit({
    fn: 'RegisterVersion',
    args: [
      JSON.stringify({
        resourceId,
        cid: put.cid,
        cidProfile: put.profile,
        sha256: put.sha256,
        sm3: put.sm3,
        size: put.size,
        mediaType: 'text/plain; charset=utf-8',
        metadataHash: sha256Hex(canonical),
        metadataCid: meta.cid,
      }),
    ],
  });
  return put;
}

function grantArgs(rightsId: string, resourceId: string, assignee: string, notAfter: string | null, actions: string[]) {
  return [
    JSON.stringify({
      rightsId,
      target: { type: 'resource', id: resourceId },
      rightsholder: '吉林省图书馆',
      assignee,
      actions,
      constraints: { notBefore: '2024-01-01T00:00:00Z', notAfter, territory: 'CN' },
      basis: 'licence',
      licenceDigest: 'ab'.repeat(32),
    }),
  ];
}

describe('audit console in a real browser (Debian chromium via playwright-core)', function () {
  this.timeout(120_000);
  let node: ShulianNode;
  let cleanup: () => Promise<void>;
  let gw: RunningGateway;
  let auditor: Agent;
  let proxy: MtlsProxy;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const browserBodies: Buffer[] = [];
  const pageErrors: string[] = [];
  const v2 = Buffer.from('子曰：“学而时习之，不亦说乎？有朋自远方来，不亦乐乎？”\n'.repeat(400), 'utf8');
  const ID = 'jl-lunyu-xueer-ocr';

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `${CHROMIUM} is missing: the console's browser tests need Debian's chromium (npm test installs it as root via scripts/ensure-chromium.mjs; or apt-get install -y chromium)`,
      );
    let home: string;
    ({ node, home, cleanup } = await tempNode());
    const meta = {
      title: ['论语·学而第一 OCR 文本'],
      subject: ['论语', '儒家'],
      description: ['《论语》学而篇 OCR 全文。'],
    };
    const first = await register(node, ID, Buffer.from('学而第一（初版识别）\n', 'utf8'), meta);
    const second = await register(node, ID, v2, meta);
    await register(node, 'jl-gazetteer', Buffer.from('吉林通志\n'), { title: ['吉林通志（演示）'], subject: ['方志'] });
    await register(node, 'jl-dup', Buffer.from('dup\n'), { title: ['论语 重复登记'], subject: ['论语'] });
    const soon = new Date(Date.now() + 10 * DAY).toISOString();
    await node.ledger.submit({
      fn: 'GrantRights',
      args: grantArgs('g-nlc-soon', ID, 'NLCMSP', soon, ['reproduce', 'archive']),
    });
    await node.ledger.submit({ fn: 'GrantRights', args: grantArgs('g-public', ID, 'public', null, ['display']) });
    await node.ledger.submit({ fn: 'RevokeRights', args: ['g-public', '授权提前终止'] });
    await node.ledger.submit({ fn: 'WithdrawResource', args: ['jl-dup', 'duplicate', '与 jl-lunyu-xueer-ocr 重复'] });
    const wh = await node.ledgerAs('NLCMSP/warehouse');
    await wh.submit({
      fn: 'RecordReceipt',
      args: [JSON.stringify({ resourceId: ID, version: 2, cid: second.cid, sha256: second.sha256, sm3: second.sm3 })],
    });
    // fixity results as the fixity job keeps them (its own tests cover the real store)
    const event = (version: number, d: typeof first): FixityEvent => ({
      eventId: `fx-${version}`,
      runId: 'run-1',
      resourceId: ID,
      version,
      cid: d.cid,
      checkedAt: new Date().toISOString(),
      outcome: 'pass',
      expected: { sha256: d.sha256, sm3: d.sm3 },
      actual: { sha256: d.sha256, sm3: d.sm3 },
      anchor: null,
    });
    const events = [event(2, second), event(1, first)];
    const fixity: FixityReader = {
      listFixityEvents: (q = {}) => {
        const items = events.filter((e) => q.resourceId === undefined || e.resourceId === q.resourceId);
        return { items, total: items.length, limit: q.limit ?? 100, offset: 0 };
      },
      listFixityRuns: () => ({ items: [], total: 0, limit: 100, offset: 0 }),
      getFixityRun: () => undefined,
    };
    gw = await startNodeGateway({ node, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }), fixity });
    const layout = consortiumLayout(home);
    auditor = agentFor(tlsFrom(layout.province.users.auditor.tls!, layout.tlsCaBundle));
    for (let i = 0; i < 400 && node.index.listReceipts().total === 0; i++) await new Promise((r) => setTimeout(r, 25));
    proxy = await startMtlsProxy(gw.url, auditor);

    await mkdir(SHOTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'shulian-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      locale: 'zh-CN',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('request', (r) => {
      const body = r.postDataBuffer();
      if (body) browserBodies.push(body);
    });
  });

  after(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await proxy?.close();
    auditor?.destroy();
    await gw?.close();
    await cleanup?.();
  });

  afterEach(async function () {
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
    // a value the page failed to render shows up as these words
    expect(await page.locator('main').innerText()).not.to.match(/\b(null|undefined|NaN)\b|\[object /);
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const live = () => page.locator('#live');

  it('serves the console under mTLS with a strict CSP and revalidation', async () => {
    const r = await call(gw.url, auditor, 'GET', '/console/');
    expect(r.status).to.equal(200);
    expect(r.headers['content-security-policy']).to.equal(CONSOLE_CSP);
    expect(r.headers['cache-control']).to.equal('no-cache');
    const again = await call(gw.url, auditor, 'GET', '/console/', {
      headers: { 'if-none-match': String(r.headers.etag) },
    });
    expect(again.status).to.equal(304);
    expect((await call(gw.url, auditor, 'GET', '/console')).headers.location).to.equal('/console/');
    expect((await call(gw.url, auditor, 'GET', '/console/js/nope.js')).status).to.equal(404);
    expect((await call(gw.url, auditor, 'POST', '/console/js/app.js')).status).to.equal(405);
    expect(Object.keys(DICTIONARIES.en).sort()).to.deep.equal(Object.keys(DICTIONARIES['zh-CN']).sort());
    await page.goto(`${proxy.url}/console/`);
    await page.locator('h1').waitFor();
    await shot('start-zh-1280');

    // the routes the console relies on besides the audit API
    const hits = JSON.parse(
      (await call(gw.url, auditor, 'GET', `/v1/search?q=${encodeURIComponent('方志')}`)).body.toString(),
    );
    expect(hits.items.map((h: { id: string }) => h.id)).to.deep.equal(['jl-gazetteer']);
    const sha = createHash('sha256').update(v2).digest('hex');
    const found = JSON.parse((await call(gw.url, auditor, 'GET', `/v1/versions?sha256=${sha}`)).body.toString());
    expect(
      found.items.map((v: { resourceId: string; version: number }) => `${v.resourceId}@${v.version}`),
    ).to.deep.equal([`${ID}@2`]);
    const none = JSON.parse(
      (await call(gw.url, auditor, 'GET', `/v1/versions?sha256=${'0'.repeat(64)}`)).body.toString(),
    );
    expect(none.items).to.deep.equal([]);
    const bad = await call(gw.url, auditor, 'GET', '/v1/versions?sha256=XYZ');
    expect(bad.status).to.equal(400);
    expect(JSON.parse(bad.body.toString()).pointer).to.equal('/query/sha256');
  });

  it('searches in Chinese (default language from the browser) and opens a resource with its timeline, rights, receipts and fixity', async () => {
    await page.goto(`${proxy.url}/console/`);
    expect(await page.getAttribute('html', 'lang')).to.equal('zh-CN');
    // the first Tab lands on the skip link, which moves focus to the main content
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('main');
    await page.getByLabel('检索词').fill('论语');
    await page.keyboard.press('Enter');
    const results = page.locator('#search-results');
    await results.waitFor();
    expect(await results.locator('caption').textContent()).to.contain('论语');
    const links = results.locator('tbody a');
    expect(await links.allTextContents()).to.deep.equal([ID]); // the withdrawn duplicate is left out
    await expectLive('1');
    await shot('search-zh-1280');

    await links.first().click();
    await page.locator('#versions').waitFor();
    expect(await page.locator('h1').textContent()).to.equal('论语·学而第一 OCR 文本');
    expect(await page.locator('#versions tbody tr').count()).to.equal(2);
    const kinds = await page.locator('#timeline tbody tr td:nth-child(2)').allTextContents();
    expect(kinds).to.include.members(['登记版本', '授权', '撤销授权', '接收回执']);
    expect(await page.locator('#rights tbody tr').count()).to.equal(2);
    expect(await page.locator('#rights-history tbody tr').count()).to.equal(3);
    expect(await page.locator('#receipts tbody tr td').nth(2).textContent()).to.contain('✓');
    expect(await page.locator('#fixity tbody tr').count()).to.equal(2);
    expect(await page.locator('.checks .good').count()).to.be.greaterThan(1);
    // at 1280 px the versions table fits without sideways scrolling
    expect(
      await page.evaluate(() => {
        const table = document.getElementById('versions')!;
        return table.scrollWidth <= table.parentElement!.clientWidth;
      }),
    ).to.equal(true);
    await shot('resource-zh-1280');

    // tablet: nothing wider than the screen but the tables' own scrolling regions
    await page.setViewportSize({ width: 800, height: 1100 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).to.equal(true);
    await shot('resource-zh-tablet-800');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('switches to English, sets the lang attribute and remembers the choice', async () => {
    await page.selectOption('#lang', 'en');
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    expect(await page.locator('nav a').first().textContent()).to.equal('Search');
    await page.reload();
    expect(await page.getAttribute('html', 'lang')).to.equal('en');
    await page.locator('#versions').waitFor();
    expect(await page.locator('#h-rights').textContent()).to.equal('Rights records');
    await shot('resource-en-1280');
  });

  it('lists rights expiring within N days and exports the table as CSV and JSON, in the browser', async () => {
    await page.goto(`${proxy.url}/console/#/expiring?days=30`);
    const table = page.locator('#expiring');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).to.equal(1);
    expect(await table.locator('tbody th').textContent()).to.equal('g-nlc-soon');
    await shot('expiring-en-1280');

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /as CSV/ }).click(),
    ]);
    expect(csv.suggestedFilename()).to.equal('rights-expiring-30d.csv');
    const text = (await readFile((await csv.path())!, 'utf8')).replace(/^\uFEFF/, '');
    const [header, row, end] = text.split('\r\n');
    expect(header).to.equal('rightsId,target,assignee,actions,notAfter,daysLeft,status');
    expect(row).to.match(
      /^g-nlc-soon,resource:jl-lunyu-xueer-ocr,NLCMSP,reproduce archive,\d{4}-\d\d-\d\dT[^,]+,(9|10),granted$/,
    );
    expect(end).to.equal('');
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /as JSON/ }).click(),
    ]);
    const rows = JSON.parse(await readFile((await json.path())!, 'utf8')) as { rightsId: string }[];
    expect(rows.map((r) => r.rightsId)).to.deep.equal(['g-nlc-soon']);
    await expectLive('rights-expiring-30d.json');

    await page.selectOption('#days', '7');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByText('No rights end within 7 days.').waitFor();
  });

  it('verifies a dropped file in the browser: the registered bytes are ✓ on chain, altered bytes ✗; nothing is uploaded', async () => {
    const sent = proxy.requests.length;
    await page.goto(`${proxy.url}/console/#/verify?resource=${ID}`);
    await page.locator('#dropzone').waitFor();
    // keyboard users: from the resource field, Tab reaches the file input behind the visible label
    await page.focus('#resource');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('file');
    expect(await page.evaluate(() => document.querySelector('#dropzone')!.matches(':focus-within'))).to.equal(true);
    await page.setInputFiles('#file', { name: 'xueer.txt', mimeType: 'text/plain', buffer: v2 });
    const verdict = page.locator('.verdict');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verdict')).to.equal('match');
    expect(await verdict.textContent()).to.contain('version 2');
    await expectLive('✓');
    await shot('verify-match-en-1280');

    // drag and drop: a File built in the page, dropped on the zone
    const altered = Buffer.from(v2);
    altered[altered.length - 2] = altered[altered.length - 2]! ^ 1;
    await page.evaluate(
      async (bytes) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], 'xueer-altered.txt', { type: 'text/plain' }));
        const zone = document.getElementById('dropzone')!;
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      [...altered],
    );
    await page.locator('.verdict[data-verdict="mismatch"]').waitFor();
    expect(await page.locator('.verdict').textContent()).to.contain('Not on chain');
    await expectLive('✗');
    await shot('verify-mismatch-en-1280');

    // without a resource id the console looks the digest up (GET /v1/versions?sha256=)
    await page.fill('#resource', '');
    await page.setInputFiles('#file', { name: 'copy.txt', mimeType: 'text/plain', buffer: v2 });
    await page.locator('.verdict[data-verdict="match"]').waitFor();
    expect(await page.locator('.verdict').textContent()).to.contain(`version 2 of resource ${ID}`);
    expect(await page.locator('#verify-matches tbody a').allTextContents()).to.deep.equal([ID]);
    await shot('verify-lookup-en-1280');
    await page.setInputFiles('#file', { name: 'altered.txt', mimeType: 'text/plain', buffer: altered });
    await page.locator('.verdict[data-verdict="mismatch"]').waitFor();
    expect(await page.locator('.verdict').textContent()).to.contain('no version of any resource');

    // what the browser sent while verifying: GETs without bodies, none of them carrying the file
    const during = proxy.requests.slice(sent);
    expect(during.length).to.be.greaterThan(0);
    for (const r of during) {
      expect(r.method, r.url).to.equal('GET');
      expect(r.body.length, r.url).to.equal(0);
    }
    const marker = v2.subarray(0, 64);
    for (const b of [...browserBodies, ...proxy.requests.map((r) => r.body)])
      expect(b.includes(marker)).to.equal(false);
  });

  it('hashes a file beyond the WebCrypto limit (65 MiB) with the incremental SHA-256, read slice by slice', async () => {
    const big = randomBytes(65 * 1024 * 1024);
    const file = join(profile, 'big.bin');
    await writeFile(file, big);
    await page.goto(`${proxy.url}/console/#/verify?resource=${ID}`);
    await page.setInputFiles('#file', file);
    await page.locator('.verdict[data-verdict="mismatch"]').waitFor({ timeout: 60_000 });
    const computed = await page.locator('#verify-digests tbody tr td:nth-child(2)').allTextContents();
    expect(computed).to.deep.equal([
      String(big.length),
      createHash('sha256').update(big).digest('hex'),
      createHash('sm3').update(big).digest('hex'),
    ]);
    expect(await page.getByText('SHA-256 by this console’s incremental implementation').count()).to.equal(1);
    await shot('verify-large-en-1280');
  });

  async function expectLive(text: string) {
    await page.waitForFunction((t) => document.getElementById('live')?.textContent?.includes(t), text);
    expect(await live().textContent()).to.contain(text);
  }
});
