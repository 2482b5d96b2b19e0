// @ts-check
// DOM building without innerHTML: every value from the chain goes in as text, never as markup.
import { lang } from './i18n.js';

/**
 * @param {string} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function')
      el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {unknown[]} children */
export function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** @param {string | null | undefined} iso */
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (
    new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(d) + ' UTC'
  );
}

/** @param {string | null | undefined} iso */
export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** @param {number | null | undefined} n */
export const formatNumber = (n) => (typeof n === 'number' ? new Intl.NumberFormat(lang()).format(n) : '');

/** A long digest shown short, the whole value in the title and for screen readers; exports keep it whole. */
export function digest(/** @type {string | null | undefined} */ hex, keep = 12) {
  if (!hex) return '';
  if (hex.length <= keep + 4) return h('code', null, hex);
  return h('code', { title: hex, 'aria-label': hex, class: 'digest' }, `${hex.slice(0, keep)}…`);
}

/** @param {string} text */
export function announce(text) {
  const live = document.getElementById('live');
  if (!live) return;
  // clearing first makes a repeated identical message be read again
  live.textContent = '';
  setTimeout(() => (live.textContent = text), 30);
}

/** replaceChildren that, like h(), leaves out null, undefined and false (replaceChildren would print "null"). */
export function replace(/** @type {Element} */ el, /** @type {unknown[]} */ ...children) {
  el.replaceChildren();
  return append(el, children);
}
