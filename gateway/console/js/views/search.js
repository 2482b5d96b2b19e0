// @ts-check
import { getJson, enc } from '../api.js';
import { t } from '../i18n.js';
import { announce, h, replace } from '../dom.js';
import { dataTable } from '../table.js';
import { errorBox, go, heading } from '../view-kit.js';

/** @param {HTMLElement} main @param {URLSearchParams} params */
export async function searchView(main, params) {
  const q = (params.get('q') ?? '').trim();
  const kind = params.get('kind') === 'record' ? 'record' : 'resource';
  const withdrawn = params.get('withdrawn') === '1';
  const input = /** @type {HTMLInputElement} */ (
    h('input', { id: 'q', name: 'q', type: 'search', value: q, required: true, maxlength: 256, autocomplete: 'off' })
  );
  const kindSelect = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'kind', name: 'kind' },
      h('option', { value: 'resource', selected: kind === 'resource' }, t('search.kind.resource')),
      h('option', { value: 'record', selected: kind === 'record' }, t('search.kind.record')),
    )
  );
  const withdrawnBox = /** @type {HTMLInputElement} */ (
    h('input', { id: 'withdrawn', type: 'checkbox', checked: withdrawn })
  );
  const form = h(
    'form',
    {
      role: 'search',
      class: 'toolbar',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        const next = new URLSearchParams({ q: input.value.trim() });
        if (kindSelect.value === 'record') next.set('kind', 'record');
        if (withdrawnBox.checked) next.set('withdrawn', '1');
        go(`#/search?${next}`);
      },
    },
    h('div', { class: 'field grow' }, h('label', { for: 'q' }, t('search.query')), input),
    h('div', { class: 'field' }, h('label', { for: 'kind' }, t('search.kind')), kindSelect),
    h('div', { class: 'field check' }, withdrawnBox, h('label', { for: 'withdrawn' }, t('search.withdrawn'))),
    h('button', { type: 'submit', class: 'primary' }, t('search.submit')),
  );
  const results = h('div', { id: 'results' });
  main.append(heading(t('search.title')), h('p', { class: 'intro' }, t('search.intro')), form, results);
  if (!q) {
    results.append(h('p', { class: 'muted' }, t('search.prompt')));
    return { focus: input };
  }
  results.append(h('p', { class: 'muted' }, t('common.loading')));
  try {
    const page = await getJson('/v1/search', { q, kind, includeWithdrawn: withdrawn ? 'true' : undefined, limit: 100 });
    const rows = page.items.map((/** @type {any} */ hit) => ({
      id: hit.id,
      resourceId: hit.resourceId ?? hit.id,
      kind: hit.kind,
      title: hit.title,
      status: hit.status,
      snippet: hit.snippet,
    }));
    const summary = rows.length ? t('search.results', { total: page.total }) : t('search.noResults', { q });
    replace(
      results,
      h('p', { class: 'summary' }, summary),
      rows.length
        ? dataTable({
            id: 'search-results',
            caption: t('search.caption', { q }),
            exportName: `search-${q}`,
            note: t('common.total', { total: page.total, shown: rows.length }),
            columns: [
              {
                key: 'id',
                label: 'col.id',
                cell: (r) => h('a', { href: `#/resource/${enc(r.resourceId)}` }, r.id),
              },
              { key: 'title', label: 'col.title' },
              { key: 'kind', label: 'col.kind', nowrap: true, cell: (r) => t(/** @type {any} */ (`kind.${r.kind}`)) },
              {
                key: 'status',
                label: 'col.status',
                nowrap: true,
                cell: (r) => (r.status ? statusBadge(r.status) : ''),
              },
              { key: 'snippet', label: 'col.snippet', cell: (r) => h('span', { class: 'snippet' }, r.snippet) },
            ],
            rows,
          })
        : null,
    );
    announce(summary);
  } catch (err) {
    replace(results, errorBox(err));
  }
  return {};
}

/** @param {string} status */
export const statusBadge = (status) =>
  h('span', { class: `badge ${status}` }, t(/** @type {any} */ (`status.${status}`)));
