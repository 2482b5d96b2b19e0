import { barChart, hbarChart, lineChart } from './charts.js';
import type { AuditReportData, RightsRow } from './data.js';
import { escapeXml as x } from './xml.js';
import { bytes, short } from '../core/format.js';

/** Rows shown per table; report.json holds them all. */
export const MAX_ROWS = 200;

const COLORS = {
  grant: '#1f6fb2',
  revoke: '#c2410c',
  receipt: '#15803d',
  version: '#6d28d9',
  pass: '#15803d',
  fail: '#b91c1c',
};

/**
 * The report as one self-contained, well-formed (XML-parsable) HTML document: inline CSS and SVG, no script,
 * nothing fetched. Labels are Chinese with English beside them. The same document is printed to PDF.
 */
export function renderReportHtml(data: AuditReportData): string {
  const { period, rights, transfers, fixity, ingest, problems } = data;
  const unit = { hour: '按小时 per hour (UTC)', day: '按日 per day', month: '按月 per month' }[data.buckets.unit];
  const ok = problems.length === 0;
  const cards = [
    card('新授权', 'rights granted', rights.granted.length),
    card('撤销', 'revoked', rights.revoked.length, rights.revoked.length > 0 ? 'warn' : ''),
    card(
      `${rights.expiringWithinDays} 天内到期`,
      `expiring ≤ ${rights.expiringWithinDays} d`,
      rights.expiring.length,
      rights.expiring.length > 0 ? 'warn' : '',
    ),
    card('期末有效授权', 'in force at end', rights.inForceAtEnd),
    card('新版本', 'versions registered', ingest.versions),
    card('国家馆签收', 'receipts', transfers.receipts.length),
    card('固定性检查', 'fixity checks', fixity.checks),
    card('检查失败', 'fixity failures', fixity.failed, fixity.failed > 0 ? 'bad' : 'good'),
  ].join('');

  const body = [
    `<header><p class="kicker">书链 Shulian · ${x(data.org)}</p>`,
    `<h1>审计报告 <span class="en">Audit report</span></h1>`,
    `<p class="period">${x(period.from)} — ${x(period.to)} <span class="muted">(UTC, ${period.days} 天 days)</span></p>`,
    `<p class="muted small">生成于 Generated ${time(data.generated)} UTC · 依据链上数据至 chain data up to ${
      data.chain.position
        ? `区块 block ${data.chain.position.blockNumber} (${data.chain.eventsApplied} 个事件 events)`
        : '—'
    }</p></header>`,
    `<div class="banner ${ok ? 'ok' : 'bad'}">${
      ok
        ? '✓ 本期无失败项 <span class="en">Nothing failed in this period</span>'
        : `✗ 本期有 ${problems.length} 个失败项 <span class="en">${problems.length} problem(s) in this period — see below</span>`
    }</div>`,
    `<section class="cards">${cards}</section>`,

    // what failed first: an auditor reads this before anything else
    problems.length > 0
      ? section(
          'problems',
          '失败项',
          'What failed',
          table(
            ['时间 When', '类型 Kind', '对象 Subject', '说明 Detail', '引用 Reference'],
            problems.map((p) => [
              time(p.at),
              p.kind === 'fixity-failure' ? '固定性检查失败 fixity check failed' : '审计未上链 run not anchored',
              code(p.subject),
              x(p.detail),
              code(p.ref),
            ]),
            'bad',
          ),
        )
      : '',

    section(
      'activity',
      '活动概览',
      'Activity',
      figure(
        lineChart({
          title: `链上活动 Activity on chain (${unit})`,
          labels: data.buckets.labels,
          series: [
            { name: '新版本 versions', values: ingest.perBucket.versions, color: COLORS.version },
            { name: '签收 receipts', values: transfers.perBucket, color: COLORS.receipt },
            { name: '授权 grants', values: rights.perBucket.granted, color: COLORS.grant },
            { name: '撤销 revocations', values: rights.perBucket.revoked, color: COLORS.revoke },
          ],
        }),
        `新版本 versions ${ingest.versions}，撤回 withdrawals ${ingest.withdrawals}，签收 receipts ${transfers.receipts.length}，授权 grants ${rights.granted.length}，撤销 revocations ${rights.revoked.length}。`,
        allZero(ingest.perBucket.versions, transfers.perBucket, rights.perBucket.granted, rights.perBucket.revoked),
      ),
    ),

    section(
      'rights',
      '版权授权',
      'Rights',
      [
        rights.byAssignee.length > 0
          ? figure(
              hbarChart({
                title: '按被授权方 By assignee',
                labels: rights.byAssignee.map((a) => a.assignee),
                series: [
                  { name: '授权 granted', values: rights.byAssignee.map((a) => a.granted), color: COLORS.grant },
                  { name: '撤销 revoked', values: rights.byAssignee.map((a) => a.revoked), color: COLORS.revoke },
                ],
              }),
              '',
            )
          : '',
        sub('本期新授权', 'Granted in the period', rightsTable(rights.granted, 'granted')),
        sub('本期撤销', 'Revoked in the period', rightsTable(rights.revoked, 'revoked')),
        sub(
          `期末起 ${rights.expiringWithinDays} 天内到期`,
          `Expiring within ${rights.expiringWithinDays} days of the period's end`,
          rightsTable(rights.expiring, 'expiring'),
        ),
        sub('本期到期', 'Expired during the period', rightsTable(rights.expired, 'expiring')),
      ].join(''),
    ),

    section(
      'transfers',
      '移交与签收',
      'Transfers and receipts',
      [
        figure(
          barChart({
            title: `国家馆签收 Receipts by the national warehouse (${unit})`,
            labels: data.buckets.labels,
            series: [{ name: '签收 receipts', values: transfers.perBucket, color: COLORS.receipt }],
          }),
          `共签收 ${transfers.receipts.length} 个版本 version(s) received, ${bytes(transfers.bytes)}。`,
          allZero(transfers.perBucket),
        ),
        transfers.byWarehouse.length > 0
          ? table(
              ['接收方 Warehouse', '签收 Receipts', '数据量 Bytes'],
              transfers.byWarehouse.map((w) => [x(w.warehouse), num(w.receipts), bytes(w.bytes)]),
            )
          : '',
        sub(
          '签收记录',
          'Receipts',
          limited(transfers.receipts, (rows) =>
            table(
              ['时间 When', '资源 Resource', '版本 Version', '接收方 Warehouse', '大小 Size', '交易 Transaction'],
              rows.map((r) => [
                time(r.at),
                code(r.resourceId),
                num(r.version),
                x(r.warehouse),
                r.size === null ? '—' : bytes(r.size),
                code(short(r.txId)),
              ]),
            ),
          ),
        ),
        sub(
          '尚未签收的新版本',
          'Versions of the period not yet received',
          limited(transfers.pending, (rows) =>
            table(
              ['登记时间 Registered', '资源 Resource', '版本 Version'],
              rows.map((p) => [time(p.registered), code(p.resourceId), num(p.version)]),
            ),
          ),
        ),
      ].join(''),
    ),

    section(
      'fixity',
      '固定性审计',
      'Fixity audits',
      !fixity.kept
        ? '<p class="muted">本节点未保存固定性审计结果 The node keeps no fixity results.</p>'
        : [
            figure(
              barChart({
                title: `固定性检查 Fixity checks (${unit})`,
                labels: data.buckets.labels,
                stacked: true,
                flag: 1,
                series: [
                  { name: '通过 passed', values: fixity.perBucket.passed, color: COLORS.pass },
                  { name: '失败 failed', values: fixity.perBucket.failed, color: COLORS.fail },
                ],
              }),
              `共 ${fixity.runs.length} 次审计 runs，${fixity.checks} 次检查 checks，通过 passed ${fixity.passed}，失败 failed ${fixity.failed}。`,
              allZero(fixity.perBucket.passed, fixity.perBucket.failed),
            ),
            sub(
              '审计运行',
              'Audit runs',
              limited(fixity.runs, (rows) =>
                table(
                  [
                    '开始 Started',
                    '运行 Run',
                    '范围 Selection',
                    '检查 Checked',
                    '失败 Failed',
                    '链上锚定 Anchored (Merkle root)',
                  ],
                  rows.map((r) => [
                    time(r.started),
                    code(r.runId),
                    r.mode === 'all' ? '全部 all' : `抽样 sample ${Math.round(r.fraction * 1000) / 10}%`,
                    num(r.checked),
                    r.failed > 0 ? `<strong class="bad-text">${r.failed}</strong>` : '0',
                    r.anchor
                      ? `${code(short(r.anchor.root, 16))} 区块 block ${r.anchor.blockNumber}`
                      : `<span class="bad-text">未锚定 not anchored</span>`,
                  ]),
                ),
              ),
            ),
            sub(
              '失败的检查',
              'Failed checks',
              limited(fixity.failures, (rows) =>
                table(
                  ['时间 When', '资源 Resource', '版本 Version', 'CID', '说明 Detail'],
                  rows.map((f) => [
                    time(f.checked),
                    code(f.resourceId),
                    num(f.version),
                    code(short(f.expected.cid, 24)),
                    x(f.detail),
                  ]),
                  'bad',
                ),
              ),
            ),
          ].join(''),
    ),

    `<footer><p>核验方法 How to check: 每次固定性审计的结果以 Merkle 根（RFC 9162）锚定在链上（AnchorBatch，kind fixity-audit）；每条结果附包含证明，可离线核验（<code>shulian verify-proof</code>）。` +
      ` Each fixity run is anchored on chain as an RFC 9162 Merkle root; every result keeps its inclusion proof and can be verified offline. Rights, receipts and versions are read from the chain records of this node's index.</p></footer>`,
  ].join('\n');

  return `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>${x(`书链审计报告 Shulian audit report ${data.org} ${period.from} – ${period.to}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const CSS = `
@page { size: A4; margin: 14mm 13mm 16mm 13mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #1b1f24; background: #fff;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "DejaVu Sans", sans-serif;
  font-size: 10.5pt; line-height: 1.45; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm 0; }
@media print { main { padding: 0; max-width: none; } }
header h1 { font-size: 22pt; margin: 0 0 2mm; }
.kicker { margin: 0; color: #1f6fb2; font-weight: 600; letter-spacing: .04em; }
.period { font-size: 13pt; margin: 0 0 1mm; }
.en { color: #57606a; font-weight: normal; }
h1 .en, h2 .en, h3 .en { font-size: .72em; }
.muted { color: #57606a; } .small { font-size: 9pt; }
.banner { margin: 5mm 0; padding: 3mm 4mm; border-radius: 2mm; font-weight: 600; }
.banner.ok { background: #e7f5ec; color: #14532d; border: 1px solid #86c79e; }
.banner.bad { background: #fdecec; color: #7f1d1d; border: 1px solid #e59a9a; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin-bottom: 4mm; }
.card { border: 1px solid #d0d7de; border-radius: 2mm; padding: 2.5mm 3mm; break-inside: avoid; }
.card .n { font-size: 18pt; font-weight: 700; line-height: 1.1; }
.card .l { font-size: 9pt; } .card .l .en { display: block; font-size: 8pt; }
.card.warn .n { color: #b45309; } .card.bad .n { color: #b91c1c; } .card.good .n { color: #15803d; }
section { margin-top: 7mm; }
h2 { font-size: 15pt; border-bottom: 2px solid #1f6fb2; padding-bottom: 1mm; margin: 0 0 3mm; break-after: avoid; }
h3 { font-size: 11.5pt; margin: 5mm 0 2mm; break-after: avoid; }
figure { margin: 0 0 3mm; break-inside: avoid; }
figcaption { font-size: 9pt; color: #57606a; }
svg.chart { width: 100%; height: auto; display: block; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; margin-bottom: 2mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { text-align: left; background: #f3f5f7; font-weight: 600; }
th, td { border-bottom: 1px solid #e1e4e8; padding: 1.2mm 1.8mm; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.bad th { background: #fdecec; }
code { font-family: "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
.nw { white-space: nowrap; }
.caption { font-size: 9pt; color: #57606a; margin: 0 0 3mm; }
.bad-text { color: #b91c1c; }
.none { color: #57606a; font-style: italic; margin: 0 0 2mm; }
footer { margin-top: 8mm; padding-top: 3mm; border-top: 1px solid #d0d7de; font-size: 8.5pt; color: #57606a; }
`;

function card(zh: string, en: string, n: number, tone = ''): string {
  return `<div class="card${tone ? ` ${tone}` : ''}"><div class="n">${num(n)}</div><div class="l">${x(zh)}<span class="en">${x(en)}</span></div></div>`;
}

function section(id: string, zh: string, en: string, content: string): string {
  return `<section id="${id}"><h2>${x(zh)} <span class="en">${x(en)}</span></h2>${content}</section>`;
}

function sub(zh: string, en: string, content: string): string {
  return `<h3>${x(zh)} <span class="en">${x(en)}</span></h3>${content}`;
}

/** A chart with nothing to show is left out: the caption (or "none") says so in fewer words. */
function figure(svg: string, caption: string, empty = false): string {
  if (empty) return caption ? `<p class="caption">${x(caption)}</p>` : '';
  return `<figure>${svg}${caption ? `<figcaption>${x(caption)}</figcaption>` : ''}</figure>`;
}

function allZero(...series: readonly (readonly number[])[]): boolean {
  return series.every((values) => values.every((v) => v === 0));
}

/** Cells are HTML already (escaped by the caller); numeric columns align right. */
function table(head: readonly string[], rows: readonly (readonly string[])[], tone = ''): string {
  if (rows.length === 0) return '<p class="none">无 None</p>';
  const numeric = head.map((_, i) =>
    rows.every((r) => /^(<[^>]+>)?[\d,.]+( [KMGT]?i?B)?(<\/[^>]+>)?$|^—$/.test(r[i] ?? '')),
  );
  const th = head.map((h, i) => `<th scope="col"${numeric[i] ? ' class="num"' : ''}>${x(h)}</th>`).join('');
  const trs = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`)
    .join('');
  return `<table${tone ? ` class="${tone}"` : ''}><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

function limited<T>(rows: readonly T[], render: (rows: readonly T[]) => string): string {
  const shown = render(rows.slice(0, MAX_ROWS));
  return rows.length > MAX_ROWS
    ? `${shown}<p class="muted small">另有 ${rows.length - MAX_ROWS} 条，见 report.json · ${rows.length - MAX_ROWS} more in report.json</p>`
    : shown;
}

function rightsTable(rows: readonly RightsRow[], kind: 'granted' | 'revoked' | 'expiring'): string {
  return limited(rows, (shown) =>
    table(
      [
        '授权 Rights',
        '对象 Target',
        '被授权方 Assignee',
        '权利 Actions',
        '期限 Term',
        kind === 'revoked' ? '撤销 Revoked (reason)' : kind === 'granted' ? '授予 Granted' : '状态 Status',
      ],
      shown.map((r) => [
        code(r.rightsId),
        code(r.target),
        x(r.assignee),
        x(r.actions.join(', ')),
        `<span class="nw">${day(r.notBefore)}</span> – <span class="nw">${r.notAfter ? day(r.notAfter) : '∞'}</span>`,
        kind === 'revoked'
          ? `${time(r.revoked ?? '')}${r.reason ? ` (${x(r.reason)})` : ''}`
          : kind === 'granted'
            ? time(r.granted)
            : r.status === 'granted'
              ? '有效 granted'
              : '已撤销 revoked',
      ]),
    ),
  );
}

function time(iso: string): string {
  return iso ? `<span class="nw">${x(`${iso.slice(0, 10)} ${iso.slice(11, 16)}`)}</span>` : '—';
}

function day(iso: string): string {
  return x(iso.slice(0, 10));
}

/** Identifiers stay on one line when short enough; long ones (CIDs, long resource ids) may break anywhere. */
function code(text: string): string {
  return `<code${text.length <= 30 ? ' class="nw"' : ''}>${x(text)}</code>`;
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}
