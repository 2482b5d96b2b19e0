// @ts-check
import { ApiError, documentedPaths, enc, getJson } from '../api.js';
import { t } from '../i18n.js';
import { announce, formatNumber, formatTime, h, replace } from '../dom.js';
import { dataTable } from '../table.js';
import { errorBox, heading } from '../view-kit.js';
import { check } from './resource.js';
import { statusBadge } from './search.js';

/** Routes that find versions by digest, if this gateway has one (the resource id is then optional). */
const LOOKUPS = ['/v1/audit/versions', '/v1/versions'];

/** @typedef {{ sha256: string, sm3: string, size: number, method: 'webcrypto' | 'js', name: string }} Digests */

/** @param {HTMLElement} main @param {URLSearchParams} params */
export async function verifyView(main, params) {
  /** @type {Digests | null} */
  let digests = null;
  /** @type {Worker | null} */
  let worker = null;

  const resourceInput = /** @type {HTMLInputElement} */ (
    h('input', {
      id: 'resource',
      name: 'resource',
      type: 'text',
      value: params.get('resource') ?? '',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'resource-hint',
    })
  );
  const fileInput = /** @type {HTMLInputElement} */ (h('input', { id: 'file', type: 'file', class: 'file-input' }));
  const progress = /** @type {HTMLProgressElement} */ (
    h('progress', { id: 'progress', max: 1, value: 0, 'aria-labelledby': 'progress-label' })
  );
  const progressBox = h('div', { class: 'progress', hidden: true }, h('span', { id: 'progress-label' }, ''), progress);
  const result = h('div', { id: 'verify-result' });
  const zone = h(
    'div',
    { class: 'dropzone', id: 'dropzone' },
    h('p', { class: 'drop-title' }, t('verify.drop')),
    h('p', { class: 'muted' }, t('verify.or')),
    h('label', { for: 'file', class: 'button primary' }, t('verify.choose')),
    fileInput,
  );
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        if (digests) void compare(digests);
      },
    },
    h(
      'div',
      { class: 'field grow' },
      h('label', { for: 'resource' }, t('verify.resource')),
      resourceInput,
      h('small', { id: 'resource-hint', class: 'muted' }, t('verify.resourceHint')),
    ),
  );
  main.append(
    heading(t('verify.title')),
    h('p', { class: 'intro' }, t('verify.intro')),
    form,
    zone,
    progressBox,
    result,
  );

  /** @param {File} file */
  function hash(file) {
    worker?.terminate();
    digests = null;
    replace(result);
    progressBox.hidden = false;
    progress.value = 0;
    /** @type {HTMLElement} */ (progressBox.firstChild).textContent = t('verify.hashing', { name: file.name });
    announce(t('verify.hashing', { name: file.name }));
    const w = new Worker(new URL('../hash-worker.js', import.meta.url), { type: 'module' });
    worker = w;
    w.onmessage = (/** @type {MessageEvent<any>} */ e) => {
      if (worker !== w) return;
      if (e.data.progress !== undefined) progress.value = e.data.progress;
      if (e.data.error) {
        progressBox.hidden = true;
        replace(result, errorBox(new Error(e.data.error)));
      }
      if (e.data.done) {
        w.terminate();
        worker = null;
        progressBox.hidden = true;
        digests = { ...e.data.done, name: file.name };
        void compare(/** @type {Digests} */ (digests));
      }
    };
    w.postMessage({ file });
  }

  /** @param {Digests} d */
  async function compare(d) {
    const id = resourceInput.value.trim();
    replace(result, h('p', { class: 'muted' }, t('common.loading')));
    /** @type {any[]} */
    let versions;
    try {
      if (id) {
        versions = (await getJson(`/v1/resources/${enc(id)}`)).versions.map((/** @type {any} */ v) => ({
          resourceId: id,
          ...v,
        }));
      } else {
        const paths = await documentedPaths();
        const lookup = LOOKUPS.find((p) => paths.has(p));
        if (!lookup) {
          replace(result, digestTable(d, null), h('p', { class: 'problem', role: 'alert' }, t('verify.needResource')));
          announce(t('verify.needResource'));
          resourceInput.focus();
          return;
        }
        const found = await getJson(lookup, { sha256: d.sha256 });
        versions = (found.items ?? []).map((/** @type {any} */ v) => ({
          ...v,
          resourceId: v.resourceId ?? v.record?.resourceId,
          version: v.version ?? v.record?.version,
        }));
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && id) {
        const text = t('verify.unknownResource', { id });
        replace(result, verdict(false, text), digestTable(d, null));
        announce(text);
      } else replace(result, errorBox(err));
      return;
    }
    const bySha = versions.filter((v) => v.sha256 === d.sha256);
    const full = bySha.find((v) => v.sm3 === d.sm3 && v.size === d.size);
    // without a match, the latest version is the one to compare with: same size but other digests = altered
    const shown = full ?? bySha[0] ?? (id ? versions.at(-1) : null) ?? null;
    const rid = id || shown?.resourceId || '';
    const text = full
      ? t('verify.match', { id: full.resourceId, version: full.version })
      : bySha[0]
        ? t('verify.partial', { version: bySha[0].version })
        : rid
          ? t('verify.mismatch', { id: rid })
          : t('verify.notFound');
    replace(
      result,
      verdict(!!full, text),
      full
        ? h(
            'p',
            null,
            h('a', { href: `#/resource/${enc(full.resourceId)}` }, t('verify.openResource', { id: full.resourceId })),
          )
        : null,
      digestTable(d, shown),
      h(
        'p',
        { class: 'muted' },
        t('verify.method', { sha: t(d.method === 'webcrypto' ? 'verify.method.webcrypto' : 'verify.method.js') }),
      ),
      // looked up by digest: every version of any resource with this SHA-256
      !id && versions.length
        ? dataTable({
            id: 'verify-matches',
            caption: t('verify.matchesCaption'),
            exportName: `verify-${d.name}-matches`,
            columns: [
              {
                key: 'resourceId',
                label: 'col.resource',
                nowrap: true,
                cell: (r) => h('a', { href: `#/resource/${enc(r.resourceId)}` }, r.resourceId),
              },
              { key: 'version', label: 'col.version', nowrap: true, numeric: true },
              { key: 'committed', label: 'col.committed', nowrap: true, cell: (r) => formatTime(r.committed) },
              {
                key: 'status',
                label: 'col.status',
                nowrap: true,
                cell: (r) => (r.status ? statusBadge(r.status) : ''),
              },
              { key: 'match', label: 'col.match', nowrap: true, cell: (r) => check(r.match) },
            ],
            rows: versions.map((v) => ({ ...v, match: v.sha256 === d.sha256 && v.sm3 === d.sm3 && v.size === d.size })),
          })
        : null,
      id
        ? dataTable({
            id: 'verify-versions',
            caption: t('verify.versionsCaption', { id }),
            exportName: `${id}-versions`,
            columns: [
              { key: 'version', label: 'col.version', nowrap: true, numeric: true },
              { key: 'committed', label: 'col.committed', nowrap: true, cell: (r) => formatTime(r.committed) },
              { key: 'size', label: 'col.size', numeric: true, cell: (r) => formatNumber(r.size) },
              { key: 'sha256', label: 'col.sha256', cell: (r) => h('code', { class: 'wrap' }, r.sha256) },
              { key: 'match', label: 'col.match', nowrap: true, cell: (r) => check(r.match) },
            ],
            rows: [...versions]
              .reverse()
              .map((v) => ({ ...v, match: v.sha256 === d.sha256 && v.sm3 === d.sm3 && v.size === d.size })),
          })
        : null,
    );
    announce(text);
  }

  // drop anywhere on the zone; elsewhere a dropped file must not make the browser open it (and leave)
  const stop = (/** @type {DragEvent} */ e) => e.preventDefault();
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) hash(file);
  });
  window.addEventListener('dragover', stop);
  window.addEventListener('drop', stop);
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) hash(file);
  });
  return {
    focus: null,
    cleanup() {
      worker?.terminate();
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    },
  };
}

/** @param {boolean} ok @param {string} text */
const verdict = (ok, text) =>
  h('p', { class: `verdict ${ok ? 'ok' : 'ko'}`, 'data-verdict': ok ? 'match' : 'mismatch' }, text);

/** @param {Digests} d @param {any} recorded */
function digestTable(d, recorded) {
  const rows = [
    { field: t('verify.sizeBytes'), computed: String(d.size), recorded: recorded ? String(recorded.size) : null },
    { field: 'SHA-256', computed: d.sha256, recorded: recorded?.sha256 ?? null },
    { field: 'SM3', computed: d.sm3, recorded: recorded?.sm3 ?? null },
  ].map((r) => ({ ...r, match: r.recorded !== null && r.recorded === r.computed }));
  return dataTable({
    id: 'verify-digests',
    caption: t('verify.caption', { name: d.name }),
    exportName: `verify-${d.name}`,
    columns: [
      { key: 'field', label: 'col.field', nowrap: true },
      { key: 'computed', label: 'col.computed', cell: (r) => h('code', { class: 'wrap' }, r.computed) },
      {
        key: 'recorded',
        label: 'col.recorded',
        cell: (r) => (r.recorded === null ? '—' : h('code', { class: 'wrap' }, r.recorded)),
      },
      { key: 'match', label: 'col.match', nowrap: true, cell: (r) => (r.recorded === null ? '—' : check(r.match)) },
    ],
    rows,
  });
}
