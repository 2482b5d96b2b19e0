// @ts-check
import { t, tn } from './i18n.js';
import { announce, h } from './dom.js';
import { download, fileSafe, toCsv, toJson } from './export.js';

/**
 * @typedef {object} Column
 * @property {string} key  field of the row, also the export's field name
 * @property {import('./i18n.js').Key} label
 * @property {(row: any) => Node | string | number | null | undefined} [cell]  how the cell shows (default: the value)
 * @property {boolean} [numeric]
 * @property {boolean} [nowrap]  keep on one line (times, short codes), the table scrolls instead
 * @property {boolean} [words]  wrap at spaces only, never inside a word
 * @property {boolean} [secondary]  left out on tablet-sized screens (still in the exports)
 * @property {boolean} [long]  running text: keeps a readable width, the table scrolls instead
 */

/**
 * A semantic table with a caption and CSV / JSON export of exactly its rows.
 * @param {{ id: string, caption: string, columns: Column[], rows: Record<string, unknown>[], note?: string, exportName?: string, captionHidden?: boolean }} spec
 */
export function dataTable(spec) {
  const { id, caption, columns, rows } = spec;
  const name = fileSafe(spec.exportName ?? id);
  const exportCols = columns.map((c) => ({ key: c.key, header: c.key }));
  const exportRows = rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, r[c.key] ?? null])));
  const save = (/** @type {'csv' | 'json'} */ format) => {
    const file = `${name}.${format}`;
    if (format === 'csv') download(file, toCsv(exportCols, exportRows), 'text/csv;charset=utf-8');
    else download(file, toJson(exportRows), 'application/json');
    announce(t('export.done', { file }));
  };
  const tools = h(
    'div',
    { class: 'table-tools' },
    h('span', { class: 'muted' }, spec.note ?? tn('common.rows', rows.length)),
    h(
      'button',
      {
        type: 'button',
        'data-export': 'csv',
        'aria-label': t('export.label', { caption, format: 'CSV' }),
        onclick: () => save('csv'),
      },
      t('export.csv'),
    ),
    h(
      'button',
      {
        type: 'button',
        'data-export': 'json',
        'aria-label': t('export.label', { caption, format: 'JSON' }),
        onclick: () => save('json'),
      },
      t('export.json'),
    ),
  );
  const table = h(
    'table',
    { id },
    // a caption the section's heading already shows stays for screen readers only
    h('caption', { class: spec.captionHidden ? 'visually-hidden' : null }, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ...columns.map((c) =>
          h(
            'th',
            { scope: 'col', class: [c.numeric ? 'num' : '', c.secondary ? 'secondary' : ''].join(' ').trim() || null },
            t(c.label),
          ),
        ),
      ),
    ),
    h(
      'tbody',
      null,
      rows.length === 0
        ? h('tr', null, h('td', { colspan: columns.length, class: 'muted' }, t('common.empty')))
        : rows.map((r) =>
            h(
              'tr',
              null,
              ...columns.map((c, i) => {
                const content = c.cell ? c.cell(r) : /** @type {any} */ (r[c.key]);
                // the first column names the row for screen readers
                const cls =
                  [
                    c.numeric ? 'num' : '',
                    c.nowrap ? 'nowrap' : '',
                    c.words ? 'words' : '',
                    c.secondary ? 'secondary' : '',
                    c.long ? 'long' : '',
                  ]
                    .join(' ')
                    .trim() || null;
                return h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, class: cls }, content ?? '');
              }),
            ),
          ),
    ),
  );
  // the wrapper scrolls sideways on narrow screens; focusable so keyboard users can scroll it too
  return h(
    'div',
    { class: 'table-block' },
    tools,
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': caption }, table),
  );
}
