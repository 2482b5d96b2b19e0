// @ts-check
import { t } from './i18n.js';
import { announce, h } from './dom.js';

/** The view's title: focused after navigation so screen readers start there. */
export const heading = (/** @type {string} */ text) => h('h1', { tabindex: -1 }, text);

/** @param {unknown} err */
export function errorBox(err, key = /** @type {import('./i18n.js').Key} */ ('common.error')) {
  const detail = err instanceof Error ? err.message : String(err);
  announce(t(key, { detail }));
  return h('p', { class: 'problem', role: 'alert' }, t(key, { detail }));
}

/** @param {string} hash */
export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

/** @param {string} key @param {Node | string} value */
export const fact = (key, value) => [h('dt', null, key), h('dd', null, value)];
