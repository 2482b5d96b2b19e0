import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { main } from '../../node/cli/index.js';
import { openFixityStore, runFixityAudit } from '../../node/fixity/index.js';
import { barChart, hbarChart, lineChart, niceAxis, parsePeriod, renderReportHtml } from '../../node/report/index.js';
import type { AuditReportData } from '../../node/report/index.js';
import type { Ledger } from '../../node/ledger/types.js';
import { registerText, tempNode } from '../runtime/helpers.js';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (out += String(chunk)),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (err += String(chunk)),
    true
  )) as typeof process.stderr.write;
  const exitCode = process.exitCode;
  try {
    return { code: await main(['node', 'shulian', ...args]), out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = exitCode;
  }
}

const have = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

async function grant(ledger: Ledger, rightsId: string, resourceId: string, assignee: string, notAfter: string | null) {
  await ledger.submit({
    fn: 'GrantRights',
    args: [
      JSON.stringify({
        rightsId,
        target: { type: 'resource', id: resourceId },
        rightsholder: '吉林省图书馆',
        assignee,
        actions: ['display', 'archive'],
        constraints: { notBefore: '2026-01-01T00:00:00Z', notAfter },
        basis: 'licence',
      }),
    ],
  });
}

async function blockFilesHolding(dir: string, bytes: Buffer): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && entry.name.endsWith('.data')) {
      const path = join(entry.parentPath, entry.name);
      if ((await readFile(path)).equals(bytes)) found.push(path);
    }
  return found;
}

describe('audit report', function () {
  this.timeout(120_000);
  let home: string;
  let out: string;
  const today = new Date().toISOString().slice(0, 10);
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

  before(async () => {
    const t = await tempNode();
    home = t.home;
    out = await mkdtemp(join(tmpdir(), 'shulian-report-'));
    const { node } = t;
    try {
      const texts: Record<string, string> = {};
      for (let i = 0; i < 6; i++) {
        texts[`rp-${i}`] = `报告样本 ${i} report sample ${'文'.repeat(i + 3)}`;
        const r = await registerText(node, `rp-${i}`, texts[`rp-${i}`]!, { title: [`样本 ${i}`] });
        void r;
      }
      await grant(node.ledger, 'g-nlc-0', 'rp-0', 'NLCMSP', null);
      await grant(node.ledger, 'g-nlc-1', 'rp-1', 'NLCMSP', inDays(10)); // expiring within 30 days of the end
      await grant(node.ledger, 'g-pub-2', 'rp-2', 'public', inDays(200));
      await grant(node.ledger, 'g-pub-3', 'rp-3', 'public', null);
      await node.ledger.submit({ fn: 'RevokeRights', args: ['g-pub-3', '许可提前终止 licence ended early'] });
      const wh = await node.ledgerAs('NLCMSP/warehouse');
      await node.catchUp();
      for (const id of ['rp-0', 'rp-1', 'rp-2']) {
        const v = node.index.getVersion(id, 1)!.record;
        await wh.submit({
          fn: 'RecordReceipt',
          args: [JSON.stringify({ resourceId: id, version: 1, cid: v.cid, sha256: v.sha256, sm3: v.sm3 })],
        });
      }
      await node.catchUp();
      const store = openFixityStore({ home });
      try {
        const parts = { content: node.content, index: node.index, ledger: node.ledger, store };
        await runFixityAudit(parts, { trigger: 'test' });
        const bytes = Buffer.from(texts['rp-4']!, 'utf8');
        const [file] = await blockFilesHolding(join(home, 'content', 'blocks'), bytes);
        await writeFile(file!, Buffer.concat([bytes.subarray(0, 3), Buffer.from('X'), bytes.subarray(4)]));
        await runFixityAudit(parts, { trigger: 'test' });
      } finally {
        store.close();
      }
    } finally {
      await node.close();
    }
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('rejects a malformed or reversed period, naming the field', async () => {
    expect(() => parsePeriod('2026-02-30', '2026-03-01')).to.throw(/\/from: expected a date YYYY-MM-DD/);
    expect(() => parsePeriod('2026-03-02', '2026-03-01')).to.throw(/\/to: expected a day on or after/);
    const bad = await cli(
      'audit',
      'report',
      '--from',
      '2026-1-1',
      '--to',
      today,
      '--home',
      home,
      '--out',
      out,
      '--no-pdf',
    );
    expect(bad.code).to.equal(1);
    expect(bad.err).to.match(/\[VALIDATION\] \/from: expected a date YYYY-MM-DD, got "2026-1-1"/);
  });

  it('writes HTML, JSON and PDF with the expected counts', async function () {
    const chromium = process.env.SHULIAN_CHROMIUM ?? '/usr/bin/chromium';
    if (!existsSync(chromium)) this.skip();
    const run = await cli('audit', 'report', '--from', today, '--to', today, '--home', home, '--out', out, '--json');
    expect(run.code, run.err).to.equal(0);
    const result = JSON.parse(run.out) as { files: { html: string; json: string; pdf: string }; problems: number };
    expect(result.problems).to.equal(1);
    const data = JSON.parse(await readFile(result.files.json, 'utf8')) as AuditReportData;
    expect(data.rights.granted.map((r) => r.rightsId).sort()).to.deep.equal([
      'g-nlc-0',
      'g-nlc-1',
      'g-pub-2',
      'g-pub-3',
    ]);
    expect(data.rights.revoked.map((r) => r.rightsId)).to.deep.equal(['g-pub-3']);
    expect(data.rights.revoked[0]?.reason).to.equal('许可提前终止 licence ended early');
    expect(data.rights.expiring.map((r) => r.rightsId)).to.deep.equal(['g-nlc-1']);
    expect(data.rights.inForceAtEnd).to.equal(3);
    expect(data.rights.byAssignee).to.deep.equal([
      { assignee: 'public', granted: 2, revoked: 1 },
      { assignee: 'NLCMSP', granted: 2, revoked: 0 },
    ]);
    expect(data.ingest.versions).to.equal(6);
    expect(data.transfers.receipts.map((r) => r.resourceId).sort()).to.deep.equal(['rp-0', 'rp-1', 'rp-2']);
    expect(data.transfers.pending.map((p) => p.resourceId)).to.deep.equal(['rp-3', 'rp-4', 'rp-5']);
    expect(data.fixity).to.include({ checks: 12, passed: 11, failed: 1 });
    expect(data.fixity.runs).to.have.length(2);
    expect(data.problems).to.have.length(1);
    expect(data.problems[0]).to.include({ kind: 'fixity-failure', subject: 'rp-4 v1' });
    expect(data.buckets.unit).to.equal('hour');
    expect(data.buckets.labels).to.have.length(24);
    const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(data.ingest.perBucket.versions)).to.equal(6);
    expect(sum(data.rights.perBucket.granted)).to.equal(4);
    expect(sum(data.transfers.perBucket)).to.equal(3);
    expect(sum(data.fixity.perBucket.passed)).to.equal(11);
    expect(sum(data.fixity.perBucket.failed)).to.equal(1);

    // the HTML is well-formed XML (xmllint parses it strictly) and says what a reader needs
    const html = await readFile(result.files.html, 'utf8');
    if (have('xmllint')) execFileSync('xmllint', ['--noout', result.files.html]);
    expect(html).to.include('审计报告');
    expect(html).to.include('Audit report');
    expect(html.match(/<svg /g)).to.have.length(4);
    expect(html).to.include('rp-4');
    expect(html).to.include('本期有 1 个失败项');

    // the PDF: a real PDF with pages and the report's text, CJK included
    const pdf = await readFile(result.files.pdf);
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    if (have('pdfinfo') && have('pdftotext')) {
      const info = execFileSync('pdfinfo', [result.files.pdf], { encoding: 'utf8' });
      expect(Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])).to.be.greaterThanOrEqual(2);
      expect(info).to.match(/Page size:\s+59[45]\.\d+ x 84[12]\.\d+ pts \(A4\)/);
      const text = execFileSync('pdftotext', ['-layout', result.files.pdf, '-'], { encoding: 'utf8' });
      expect(text).to.include('审计报告');
      expect(text).to.include('rp-4');
      expect(text).to.include('g-nlc-1');
    } else {
      expect(pdf.toString('latin1')).to.match(/\/Type\s*\/Page[^s]/);
      expect(pdf.subarray(-1024).toString('latin1')).to.include('%%EOF');
    }
  });

  it('says which Chromium is missing, and writes nothing', async () => {
    const dir = join(out, 'missing');
    const saved = process.env.SHULIAN_CHROMIUM;
    process.env.SHULIAN_CHROMIUM = '/nonexistent/chromium';
    try {
      const run = await cli('audit', 'report', '--from', today, '--to', today, '--home', home, '--out', dir);
      expect(run.code).to.equal(1);
      expect(run.err).to.include('[CHROMIUM_MISSING]');
      expect(run.err).to.include('/nonexistent/chromium');
      expect(run.err).to.include('SHULIAN_CHROMIUM');
      expect(existsSync(dir) ? await readdir(dir) : []).to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.SHULIAN_CHROMIUM;
      else process.env.SHULIAN_CHROMIUM = saved;
    }
    const html = await cli('audit', 'report', '--from', today, '--to', today, '--home', home, '--out', dir, '--no-pdf');
    expect(html.code, html.err).to.equal(0);
    expect((await readdir(dir)).sort()).to.deep.equal([
      `shulian-audit-${today}_${today}.html`,
      `shulian-audit-${today}_${today}.json`,
    ]);
  });

  it('charts: nice axes, one SVG per chart, escaped labels, numbers in the description', () => {
    expect(niceAxis(0)).to.deep.equal({ top: 1, step: 1 });
    expect(niceAxis(4)).to.deep.equal({ top: 4, step: 1 });
    expect(niceAxis(37)).to.deep.equal({ top: 40, step: 10 });
    expect(niceAxis(1234)).to.deep.equal({ top: 1500, step: 500 });
    const series = [{ name: '授权 <grants>', values: [1, 0, 3], color: '#000' }];
    for (const svg of [
      lineChart({ title: 't & u', labels: ['a', 'b', 'c'], series }),
      barChart({ title: 't & u', labels: ['a', 'b', 'c'], series, stacked: true }),
      hbarChart({ title: 't & u', labels: ['a', 'b', 'c'], series }),
    ]) {
      expect(svg).to.match(/^<svg [^>]*role="img"/);
      expect(svg).to.include('<title>t &#38; u</title>');
      expect(svg).to.include('授权 &#60;grants&#62;: a 1, b 0, c 3');
      expect(svg).to.not.include('<grants>');
    }
  });

  it('an empty period renders a calm, complete page', () => {
    const html = renderReportHtml({
      generated: '2026-01-01T00:00:00.000Z',
      org: 'JilinLibraryMSP',
      period: parsePeriod('2025-01-01', '2025-12-31'),
      chain: { eventsApplied: 0, position: null },
      buckets: { unit: 'month', labels: ['2025-01'] },
      rights: {
        granted: [],
        revoked: [],
        expiring: [],
        expiringWithinDays: 30,
        expired: [],
        inForceAtEnd: 0,
        byAssignee: [],
        perBucket: { granted: [0], revoked: [0] },
      },
      ingest: { versions: 0, withdrawals: 0, perBucket: { versions: [0], withdrawals: [0] } },
      transfers: { receipts: [], bytes: 0, byWarehouse: [], perBucket: [0], pending: [] },
      fixity: {
        kept: false,
        runs: [],
        checks: 0,
        passed: 0,
        failed: 0,
        failures: [],
        perBucket: { passed: [0], failed: [0] },
      },
      problems: [],
    });
    expect(html).to.include('本期无失败项');
    expect(html).to.include('The node keeps no fixity results');
  });
});
