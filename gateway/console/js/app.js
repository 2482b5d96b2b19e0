// @ts-check
// The audit console: hash routes (#/search, #/resource/ID, #/expiring, #/verify), each a view that
// renders into <main> from the gateway's REST and audit API.
import { initialLang, lang, setLang, t } from './i18n.js';
import { expiringView } from './views/expiring.js';
import { resourceView } from './views/resource.js';
import { searchView } from './views/search.js';
import { verifyView } from './views/verify.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const langSelect = /** @type {HTMLSelectElement} */ (document.getElementById('lang'));
/** @type {(() => void) | undefined} */
let cleanup;
let generation = 0;

function translateShell() {
  document.title = t('app.title');
  for (const el of document.querySelectorAll('[data-i18n]'))
    el.textContent = t(/** @type {import('./i18n.js').Key} */ (el.getAttribute('data-i18n')));
  for (const el of document.querySelectorAll('[data-i18n-label]'))
    el.setAttribute('aria-label', t(/** @type {import('./i18n.js').Key} */ (el.getAttribute('data-i18n-label'))));
  langSelect.value = lang();
}

async function render() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : 'search';
  const [path = '', query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const [view = 'search', ...rest] = path.split('/');
  cleanup?.();
  cleanup = undefined;
  const mine = ++generation;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === `#/${view}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren();
  main.setAttribute('aria-busy', 'true');
  const focusTitle = () => /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
  let done;
  if (view === 'resource' && rest.length) done = resourceView(main, decodeURIComponent(rest.join('/')));
  else if (view === 'expiring') done = expiringView(main, params);
  else if (view === 'verify') done = verifyView(main, params);
  else done = searchView(main, params);
  // focus goes to the new view's title at once (screen readers start there), not after the data arrives
  if (navigated) focusTitle();
  const outcome = await done;
  if (mine !== generation) return outcome?.cleanup?.();
  cleanup = outcome?.cleanup;
  main.removeAttribute('aria-busy');
  if (navigated && !main.contains(document.activeElement)) focusTitle();
}

let navigated = false;
window.addEventListener('hashchange', () => {
  navigated = true;
  void render();
});
langSelect.addEventListener('change', () => {
  setLang(/** @type {import('./i18n.js').Lang} */ (langSelect.value), true);
  translateShell();
  void render();
});
document.getElementById('skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

setLang(initialLang(), false);
translateShell();
void render();
