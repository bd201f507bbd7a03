// Operators: search (q), the Active filter, paging, and (administrators) a new operator.

import { call, idempotencyKey } from '../api.js';
import { h, formPanel, field, input } from '../dom.js';
import { pager, withQuery, submitChange, badge, readOnlyNote, listTable, itemLink } from './common.js';

export const title = () => 'Operators';

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const q = ctx.params.get('q') ?? '';
  const onDuty = ctx.params.get('isOnDuty');
  const [list, admin] = await Promise.all([
    call('get', '/operators', { query: { q: q || undefined, isOnDuty: onDuty === null ? undefined : onDuty === 'true', cursor: ctx.params.get('cursor') ?? undefined } }),
    ctx.isAdmin(),
  ]);
  const { items, nextCursor } = list.data;

  const search = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Search operators' },
    h('label', { for: 'operator-q' }, 'Search'),
    input('q', q, { id: 'operator-q', type: 'search', placeholder: 'Name or email' }),
    h('label', { class: 'inline' }, (() => { const c = h('input', { type: 'checkbox', name: 'isOnDuty', id: 'operator-active-only' }); c.checked = onDuty === 'true'; return c; })(), ' Active only'),
    h('button', { type: 'submit' }, 'Search'));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(search);
    const params = new URLSearchParams();
    const text = String(form.get('q') ?? '').trim();
    if (text) params.set('q', text);
    if (form.get('isOnDuty')) params.set('isOnDuty', 'true');
    ctx.go(withQuery('#/operators', params));
  });

  const table = listTable({
    caption: 'Operators',
    columns: ['Name', 'Email', 'Active', 'On duty now', 'Role'],
    items,
    row: (/** @type {import('../../types/client').Operator} */ o) => h('tr', { 'data-operator-id': o.operatorId },
      h('td', {}, itemLink('#/operators', o.operatorId, o.fullName)),
      h('td', {}, o.email),
      h('td', {}, o.isDisabled ? badge('Disabled', 'off') : o.isOnDuty ? 'Active' : 'Not active'),
      h('td', {}, o.onDutyNow ? 'On duty' : 'Off duty'),
      h('td', {}, o.isAccountAdministrator ? badge('Account administrator') : o.isAdministrator ? badge('Administrator') : '')),
    empty: q ? `No operator matches “${q}”.` : 'No operators.',
  });

  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Operators'),
    search,
    table,
    pager('#/operators', ctx.params, nextCursor),
    admin ? createForm(ctx) : readOnlyNote());
}

/** @param {import('../app.js').Ctx} ctx */
function createForm(ctx) {
  const form = formPanel({ titleId: 'new-operator-title', title: 'New operator' },
    h('div', { class: 'grid' },
      field('Full name', input('fullName', '', { required: true, autocomplete: 'off', id: 'new-operator-name' })),
      field('Email', input('email', '', { type: 'email', required: true, autocomplete: 'off', id: 'new-operator-email' }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'new-operator-submit' }, 'Add operator')));
  submitChange(ctx, form, async (data) => {
    const body = { fullName: String(data.get('fullName') ?? ''), email: String(data.get('email') ?? '') };
    const { data: created } = await call('post', '/operators', { body, idempotencyKey: idempotencyKey(form, body) });
    return `Operator ${created.fullName} added.`;
  });
  return form;
}
