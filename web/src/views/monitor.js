// One monitor: name, mode and Active (administrators), its authorizations by operator or group
// (levels are cumulative: a higher level includes the lower ones), grant and revoke, delete.

import { call, idempotencyKey } from '../api.js';
import { h, formPanel, field, input, checkbox, select } from '../dom.js';
import { dangerZone, submitChange, applyChange, operatorPicker, allGroups, readOnlyNote, badge, changedFields, panel } from './common.js';
import { MODES } from './monitors.js';

/** @typedef {import('../../types/client').Schemas} Schemas */

export const title = () => 'Monitor';

/** Lowest to highest. */
export const LEVELS = /** @type {Array<[Schemas['AuthorizationType'], string]>} */ ([
  ['ViewMonitorData', 'View monitor data'],
  ['ViewMonitor', 'View monitor'],
  ['EditMonitor', 'Edit monitor'],
]);
const LABEL = Object.fromEntries(LEVELS);

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const id = /** @type {string} */ (ctx.id);
  const [monitorResult, authorizations, admin, groups] = await Promise.all([
    call('get', '/monitors/{id}', { path: { id } }),
    call('get', '/monitors/{id}/authorizations', { path: { id } }),
    ctx.isAdmin(),
    allGroups(),
  ]);
  // The names of the operators authorized here (one read each, however large the account).
  const operatorIds = [...new Set(authorizations.data.items.map((a) => a.operatorId).filter((x) => typeof x === 'string'))];
  const operators = await Promise.all(operatorIds.map((operatorId) => call('get', '/operators/{id}', { path: { id: operatorId } }).then((r) => r.data)));
  const monitor = monitorResult.data;
  return h('div', { class: 'detail' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/monitors' }, 'Monitors'), ' / '),
    h('h1', { tabindex: '-1' }, monitor.name, ' ', monitor.mode === 'Production' ? badge('Production', 'prod') : badge(monitor.mode)),
    admin ? null : readOnlyNote(),
    settings(ctx, monitor, admin),
    authorizationSection(ctx, monitor, authorizations.data.items, operators, groups, admin),
    admin ? deleteSection(ctx, monitor) : null);
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['MonitorView']} monitor
 * @param {boolean} admin
 */
function settings(ctx, monitor, admin) {
  const form = formPanel({ titleId: 'monitor-settings-title', title: 'Settings', fieldset: { disabled: !admin } },
    h('div', { class: 'grid' },
      field('Name', input('name', monitor.name, { id: 'monitor-name' })),
      field('Mode', select('mode', MODES, monitor.mode, { id: 'monitor-mode' }), 'Only Production monitors count on the hub.'),
      field('Active', checkbox('isActive', monitor.isActive, { id: 'monitor-active' }), 'Not possible in Development.')),
    admin ? h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'monitor-save' }, 'Save monitor')) : null);
  if (admin) {
    submitChange(ctx, form, async (data) => {
      const body = /** @type {Schemas['UpdateMonitor']} */ (changedFields(monitor, { name: String(data.get('name') ?? '').trim(), mode: /** @type {Schemas['MonitorMode']} */ (String(data.get('mode'))), isActive: data.get('isActive') !== null }));
      await call('patch', '/monitors/{id}', { path: { id: monitor.monitorId }, body, ifMatch: monitor.version });
      return 'Monitor saved.';
    });
  }
  return form;
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['MonitorView']} monitor
 * @param {Schemas['AuthorizationView'][]} items
 * @param {import('../../types/client').Operator[]} operators
 * @param {Schemas['GroupView'][]} groups
 * @param {boolean} admin
 */
function authorizationSection(ctx, monitor, items, operators, groups, admin) {
  const names = new Map([
    ...operators.map((o) => /** @type {[string, string]} */ ([`operator:${o.operatorId}`, o.fullName])),
    ...groups.map((g) => /** @type {[string, string]} */ ([`group:${g.groupId}`, `${g.description} (group)`])),
  ]);
  /** @type {Map<string, Schemas['AuthorizationView'][]>} */
  const byPrincipal = new Map();
  for (const a of items) {
    const key = a.operatorId ? `operator:${a.operatorId}` : `group:${a.groupId}`;
    byPrincipal.set(key, [...(byPrincipal.get(key) ?? []), a]);
  }
  const rank = (/** @type {string} */ t) => LEVELS.findIndex(([level]) => level === t);
  const problems = h('div', { 'aria-live': 'polite' });
  const rows = [...byPrincipal.entries()].map(([key, auths]) => {
    auths.sort((a, b) => rank(b.authorizationType) - rank(a.authorizationType));
    const highest = auths[0].authorizationType;
    const lower = LEVELS.slice(0, rank(highest)).map(([, label]) => label).reverse();
    return h('tr', { 'data-principal': key },
      h('th', { scope: 'row' }, names.get(key) ?? key),
      h('td', { 'data-highest': highest }, LABEL[highest], lower.length ? h('span', { class: 'muted' }, ` (includes ${lower.join(' and ')})`) : null),
      admin ? h('td', {}, auths.map((a) => h('button', {
        type: 'button', class: 'secondary small', 'aria-label': `Revoke ${LABEL[a.authorizationType]} from ${names.get(key) ?? key}`,
        onclick: () => applyChange(ctx, problems,
          () => call('delete', '/monitors/{id}/authorizations/{authorizationId}', { path: { id: monitor.monitorId, authorizationId: a.authorizationId } }),
          `${LABEL[a.authorizationType]} revoked.`),
      }, `Revoke ${LABEL[a.authorizationType]}`))) : null);
  });
  const section = panel('authorizations-title', 'Authorizations',
    h('p', { class: 'muted' }, 'Levels are cumulative: Edit monitor includes View monitor, which includes View monitor data.'),
    problems,
    rows.length
      ? h('table', { class: 'list compact' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Operator or group'), h('th', { scope: 'col' }, 'Level'), admin ? h('th', { scope: 'col' }, 'Revoke') : null)),
          h('tbody', {}, rows))
      : h('p', { class: 'empty' }, 'No one is authorized on this monitor.'));
  if (admin) {
    const form = formPanel({ titleId: 'grant-title', title: 'Grant', subpanel: true },
      h('div', { class: 'grid' },
        operatorPicker({ id: 'grant-principal', label: 'Operator or group', name: 'principal', groups: groups.map((g) => [g.groupId, g.description]) }),
        field('Level', select('authorizationType', LEVELS, 'ViewMonitor', { id: 'grant-level' }))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'grant-submit' }, 'Grant')));
    submitChange(ctx, form, async (data) => {
      const [kind, principalId] = String(data.get('principal') ?? '').split(':');
      const authorizationType = /** @type {Schemas['AuthorizationType']} */ (String(data.get('authorizationType')));
      const body = kind === 'group' ? { authorizationType, groupId: principalId } : { authorizationType, operatorId: principalId };
      await call('post', '/monitors/{id}/authorizations', { path: { id: monitor.monitorId }, body, idempotencyKey: idempotencyKey(form, body) });
      return `${LABEL[authorizationType]} granted.`;
    });
    section.append(form);
  }
  return section;
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Schemas['MonitorView']} monitor
 */
function deleteSection(ctx, monitor) {
  return dangerZone({
    ctx,
    titleId: 'monitor-delete-title',
    buttonId: 'monitor-delete',
    label: `Delete ${monitor.name}`,
    question: `Delete the monitor ${monitor.name} and its authorizations?`,
    confirmLabel: 'Delete monitor',
    remove: () => call('delete', '/monitors/{id}', { path: { id: monitor.monitorId }, ifMatch: monitor.version }),
    done: `Monitor ${monitor.name} deleted.`,
    back: '#/monitors',
  });
}
