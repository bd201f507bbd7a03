// Operator groups: the list (optionally only the empty ones), paging, and (administrators) a new
// group.

import { call, idempotencyKey } from '../api.js';
import { h, formPanel, field, input, flash } from '../dom.js';
import { pager, onSubmit, badge, readOnlyNote, listTable, itemLink, itemHref } from './common.js';

export const title = () => 'Groups';

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const onlyEmpty = ctx.params.get('isEmpty') === 'true';
  const [list, admin] = await Promise.all([
    call('get', '/groups', { query: { isEmpty: onlyEmpty ? true : undefined, cursor: ctx.params.get('cursor') ?? undefined } }),
    ctx.isAdmin(),
  ]);
  const { items, nextCursor } = list.data;
  const filter = h('p', { class: 'toolbar' },
    onlyEmpty
      ? ['Showing only empty groups. ', h('a', { href: '#/groups', id: 'groups-all' }, 'Show all groups')]
      : h('a', { href: '#/groups?isEmpty=true', id: 'groups-empty' }, 'Show only empty groups'));
  return h('div', {},
    h('h1', { tabindex: '-1' }, onlyEmpty ? 'Empty groups' : 'Groups'),
    filter,
    listTable({
      caption: 'Groups',
      columns: ['Group', 'Members', 'Kind'],
      items,
      row: (g) => h('tr', { 'data-group-id': g.groupId },
        h('td', {}, itemLink('#/groups', g.groupId, g.description)),
        h('td', { 'data-member-count': g.memberCount }, g.memberCount === 0 ? badge('Empty', 'off') : String(g.memberCount)),
        h('td', {}, g.isEveryone || g.isAdministrators ? badge('System group') : '')),
      empty: onlyEmpty ? 'No empty groups.' : 'No groups.',
    }),
    pager('#/groups', ctx.params, nextCursor),
    admin ? createForm(ctx) : readOnlyNote());
}

/** @param {import('../app.js').Ctx} ctx */
function createForm(ctx) {
  const form = formPanel({ titleId: 'new-group-title', title: 'New group' },
    field('Name', input('description', '', { required: true, autocomplete: 'off', id: 'new-group-name' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'new-group-submit' }, 'Create group')));
  onSubmit(form, async (data) => {
    const description = String(data.get('description') ?? '').trim();
    const { data: created } = await call('post', '/groups', { body: { description }, idempotencyKey: idempotencyKey(form, description) });
    flash(`Group ${created.description} created.`);
    ctx.go(itemHref('#/groups', created.groupId));
  });
  return form;
}
