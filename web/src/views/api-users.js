// API users: the list (by operator, only inactive), a new API user whose password is shown this
// once (kept only in this view's DOM: never in storage, the address or the history), delete.

import { call, idempotencyKey } from '../api.js';
import { h, formPanel, field, input, select, formatDateTime, announce, notice } from '../dom.js';
import { rowDeleteButton, pager, withQuery, onSubmit, operatorPicker, badge, listTable } from './common.js';

/** @typedef {import('../../types/client').Schemas} Schemas */

export const title = () => 'API users';

const ACCESS_TYPES = /** @type {Array<[string, string]>} */ ([['Generic', 'Generic'], ['MobileApp', 'Mobile app'], ['TransactionRecorder', 'Transaction recorder'], ['Grafana', 'Grafana']]);

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const inactive = ctx.params.get('inactive') === 'true';
  const operatorId = ctx.params.get('operatorId') ?? '';
  const [list, me] = await Promise.all([
    call('get', '/api-users', { query: { inactive: inactive ? true : undefined, operatorId: operatorId || undefined, cursor: ctx.params.get('cursor') ?? undefined } }),
    ctx.me(),
  ]);
  const admin = me.isAdministrator;
  const { items, nextCursor } = list.data;
  const filteredName = items.find((u) => u.operatorId === operatorId)?.operatorName ?? 'the chosen operator';
  const problems = h('div', { 'aria-live': 'polite' });

  const filter = h('form', { class: 'toolbar', 'aria-label': 'Filter API users' },
    admin ? operatorPicker({
      id: 'filter-operator', label: 'Owner', name: 'operatorId', selected: operatorId,
      leading: operatorId ? [['', 'Everyone'], [operatorId, filteredName]] : [['', 'Everyone']],
    }) : null,
    h('label', { class: 'inline' }, (() => { const c = h('input', { type: 'checkbox', name: 'inactive', id: 'filter-inactive' }); c.checked = inactive; return c; })(), ' Only inactive'),
    h('button', { type: 'submit' }, 'Filter'));
  filter.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(filter);
    const params = new URLSearchParams();
    if (data.get('operatorId')) params.set('operatorId', String(data.get('operatorId')));
    if (data.get('inactive')) params.set('inactive', 'true');
    ctx.go(withQuery('#/api-users', params));
  });

  return h('div', {},
    h('h1', { tabindex: '-1' }, inactive ? 'Inactive API users' : 'API users'),
    h('p', { class: 'lede' }, admin ? 'Every API user of the account.' : 'Your API users. Scripts use them with HTTP Basic authentication, with your rights.'),
    filter,
    problems,
    listTable({
      caption: 'API users',
      columns: ['Username', 'Description', 'Owner', 'Access', 'Last used (UTC)', 'Requests, 30 days', h('span', { class: 'visually-hidden' }, 'Actions')],
      items,
      row: (u) => h('tr', { 'data-api-user-id': u.apiUserId },
        h('td', {}, h('code', {}, u.username), u.inactive ? [' ', badge('Inactive', 'off')] : null),
        h('td', {}, u.description),
        h('td', {}, u.operatorName ?? u.operatorId),
        h('td', {}, u.accessType),
        h('td', {}, u.lastUsedAt ? formatDateTime(u.lastUsedAt, 'UTC') : 'Never'),
        h('td', {}, String(u.requestsLast30Days)),
        h('td', {}, rowDeleteButton({
          item: `API user ${u.description || u.username}`,
          question: `Delete the API user “${u.description || u.username}”? Scripts using it stop working at once.`,
          confirmLabel: 'Delete API user',
          done: 'API user deleted.',
          problems,
          remove: () => call('delete', '/api-users/{id}', { path: { id: u.apiUserId } }),
          ctx,
        }))),
      empty: inactive ? 'No inactive API users.' : 'No API users.',
    }),
    pager('#/api-users', ctx.params, nextCursor),
    createForm(admin, me));
}

/**
 * @param {boolean} admin
 * @param {import('../../types/client').Operator} me
 */
function createForm(admin, me) {
  const meId = me.operatorId;
  const result = h('div', { id: 'new-api-user-result' });
  const form = formPanel({ titleId: 'new-api-user-title', title: 'New API user', attrs: { autocomplete: 'off' }, after: result },
    h('div', { class: 'grid' },
      field('Description', input('description', '', { id: 'new-api-user-description', required: true }), 'What uses it, e.g. “Deploy script”'),
      field('Access type', select('accessType', ACCESS_TYPES, 'Generic', { id: 'new-api-user-access' })),
      admin ? operatorPicker({ id: 'new-api-user-owner', label: 'Owner (it acts with its owner’s rights)', name: 'operatorId', selected: meId, leading: [[meId, `${me.fullName} (you)`]] }) : null),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'new-api-user-submit' }, 'Create API user')));
  onSubmit(form, async (data) => {
    /** @type {Schemas['CreateApiUser']} */
    const body = {
      description: String(data.get('description') ?? '').trim(),
      accessType: /** @type {Schemas['AccessType']} */ (String(data.get('accessType') ?? 'Generic')),
    };
    if (admin) body.operatorId = String(data.get('operatorId') ?? meId);
    const { data: created } = await call('post', '/api-users', { body, idempotencyKey: idempotencyKey(form, body) });
    form.reset();
    // Gone when the person leaves the page too (a back-forward cache would otherwise keep it).
    window.addEventListener('pagehide', () => result.replaceChildren(), { once: true });
    result.replaceChildren(created.password
      ? passwordPanel(created.username, created.password)
      : notice('The API user exists, but its password was shown to an earlier request: delete it and create another.', 'error'));
    announce('API user created. Copy its password now: it is shown only this once.');
    /** @type {HTMLElement} */ (result.querySelector('h3')).focus();
  });
  return form;
}

/**
 * The credentials of a new API user, shown this once.
 * @param {string} username
 * @param {string} password
 */
function passwordPanel(username, password) {
  const copied = h('span', { class: 'muted', role: 'status' });
  const passwordField = h('input', { type: 'text', readonly: true, id: 'new-api-user-password', class: 'secret', 'aria-describedby': 'password-warning', spellcheck: 'false', autocomplete: 'off' });
  passwordField.value = password;
  return h('section', { class: 'notice warn once', 'aria-labelledby': 'password-title' },
    h('h3', { id: 'password-title', tabindex: '-1' }, 'Copy the password now'),
    h('p', { id: 'password-warning' }, h('strong', {}, 'This is the only time the password is shown.'), ' The hub keeps only a hash of it: it cannot be shown again. If it is lost, delete this API user and create another.'),
    h('dl', { class: 'credentials' },
      h('dt', {}, 'Username'), h('dd', {}, h('code', { id: 'new-api-user-username' }, username)),
      h('dt', {}, h('label', { for: 'new-api-user-password' }, 'Password')), h('dd', {}, passwordField,
        h('button', {
          type: 'button', id: 'copy-password',
          onclick: async () => {
            try {
              await navigator.clipboard.writeText(password);
              copied.textContent = 'Copied.';
            } catch {
              passwordField.select();
              copied.textContent = 'Select and copy it yourself (Ctrl+C).';
            }
          },
        }, 'Copy password'), ' ', copied)));
}
