/**
 * The auditor's report: `shulian audit report --from DATE --to DATE` gathers, for the period, rights
 * granted, revoked and expiring, registrations, transfers and the warehouse's receipts, fixity audits and
 * everything that failed (`collectReport`), and writes it as HTML with inline SVG charts (`renderReportHtml`),
 * as JSON with every row, and as an A4 PDF printed from the HTML by headless Chromium (`printPdf`).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { collectReport, type AuditReportData, type ReportOptions, type ReportSources } from './data.js';
import { renderReportHtml } from './html.js';
import { printPdf } from './pdf.js';

export { collectReport, parsePeriod, bucketsOf } from './data.js';
export type {
  AuditReportData,
  ReportSources,
  ReportOptions,
  Period,
  Buckets,
  RightsRow,
  ReceiptRow,
  PendingTransfer,
  Problem,
} from './data.js';
export { renderReportHtml, MAX_ROWS } from './html.js';
export { printPdf } from './pdf.js';
export type { PdfOptions } from './pdf.js';
export { lineChart, barChart, hbarChart, niceAxis } from './charts.js';
export type { Series, ChartOptions } from './charts.js';

export interface WriteReportOptions extends ReportOptions {
  /** Folder to write into (created when missing). */
  readonly out: string;
  /** Chromium for the PDF; undefined: no PDF. */
  readonly chromium?: string;
}

export interface WrittenReport {
  readonly data: AuditReportData;
  readonly files: { readonly html: string; readonly json: string; readonly pdf: string | null };
}

/** Collects the report and writes `<base>.html`, `<base>.json` and (with `chromium`) `<base>.pdf` into `out`. */
export async function writeAuditReport(
  sources: Readonly<ReportSources>,
  options: Readonly<WriteReportOptions>,
): Promise<WrittenReport> {
  const data = collectReport(sources, options);
  const dir = resolve(options.out);
  await mkdir(dir, { recursive: true });
  const base = join(dir, `shulian-audit-${data.period.from}_${data.period.to}`);
  const html = renderReportHtml(data);
  const files = {
    html: `${base}.html`,
    json: `${base}.json`,
    pdf: options.chromium === undefined ? null : `${base}.pdf`,
  };
  // the PDF first: when Chromium is missing, nothing is written and the error says what to install
  if (files.pdf !== null) await printPdf(html, files.pdf, { chromium: options.chromium as string });
  await writeWhole(files.html, html);
  await writeWhole(files.json, `${JSON.stringify(data, null, 2)}\n`);
  return { data, files };
}

async function writeWhole(path: string, text: string): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, text, { flush: true });
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}
