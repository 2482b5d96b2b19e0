// @ts-check
import { enc, getJson } from '../api.js';
import { t, tn } from '../i18n.js';
import { announce, digest, formatDate, formatNumber, formatTime, h, replace } from '../dom.js';
import { dataTable } from '../table.js';
import { errorBox, fact, heading } from '../view-kit.js';
import { statusBadge } from './search.js';

const ALL = { proofs: 'false', limit: 1000 };

/** @param {HTMLElement} main @param {string} id */
export async function resourceView(main, id) {
  main.append(heading(t('resource.title', { id })), h('p', { class: 'muted' }, t('common.loading')));
  let resource;
  try {
    resource = await getJson(`/v1/resources/${enc(id)}`);
  } catch (err) {
    replace(main, heading(t('resource.title', { id })), errorBox(err));
    return {};
  }
  const [timeline, rights, receipts, fixity, head] = await Promise.allSettled([
    getJson(`/v1/audit/resources/${enc(id)}/timeline`, { proofs: 'false' }),
    getJson('/v1/audit/rights', { resource: id, ...ALL }),
    getJson('/v1/audit/receipts', { resource: id, ...ALL }),
    getJson('/v1/audit/fixity', { resource: id, ...ALL }),
    getJson(`/v1/resources/${enc(id)}/versions/${resource.headVersion}`),
  ]);

  const title = titleOf(resource.metadata);
  const headline = heading(title ? `${title}` : t('resource.title', { id }));
  const facts = h(
    'dl',
    { class: 'facts' },
    ...fact(t('col.id'), h('code', null, resource.id)),
    ...fact(t('resource.owner'), resource.owner),
    ...fact(t('resource.status'), statusBadge(resource.status)),
    ...fact(t('resource.head'), String(resource.headVersion)),
    ...fact(t('resource.created'), formatTime(resource.created)),
    ...fact(t('resource.updated'), formatTime(resource.updated)),
  );
  const sections = [];
  if (resource.withdrawal)
    sections.push(
      h(
        'p',
        { class: 'problem', role: 'note' },
        t('resource.withdrawn', {
          at: formatTime(resource.withdrawal.committed),
          reason: `${resource.withdrawal.reasonCode}${resource.withdrawal.note ? ` — ${resource.withdrawal.note}` : ''}`,
        }),
      ),
    );

  // verification status: per version, what the warehouse acknowledged and what the latest fixity check found
  const receiptItems = receipts.status === 'fulfilled' ? receipts.value.items : [];
  const fixityItems = fixity.status === 'fulfilled' ? fixity.value.items : [];
  const status = h('ul', { class: 'checks' });
  if (head.status === 'fulfilled' && head.value.integrityAlert)
    status.append(h('li', { class: 'bad' }, t('resource.alert', { version: resource.headVersion })));
  for (const v of [...resource.versions].reverse()) {
    const mine = receiptItems.filter((/** @type {any} */ r) => r.record.version === v.version);
    if (receipts.status === 'fulfilled')
      status.append(
        mine.length === 0
          ? h('li', { class: 'neutral' }, t('verify.noReceipts', { version: v.version }))
          : mine.every((/** @type {any} */ r) => r.matchesVersion)
            ? h('li', { class: 'good' }, tn('verify.receiptsOk', mine.length, { version: v.version }))
            : h('li', { class: 'bad' }, t('verify.receiptsBad', { version: v.version })),
      );
    const latest = fixityItems.find((/** @type {any} */ f) => f.version === v.version); // newest first
    if (latest)
      status.append(
        h(
          'li',
          { class: latest.outcome === 'pass' ? 'good' : 'bad' },
          t(latest.outcome === 'pass' ? 'verify.fixityPass' : 'verify.fixityFail', {
            version: v.version,
            at: formatTime(latest.checkedAt),
          }),
        ),
      );
  }
  sections.push(
    section('verification', t('resource.verification'), [
      status,
      receipts.status === 'rejected' ? errorBox(receipts.reason, 'common.unavailable') : null,
      h('p', null, h('a', { href: `#/verify?resource=${enc(id)}`, class: 'button' }, t('resource.verifyThis'))),
    ]),
  );

  const latestFixity = (/** @type {number} */ version) =>
    fixityItems.find((/** @type {any} */ f) => f.version === version);
  sections.push(
    section('versions', t('resource.versions'), [
      dataTable({
        id: 'versions',
        captionHidden: true,
        caption: t('resource.versions'),
        exportName: `${id}-versions`,
        columns: [
          { key: 'version', label: 'col.version', nowrap: true, numeric: true },
          { key: 'committed', label: 'col.committed', nowrap: true, cell: (r) => formatTime(r.committed) },
          { key: 'size', label: 'col.size', numeric: true, cell: (r) => formatNumber(r.size) },
          { key: 'mediaType', label: 'col.mediaType', words: true },
          { key: 'sha256', label: 'col.sha256', nowrap: true, cell: (r) => digest(r.sha256, 8) },
          { key: 'sm3', label: 'col.sm3', nowrap: true, secondary: true, cell: (r) => digest(r.sm3, 8) },
          { key: 'cid', label: 'col.cid', nowrap: true, secondary: true, cell: (r) => digest(r.cid, 10) },
          { key: 'receipts', label: 'col.receipts', numeric: true },
          { key: 'fixity', label: 'col.fixity', nowrap: true, cell: (r) => (r.fixity ? outcome(r.fixity) : '') },
          { key: 'txId', label: 'col.tx', nowrap: true, cell: (r) => digest(r.txId, 8) },
        ],
        rows: [...resource.versions].reverse().map((/** @type {any} */ v) => ({
          ...v,
          receipts: receiptItems.filter((/** @type {any} */ r) => r.record.version === v.version).length,
          fixity: latestFixity(v.version)?.outcome ?? null,
        })),
      }),
    ]),
  );

  sections.push(
    section(
      'timeline',
      t('resource.timeline'),
      timeline.status === 'fulfilled'
        ? [
            dataTable({
              id: 'timeline',
              captionHidden: true,
              caption: t('resource.timeline'),
              exportName: `${id}-timeline`,
              columns: [
                { key: 'at', label: 'col.at', nowrap: true, cell: (r) => formatTime(r.at) },
                {
                  key: 'kind',
                  label: 'col.kind',
                  nowrap: true,
                  cell: (r) => h('span', { class: `kind ${r.kind}` }, t(/** @type {any} */ (`kind.${r.kind}`))),
                },
                { key: 'version', label: 'col.version', nowrap: true, numeric: true },
                { key: 'summary', label: 'col.summary', long: true },
                { key: 'blockNumber', label: 'col.block', nowrap: true, numeric: true, secondary: true },
                { key: 'txId', label: 'col.tx', nowrap: true, secondary: true, cell: (r) => digest(r.txId, 10) },
              ],
              rows: timeline.value.events.map((/** @type {any} */ e) => ({
                at: e.at,
                kind: e.kind,
                version: e.record?.version ?? null,
                summary: e.summary,
                blockNumber: e.blockNumber,
                txId: e.txId,
              })),
            }),
          ]
        : [errorBox(timeline.reason, 'common.unavailable')],
    ),
  );

  const rightsItems = rights.status === 'fulfilled' ? rights.value.items : [];
  sections.push(
    section(
      'rights',
      t('resource.rights'),
      rights.status === 'fulfilled'
        ? [
            dataTable({
              id: 'rights',
              captionHidden: true,
              caption: t('resource.rights'),
              exportName: `${id}-rights`,
              columns: [
                { key: 'rightsId', label: 'col.rightsId', nowrap: true, cell: (r) => h('code', null, r.rightsId) },
                { key: 'assigner', label: 'col.assigner', nowrap: true, secondary: true },
                { key: 'assignee', label: 'col.assignee', nowrap: true },
                { key: 'actions', label: 'col.actions', words: true },
                { key: 'notBefore', label: 'col.notBefore', nowrap: true, cell: (r) => formatDate(r.notBefore) },
                {
                  key: 'notAfter',
                  label: 'col.notAfter',
                  nowrap: true,
                  cell: (r) => (r.notAfter ? formatDate(r.notAfter) : '—'),
                },
                { key: 'status', label: 'col.status', nowrap: true, cell: (r) => statusBadge(r.status) },
                { key: 'inForce', label: 'col.inForce', cell: (r) => yesNo(r.inForce) },
              ],
              rows: rightsItems.map(rightsRow),
            }),
            dataTable({
              id: 'rights-history',
              caption: t('resource.rightsHistory'),
              exportName: `${id}-rights-history`,
              columns: [
                { key: 'at', label: 'col.at', nowrap: true, cell: (r) => formatTime(r.at) },
                { key: 'rightsId', label: 'col.rightsId', nowrap: true, cell: (r) => h('code', null, r.rightsId) },
                { key: 'kind', label: 'col.kind', nowrap: true, cell: (r) => t(/** @type {any} */ (`kind.${r.kind}`)) },
                { key: 'summary', label: 'col.summary', long: true },
                { key: 'blockNumber', label: 'col.block', nowrap: true, numeric: true, secondary: true },
                { key: 'txId', label: 'col.tx', nowrap: true, secondary: true, cell: (r) => digest(r.txId, 10) },
              ],
              rows: rightsItems
                .flatMap((/** @type {any} */ r) =>
                  r.history.map((/** @type {any} */ e) => ({ rightsId: r.rightsId, ...e })),
                )
                .sort(
                  (/** @type {any} */ a, /** @type {any} */ b) =>
                    a.blockNumber - b.blockNumber || (a.txIndex ?? 0) - (b.txIndex ?? 0),
                ),
            }),
          ]
        : [errorBox(rights.reason, 'common.unavailable')],
    ),
  );

  sections.push(
    section(
      'receipts',
      t('resource.receipts'),
      receipts.status === 'fulfilled'
        ? [
            dataTable({
              id: 'receipts',
              captionHidden: true,
              caption: t('resource.receipts'),
              exportName: `${id}-receipts`,
              columns: [
                { key: 'at', label: 'col.at', nowrap: true, cell: (r) => formatTime(r.at) },
                { key: 'version', label: 'col.version', nowrap: true, numeric: true },
                { key: 'warehouse', label: 'col.warehouse', nowrap: true },
                { key: 'matchesVersion', label: 'col.matches', nowrap: true, cell: (r) => check(r.matchesVersion) },
                { key: 'sha256', label: 'col.sha256', nowrap: true, cell: (r) => digest(r.sha256) },
                { key: 'blockNumber', label: 'col.block', nowrap: true, numeric: true, secondary: true },
                { key: 'txId', label: 'col.tx', nowrap: true, secondary: true, cell: (r) => digest(r.txId, 10) },
              ],
              rows: receiptItems.map((/** @type {any} */ r) => ({
                at: r.record.timestamp,
                version: r.record.version,
                warehouse: r.record.warehouse,
                matchesVersion: r.matchesVersion,
                sha256: r.record.sha256,
                blockNumber: r.blockNumber,
                txId: r.txId,
              })),
            }),
          ]
        : [errorBox(receipts.reason, 'common.unavailable')],
    ),
  );

  sections.push(
    section(
      'fixity',
      t('resource.fixity'),
      fixity.status === 'fulfilled'
        ? [
            dataTable({
              id: 'fixity',
              captionHidden: true,
              caption: t('resource.fixity'),
              exportName: `${id}-fixity`,
              columns: [
                { key: 'checkedAt', label: 'col.at', nowrap: true, cell: (r) => formatTime(r.checkedAt) },
                { key: 'version', label: 'col.version', nowrap: true, numeric: true },
                { key: 'outcome', label: 'col.outcome', nowrap: true, cell: (r) => outcome(r.outcome) },
                { key: 'runId', label: 'col.run', nowrap: true, cell: (r) => h('code', null, r.runId) },
                { key: 'detail', label: 'col.detail' },
              ],
              rows: fixityItems.map((/** @type {any} */ f) => ({ ...f, detail: f.detail ?? '' })),
            }),
          ]
        : [errorBox(fixity.reason, 'common.unavailable')],
    ),
  );

  replace(main, headline, facts, ...sections);
  announce(title ?? t('resource.title', { id }));
  return {};
}

/** @param {any} r */
function rightsRow(r) {
  const rec = r.record;
  return {
    rightsId: r.rightsId,
    assigner: rec.assigner,
    assignee: rec.assignee,
    actions: rec.actions.join(' '),
    notBefore: rec.constraints?.notBefore ?? null,
    notAfter: rec.constraints?.notAfter ?? null,
    status: rec.status,
    inForce: r.inForce,
  };
}
export { rightsRow };

/** @param {string} id @param {string} title @param {(Node | null)[]} children */
function section(id, title, children) {
  return h('section', { 'aria-labelledby': `h-${id}` }, h('h2', { id: `h-${id}` }, title), ...children);
}

/** @param {unknown} metadata */
function titleOf(metadata) {
  const m = /** @type {any} */ (metadata);
  const title = Array.isArray(m?.title) ? m.title[0] : m?.title;
  return typeof title === 'string' ? title : typeof title?.value === 'string' ? title.value : null;
}

/** @param {boolean} ok */
export const check = (ok) =>
  h('span', { class: ok ? 'ok' : 'ko' }, ok ? `✓ ${t('common.yes')}` : `✗ ${t('common.no')}`);
/** @param {boolean} v */
const yesNo = (v) => (v ? t('common.yes') : t('common.no'));
/** @param {string} o */
const outcome = (o) =>
  h(
    'span',
    { class: o === 'pass' ? 'ok' : 'ko' },
    `${o === 'pass' ? '✓' : '✗'} ${t(/** @type {any} */ (`outcome.${o}`))}`,
  );
