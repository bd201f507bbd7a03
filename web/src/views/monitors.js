// Monitors: the list (by mode), paging, and (administrators) a new monitor.

import { call, idempotencyKey } from '../api.js';
import { h, formPanel, field, input, checkbox, select, flash } from '../dom.js';
import { pager, withQuery, onSubmit, badge, readOnlyNote, listTable, itemLink, itemHref } from './common.js';

export const title = () => 'Monitors';

export const MODES = /** @type {Array<[string, string]>} */ ([['Production', 'Production'], ['Staging', 'Staging'], ['Development', 'Development']]);

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const mode = ctx.params.get('mode') ?? '';
  const [list, admin] = await Promise.all([
    call('get', '/monitors', { query: { mode: /** @type {any} */ (mode || undefined), cursor: ctx.params.get('cursor') ?? undefined } }),
    ctx.isAdmin(),
  ]);
  const { items, nextCursor } = list.data;
  const filter = h('form', { class: 'toolbar', 'aria-label': 'Filter monitors' },
    h('label', { for: 'monitor-mode-filter' }, 'Mode'),
    select('mode', [['', 'All modes'], ...MODES], mode, { id: 'monitor-mode-filter' }),
    h('button', { type: 'submit' }, 'Filter'));
  filter.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = String(new FormData(filter).get('mode') ?? '');
    ctx.go(withQuery('#/monitors', new URLSearchParams(value ? { mode: value } : {})));
  });
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Monitors'),
    h('p', { class: 'lede' }, 'Who may view or edit each monitor: ', h('a', { href: '#/permissions' }, 'the permissions overview'), '.'),
    filter,
    listTable({
      caption: 'Monitors',
      columns: ['Monitor', 'Mode', 'Active'],
      items,
      row: (m) => h('tr', { 'data-monitor-id': m.monitorId },
        h('td', {}, itemLink('#/monitors', m.monitorId, m.name)),
        h('td', {}, m.mode === 'Production' ? badge('Production', 'prod') : m.mode),
        h('td', {}, m.isActive ? 'Active' : 'Not active')),
      empty: 'No monitors.',
    }),
    pager('#/monitors', ctx.params, nextCursor),
    admin ? createForm(ctx) : readOnlyNote());
}

/** @param {import('../app.js').Ctx} ctx */
function createForm(ctx) {
  const form = formPanel({ titleId: 'new-monitor-title', title: 'New monitor' },
    h('div', { class: 'grid' },
      field('Name', input('name', '', { id: 'new-monitor-name', required: true, autocomplete: 'off' })),
      field('Mode', select('mode', MODES, 'Production', { id: 'new-monitor-mode' })),
      field('Active', checkbox('isActive', false, { id: 'new-monitor-active' }), 'Not possible in Development.')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'new-monitor-submit' }, 'Create monitor')));
  onSubmit(form, async (data) => {
    /** @type {import('../../types/client').Schemas['CreateMonitor']} */
    const body = { name: String(data.get('name') ?? '').trim(), mode: /** @type {any} */ (String(data.get('mode'))), isActive: data.get('isActive') !== null };
    const { data: created } = await call('post', '/monitors', { body, idempotencyKey: idempotencyKey(form, body) });
    flash(`Monitor ${created.name} created.`);
    ctx.go(itemHref('#/monitors', created.monitorId));
  });
  return form;
}
