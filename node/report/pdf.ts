import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { ShulianError } from '../core/errors.js';

export interface PdfOptions {
  /** Chromium executable (SHULIAN_CHROMIUM; Debian's /usr/bin/chromium by default). */
  readonly chromium: string;
}

/**
 * Prints a self-contained HTML document to an A4 PDF with headless Chromium (through playwright-core), so
 * the PDF has the same CJK text, charts and layout as the HTML, with real text (searchable, copyable) and
 * page numbers. Written to a temporary file and renamed: no half-written PDF is ever left behind.
 */
export async function printPdf(html: string, path: string, options: Readonly<PdfOptions>): Promise<void> {
  if (!existsSync(options.chromium))
    throw new ShulianError(
      'CHROMIUM_MISSING',
      `the PDF needs Chromium, and ${options.chromium} does not exist: install Debian's chromium (apt-get install chromium) or set SHULIAN_CHROMIUM to a Chromium executable; --no-pdf writes the HTML alone`,
      { file: options.chromium },
    );
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    throw new ShulianError(
      'PLAYWRIGHT_MISSING',
      'the PDF needs the playwright-core package: npm install -w node playwright-core',
      {
        cause: err,
      },
    );
  }
  const browser = await chromium.launch({
    executablePath: options.chromium,
    headless: true,
    // root in a container has no user namespaces for the sandbox; the page is our own, with no script
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const partial = `${path}.partial`;
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({
      path: partial,
      format: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="width:100%;font-size:8px;color:#57606a;text-align:center;font-family:\'Noto Sans CJK SC\',sans-serif">' +
        '书链审计报告 Shulian audit report · <span class="pageNumber"></span> / <span class="totalPages"></span></div>',
    });
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    await browser.close();
  }
}
