// One group: rename, delete, members (add, remove), group permissions, and setting every member
// on or off duty.

import { call } from '../api.js';
import { h, formPanel, field, input, checkbox } from '../dom.js';
import { PERMISSIONS, dangerZone, submitChange, applyChange, onPick, grantOnChange, operatorPicker, badge, readOnlyNote, pager, panel, itemLink, itemHref } from './common.js';

/** @typedef {import('../../types/client').Schemas} Schemas */

export const title = () => 'Group';

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const id = /** @type {string} */ (ctx.id);
  const [groupResult, members, permissions, admin] = await Promise.all([
    call('get', '/groups/{id}', { path: { id } }),
    call('get', '/groups/{id}/members', { path: { id }, query: { cursor: ctx.params.get('cursor') ?? undefined } }),
    call('get', '/groups/{id}/permissions', { path: { id } }),
    ctx.isAdmin(),
  ]);
  const group = groupResult.data;
  const system = group.isEveryone || group.isAdministrators;
  const reload = () => void ctx.refresh();
  return h('div', { class: 'detail' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Groups'), ' / '),
    h('h1', { tabindex: '-1' }, group.description, ' ', system ? badge('System group') : null),
    h('p', { class: 'lede' }, h('span', { 'data-member-count': group.memberCount }, group.memberCount), group.memberCount === 1 ? ' member' : ' members'),
    admin ? null : readOnlyNote(),
    admin && !system ? renameForm(ctx, group) : null,
    membersSection(ctx, group, members.data, admin),
    permissionSection(group, permissions.data, admin, reload),
    admin ? dutySection(ctx, group) : null,
    admin && !system ? deleteSection(ctx, group) : null);
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['GroupView']} group
 */
function renameForm(ctx, group) {
  const form = formPanel({ titleId: 'rename-title', title: 'Name' },
    field('Group name', input('description', group.description, { id: 'group-name', required: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'group-rename' }, 'Rename')));
  submitChange(ctx, form, async (data) => {
    const description = String(data.get('description') ?? '').trim();
    await call('patch', '/groups/{id}', { path: { id: group.groupId }, body: { description }, ifMatch: group.version });
    return 'Group renamed.';
  });
  return form;
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['GroupView']} group
 * @param {Schemas['Collection_OperatorView']} members
 * @param {boolean} admin
 */
function membersSection(ctx, group, members, admin) {
  const problems = h('div', { 'aria-live': 'polite' });
  const canChange = admin && !group.isEveryone;
  const section = panel('members-title', 'Members',
    group.isEveryone ? h('p', { class: 'muted' }, 'Every operator is a member of Everyone.') : null,
    problems,
    members.items.length
      ? h('ul', { class: 'rows', 'aria-label': 'Members' }, members.items.map((o) => h('li', { 'data-operator-id': o.operatorId },
          itemLink('#/operators', o.operatorId, o.fullName), ' ', h('span', { class: 'muted' }, o.email),
          canChange
            ? h('button', {
                type: 'button', class: 'secondary small', 'aria-label': `Remove ${o.fullName}`,
                onclick: () => applyChange(ctx, problems,
                  () => call('delete', '/groups/{id}/members/{operatorId}', { path: { id: group.groupId, operatorId: o.operatorId } }),
                  `${o.fullName} removed.`),
              }, 'Remove')
            : null)))
      : h('p', { class: 'empty' }, 'No members: this group is empty.'),
    pager(itemHref('#/groups', group.groupId), ctx.params, members.nextCursor));
  if (canChange) {
    const form = h('form', { class: 'inline-form', 'aria-label': 'Add a member' },
      operatorPicker({ id: 'add-member', label: 'Add member', name: 'operatorId' }),
      h('button', { type: 'submit', id: 'add-member-submit' }, 'Add'));
    onPick(form, 'operatorId', (operatorId) => void applyChange(ctx, problems,
      () => call('put', '/groups/{id}/members/{operatorId}', { path: { id: group.groupId, operatorId } }),
      'Member added.'));
    section.append(form);
  }
  return section;
}

/**
 * @param {Schemas['GroupView']} group
 * @param {Schemas['GroupPermissions']} permissions
 * @param {boolean} admin
 * @param {() => void} reload
 */
function permissionSection(group, permissions, admin, reload) {
  const direct = new Set(permissions.direct);
  const problems = h('div', { 'aria-live': 'polite' });
  return panel('group-permissions-title', 'Group permissions',
    h('p', { class: 'muted' }, 'Every member holds these.'),
    problems,
    h('ul', { class: 'checks', 'aria-label': 'Group permissions' }, PERMISSIONS.map((p) => {
      if (!admin || p === 'Administrator') {
        return h('li', { 'data-permission': p }, `${p}: ${direct.has(p) ? 'granted' : 'not granted'}`);
      }
      const path = { id: group.groupId, permission: p };
      const box = grantOnChange(checkbox(`perm-${p}`, direct.has(p), { id: `group-perm-${p}` }), problems, async (granted) => {
        if (granted) await call('put', '/groups/{id}/permissions/{permission}', { path });
        else await call('delete', '/groups/{id}/permissions/{permission}', { path });
      }, reload);
      return h('li', { 'data-permission': p, class: 'check' }, box, h('label', { for: box.id }, p));
    })));
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['GroupView']} group
 */
function dutySection(ctx, group) {
  const problems = h('div', { 'aria-live': 'polite' });
  /** @param {boolean} isOnDuty */
  const set = (isOnDuty) => applyChange(ctx, problems,
    () => call('post', '/groups/{id}/duty', { path: { id: group.groupId }, body: { isOnDuty } }),
    isOnDuty ? 'Every member is now Active.' : 'Every member is now not Active.');
  return panel('duty-title', 'Active switch of every member',
    problems,
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'group-on-duty', onclick: () => set(true) }, 'Set all members on duty'),
      h('button', { type: 'button', class: 'secondary', id: 'group-off-duty', onclick: () => set(false) }, 'Set all members off duty')));
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['GroupView']} group
 */
function deleteSection(ctx, group) {
  return dangerZone({
    ctx,
    titleId: 'group-delete-title',
    note: 'Deleting a group removes its memberships, permissions and monitor authorizations; the operators stay.',
    buttonId: 'group-delete',
    label: `Delete ${group.description}`,
    question: `Delete the group ${group.description}?`,
    confirmLabel: 'Delete group',
    remove: () => call('delete', '/groups/{id}', { path: { id: group.groupId }, ifMatch: group.version }),
    done: `Group ${group.description} deleted.`,
    back: '#/groups',
  });
}
