// The hub page: signs the operator in, then shows one view per address (`#/operators/…`).
// Views are ES modules loaded when first needed; the hub view is preloaded with the page.

import { call, ApiProblem } from './api.js';
import { config, session, signedOut, completeOidcSignIn, takeSignOutReason } from './auth.js';
import { h, notice, announce, takeFlash } from './dom.js';
import * as hub from './views/hub.js';

/**
 * @typedef {import('../types/client').Operator} Operator
 * @typedef {import('../types/client').Schemas} Schemas
 * @typedef {import('./auth.js').Session} Session
 * @typedef {{
 *   params: URLSearchParams,
 *   id: string | null,
 *   session: Session,
 *   me: () => Promise<Operator>,
 *   isAdmin: () => Promise<boolean>,
 *   account: () => Promise<Schemas['Account']>,
 *   refresh: () => Promise<void>,
 *   forget: () => void,
 *   go: (hash: string) => void,
 * }} Ctx
 * @typedef {{title: (ctx: Ctx) => string, render: (ctx: Ctx) => Promise<Node>}} View
 */

/** @type {Record<string, () => Promise<View>>} */
const VIEWS = {
  '': async () => hub,
  operators: () => import('./views/operators.js'),
  'operators/:id': () => import('./views/operator.js'),
  groups: () => import('./views/groups.js'),
  'groups/:id': () => import('./views/group.js'),
  'api-users': () => import('./views/api-users.js'),
  monitors: () => import('./views/monitors.js'),
  'monitors/:id': () => import('./views/monitor.js'),
  permissions: () => import('./views/permissions.js'),
  account: () => import('./views/account.js'),
};

const NAV = [
  ['#/', 'Hub', ''],
  ['#/operators', 'Operators', 'operators'],
  ['#/groups', 'Groups', 'groups'],
  ['#/api-users', 'API users', 'api-users'],
  ['#/monitors', 'Monitors', 'monitors'],
  ['#/permissions', 'Permissions', 'permissions'],
  ['#/account', 'Account', 'account'],
];

const main = /** @type {HTMLElement} */ (document.getElementById('main'));

/** Per session: who is signed in, and the account (read once, when a view needs them). */
/** @type {{me: Promise<Operator> | null, account: Promise<Schemas['Account']> | null}} */
let cache = { me: null, account: null };

/** @param {string} hash */
function parse(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const key = parts.length === 2 ? `${parts[0]}/:id` : parts.join('/');
  return { key, section: parts[0] ?? '', id: parts.length === 2 ? parts[1] : null, params: new URLSearchParams(query) };
}

let renderSeq = 0;

/** Renders the current address. `keepFocus`: a refresh after a change, not a navigation. */
async function show(keepFocus = false) {
  const s = session();
  if (!s) return showSignIn();
  const seq = ++renderSeq;
  const hash = location.hash;
  const route = parse(hash);
  renderNav(route.section, s);
  const loader = VIEWS[route.key];
  if (!loader) {
    main.replaceChildren(h('h1', { tabindex: '-1' }, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the hub')));
    return;
  }
  /** @type {Ctx} */
  const ctx = {
    params: route.params,
    id: route.id,
    session: s,
    // Read once per session; a failed read is not kept.
    me: () => (cache.me ??= call('get', '/operators/{id}', { path: { id: s.operatorId } }).then((r) => r.data, (e) => { cache.me = null; throw e; })),
    isAdmin: async () => (await ctx.me()).isAdministrator,
    account: () => (cache.account ??= call('get', '/account').then((r) => r.data, (e) => { cache.account = null; throw e; })),
    refresh: () => show(true),
    // After a change to the account or to oneself: read them again when next needed.
    forget: () => { cache = { me: null, account: null }; },
    go: (hash) => {
      if (location.hash === hash) void show(true);
      else location.hash = hash;
    },
  };
  const focusedId = keepFocus ? document.activeElement?.id : null;
  main.setAttribute('aria-busy', 'true');
  /** @type {Node} */
  let content;
  let title = 'User Management hub';
  try {
    const view = await loader();
    content = await view.render(ctx);
    title = `${view.title(ctx)} · User Management hub`;
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 401) return;
    const message = e instanceof Error ? e.message : String(e);
    content = h('div', {}, h('h1', { tabindex: '-1' }, 'Something went wrong'), notice(message, 'error'), h('p', {}, h('a', { href: '#/' }, 'Back to the hub')));
  }
  if (seq !== renderSeq) return;
  main.removeAttribute('aria-busy');
  main.replaceChildren(content);
  const message = takeFlash();
  if (message) main.querySelector('h1')?.after(notice(message, 'ok'));
  document.title = title;
  const again = focusedId ? document.getElementById(focusedId) : null;
  if (again) again.focus();
  else if (!keepFocus) /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
  main.dataset.view = route.key || 'hub';
  // For the benchmark (web/scripts/bench.js): when the first view was on screen.
  if (!performance.getEntriesByName('hub:first-view').length) performance.mark('hub:first-view', { detail: main.dataset.view });
  // Which address this content is for (tests wait for it).
  main.dataset.hash = hash;
}

/** @param {string} section @param {Session} s */
function renderNav(section, s) {
  const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
  nav.hidden = false;
  nav.replaceChildren(
    h('ul', {}, NAV.map(([href, label, key]) => h('li', {}, h('a', { href, 'aria-current': key === section ? 'page' : null }, label)))),
  );
  const who = /** @type {HTMLElement} */ (document.getElementById('who'));
  who.replaceChildren(
    h('span', { class: 'name' }, s.name),
    h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: () => signedOut('You are signed out.') }, 'Sign out'),
  );
}

async function showSignIn() {
  const seq = ++renderSeq;
  cache = { me: null, account: null };
  /** @type {HTMLElement} */ (document.getElementById('nav')).hidden = true;
  /** @type {HTMLElement} */ (document.getElementById('who')).replaceChildren();
  const { render } = await import('./views/sign-in.js');
  const reason = takeSignOutReason();
  /** @type {Node[]} */
  let content;
  try {
    content = [await render(config(), reason, () => show())];
  } catch (e) {
    content = [h('h1', { tabindex: '-1' }, 'Sign in to the User Management hub'), notice(e instanceof Error ? e.message : String(e), 'error')];
  }
  // A sign-in that ended while this form was being drawn has shown its view since: keep it.
  if (seq !== renderSeq) return;
  main.replaceChildren(...content);
  main.dataset.view = 'sign-in';
  document.title = 'Sign in · User Management hub';
  /** @type {HTMLElement | null} */ (main.querySelector('h1'))?.focus();
}

async function start() {
  window.addEventListener('hashchange', () => void show());
  window.addEventListener('hub:signed-out', () => void showSignIn());
  const c = config();
  if (c.signIn === 'oidc') {
    try {
      const s = await completeOidcSignIn(c);
      if (s) announce('Signed in.');
    } catch (e) {
      signedOut(e instanceof Error ? e.message : String(e));
      return;
    }
  }
  await show();
}

void start();
