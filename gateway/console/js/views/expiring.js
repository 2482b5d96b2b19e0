// @ts-check
import { enc, getJson } from '../api.js';
import { t, tn } from '../i18n.js';
import { announce, formatDate, h, replace } from '../dom.js';
import { dataTable } from '../table.js';
import { errorBox, go, heading } from '../view-kit.js';
import { statusBadge } from './search.js';

const CHOICES = [7, 30, 90, 180, 365];
const DAY = 86_400_000;

/** @param {HTMLElement} main @param {URLSearchParams} params */
export async function expiringView(main, params) {
  const asked = Number(params.get('days'));
  const days = Number.isInteger(asked) && asked >= 0 && asked <= 36500 ? asked : 30;
  const choices = CHOICES.includes(days) ? CHOICES : [...CHOICES, days].sort((a, b) => a - b);
  const select = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'days', name: 'days' },
      ...choices.map((n) => h('option', { value: n, selected: n === days }, t('expiring.daysOption', { n }))),
    )
  );
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        go(`#/expiring?days=${select.value}`);
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'days' }, t('expiring.days')), select),
    h('button', { type: 'submit', class: 'primary' }, t('expiring.submit')),
  );
  const results = h('div', { id: 'results' }, h('p', { class: 'muted' }, t('common.loading')));
  main.append(heading(t('expiring.title')), h('p', { class: 'intro' }, t('expiring.intro')), form, results);
  try {
    const now = Date.now();
    const page = await getJson('/v1/audit/rights', {
      status: 'in-force',
      expiringWithinDays: days,
      proofs: 'false',
      limit: 1000,
    });
    const rows = page.items
      .map((/** @type {any} */ r) => ({
        rightsId: r.rightsId,
        target: `${r.record.target.type}:${r.record.target.id}`,
        targetType: r.record.target.type,
        targetId: r.record.target.id,
        assignee: r.record.assignee,
        actions: r.record.actions.join(' '),
        notAfter: r.record.constraints.notAfter,
        daysLeft: Math.max(0, Math.ceil((Date.parse(r.record.constraints.notAfter) - now) / DAY)),
        status: r.record.status,
      }))
      .sort((/** @type {any} */ a, /** @type {any} */ b) => a.daysLeft - b.daysLeft);
    const summary = rows.length ? t('expiring.caption', { n: days }) : t('expiring.none', { n: days });
    replace(
      results,
      rows.length
        ? dataTable({
            id: 'expiring',
            caption: summary,
            exportName: `rights-expiring-${days}d`,
            note: t('common.total', { total: page.total, shown: rows.length }),
            columns: [
              { key: 'rightsId', label: 'col.rightsId', nowrap: true, cell: (r) => h('code', null, r.rightsId) },
              {
                key: 'target',
                label: 'col.resource',
                cell: (r) =>
                  r.targetType === 'resource'
                    ? h('a', { href: `#/resource/${enc(r.targetId)}` }, r.targetId)
                    : r.target,
              },
              { key: 'assignee', label: 'col.assignee' },
              { key: 'actions', label: 'col.actions', words: true },
              { key: 'notAfter', label: 'col.notAfter', nowrap: true, cell: (r) => formatDate(r.notAfter) },
              {
                key: 'daysLeft',
                label: 'col.daysLeft',
                nowrap: true,
                numeric: true,
                cell: (r) => h('span', { class: r.daysLeft <= 7 ? 'ko' : null }, String(r.daysLeft)),
              },
              { key: 'status', label: 'col.status', nowrap: true, cell: (r) => statusBadge(r.status) },
            ],
            rows,
          })
        : h('p', { class: 'summary' }, summary),
    );
    announce(rows.length ? `${summary}: ${tn('common.rows', rows.length)}` : summary);
  } catch (err) {
    replace(results, errorBox(err));
  }
  return { focus: null };
}
