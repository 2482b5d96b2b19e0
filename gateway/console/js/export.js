// @ts-check
// Client-side CSV (RFC 4180) and JSON exports of the tables: built from the raw values, not the
// formatted cells, and handed to the browser as a download (nothing goes back to the server).

/** Spreadsheet programs run cells starting with these as formulas; such text cells get a leading quote. */
const FORMULA = /^[=+\-@\t\r]/;

/** @param {unknown} v */
function csvCell(v) {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * @param {readonly { key: string, header: string }[]} columns
 * @param {readonly Record<string, unknown>[]} rows
 */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvCell(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c.key])).join(','));
  // the BOM lets spreadsheet programs read the Chinese text as UTF-8
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** @param {readonly Record<string, unknown>[]} rows */
export const toJson = (rows) => `${JSON.stringify(rows, null, 2)}\n`;

/** @param {string} name @param {string} text @param {string} type */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** @param {string} s */
export const fileSafe = (s) =>
  s
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80) || 'export';
