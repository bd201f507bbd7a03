// One operator: settings (administrators, or the operator itself for personal settings), groups,
// permissions direct and effective, off-duty schedules in the account time zone, delete.

import { call } from '../api.js';
import { h, formPanel, field, input, checkbox, select, flash, confirmDialog, formatDateTime, toZonedInput, zonedToUtc, announce } from '../dom.js';
import { PERMISSIONS, dangerZone, CULTURES, timeZoneList, onSubmit, submitChange, attempt, applyChange, onPick, grantOnChange, allGroups, badge, readOnlyNote, yesNo, changedFields, panel, itemLink } from './common.js';

/** @typedef {import('../../types/client').Operator} Operator */
/** @typedef {import('../../types/client').Schemas} Schemas */

export const title = () => 'Operator';

const WEEK_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const id = /** @type {string} */ (ctx.id);
  const [operatorResult, groups, permissions, schedules, account, me] = await Promise.all([
    call('get', '/operators/{id}', { path: { id } }),
    call('get', '/operators/{id}/groups', { path: { id } }),
    call('get', '/operators/{id}/permissions', { path: { id } }),
    call('get', '/operators/{id}/duty-schedules', { path: { id } }),
    ctx.account(),
    ctx.me(),
  ]);
  /** @type {Operator} */
  const op = operatorResult.data;
  const admin = me.isAdministrator;
  const self = me.operatorId === op.operatorId;
  const reload = () => void ctx.refresh();

  return h('div', { class: 'detail' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/operators' }, 'Operators'), ' / '),
    h('h1', { tabindex: '-1' }, op.fullName, ' ',
      op.isAccountAdministrator ? badge('Account administrator') : op.isAdministrator ? badge('Administrator') : null,
      op.isDisabled ? badge('Disabled', 'off') : null),
    admin || self ? null : readOnlyNote(),
    settings(ctx, op, admin, self),
    groupSection(ctx, op, groups.data.items, admin),
    permissionSection(op, permissions.data, admin, reload),
    scheduleSection(op, schedules.data.items, account.timeZone, admin || self, reload),
    admin ? signInSection(op, reload) : null,
    admin && !self && !op.isAccountAdministrator ? deleteSection(ctx, op) : null);
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Operator} op
 * @param {boolean} admin
 * @param {boolean} self
 */
function settings(ctx, op, admin, self) {
  const personal = admin || self;
  const ro = (/** @type {boolean} */ editable) => (editable ? {} : { readonly: true, 'aria-readonly': 'true' });
  const form = formPanel({ titleId: 'settings-title', title: 'Settings', attrs: { id: 'operator-settings' } },
    h('div', { class: 'grid' },
      field('Full name', input('fullName', op.fullName, { id: 'op-fullName', ...ro(personal) })),
      field('Email', input('email', op.email, { type: 'email', id: 'op-email', ...ro(admin) })),
      field('Mobile phone', input('mobilePhone', op.mobilePhone, { type: 'tel', id: 'op-mobilePhone', ...ro(personal) }), 'E.164, e.g. +31612345678'),
      field('Backup email', input('backupEmail', op.backupEmail, { type: 'email', id: 'op-backupEmail', ...ro(personal) })),
      field('Language', select('cultureName', CULTURES, op.cultureName, { id: 'op-cultureName', disabled: !personal })),
      field('Time zone', input('timeZone', op.timeZone, { id: 'op-timeZone', list: 'time-zones', ...ro(personal) }), 'IANA name, e.g. Europe/Amsterdam; empty for the account’s'),
      field('Default dashboard', input('defaultDashboard', op.defaultDashboard, { id: 'op-defaultDashboard', ...ro(personal) })),
      field('Active', checkbox('isOnDuty', op.isOnDuty, { id: 'op-isOnDuty', disabled: !admin }), 'The Active switch: off means never on duty.'),
      op.isDisabled === undefined ? null : field('Disabled', checkbox('isDisabled', op.isDisabled, { id: 'op-isDisabled', disabled: !admin }), 'A disabled operator cannot sign in and does not count towards the quota.')),
    personal ? timeZoneList() : null,
    h('p', { class: 'muted' }, `Version ${op.version}, updated ${formatDateTime(op.updatedAt, 'UTC')} UTC`),
    personal ? h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'op-save' }, 'Save settings')) : null);
  if (personal) {
    submitChange(ctx, form, async (data) => {
      const text = (/** @type {string} */ name) => String(data.get(name) ?? '').trim();
      const optional = (/** @type {string} */ name) => text(name) || null;
      /** @type {Schemas['UpdateOperator'] & {isDisabled?: boolean}} */
      const body = {
        fullName: text('fullName'),
        mobilePhone: optional('mobilePhone'),
        backupEmail: optional('backupEmail'),
        cultureName: /** @type {Schemas['CultureName'] | null} */ (optional('cultureName')),
        timeZone: /** @type {Schemas['TimeZoneName'] | null} */ (optional('timeZone')),
        defaultDashboard: optional('defaultDashboard'),
      };
      if (admin) {
        body.email = text('email');
        body.isOnDuty = data.get('isOnDuty') !== null;
        if (op.isDisabled !== undefined) body.isDisabled = data.get('isDisabled') !== null;
      }
      const changes = changedFields(op, body);
      if (!Object.keys(changes).length) return 'Nothing changed.';
      await call('patch', '/operators/{id}', { path: { id: op.operatorId }, body: changes, ifMatch: op.version });
      if (self) ctx.forget();
      return 'Settings saved.';
    });
  }
  return form;
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Operator} op
 * @param {Schemas['GroupView'][]} groups
 * @param {boolean} admin
 */
function groupSection(ctx, op, groups, admin) {
  const problems = h('div', { 'aria-live': 'polite' });
  const section = panel('groups-title', 'Groups',
    problems,
    h('ul', { class: 'rows', 'aria-label': 'Groups of this operator' }, groups.map((g) => h('li', {},
      itemLink('#/groups', g.groupId, g.description),
      admin && !g.isEveryone
        ? h('button', {
            type: 'button', class: 'secondary small', 'aria-label': `Remove from ${g.description}`,
            onclick: () => applyChange(ctx, problems,
              () => call('delete', '/groups/{id}/members/{operatorId}', { path: { id: g.groupId, operatorId: op.operatorId } }),
              `Removed from ${g.description}.`),
          }, 'Remove')
        : null))));
  if (admin) {
    const form = h('form', { class: 'inline-form', 'aria-label': 'Add to a group' });
    const place = h('span');
    form.append(place);
    void allGroups().then((all) => {
      const member = new Set(groups.map((g) => g.groupId));
      const candidates = all.filter((g) => !member.has(g.groupId) && !g.isEveryone);
      if (!candidates.length) return;
      place.replaceWith(
        h('label', { for: 'add-group' }, 'Add to group'),
        select('groupId', candidates.map((g) => [g.groupId, g.description]), candidates[0].groupId, { id: 'add-group' }),
        h('button', { type: 'submit', id: 'add-group-submit' }, 'Add'));
    });
    onPick(form, 'groupId', (groupId) => void applyChange(ctx, problems,
      () => call('put', '/groups/{id}/members/{operatorId}', { path: { id: groupId, operatorId: op.operatorId } }),
      'Added to the group.'));
    section.append(form);
  }
  return section;
}

/**
 * @param {Operator} op
 * @param {Schemas['OperatorPermissions']} permissions
 * @param {boolean} admin
 * @param {() => void} reload
 */
function permissionSection(op, permissions, admin, reload) {
  const direct = new Set(permissions.direct);
  const effective = new Set(permissions.effective);
  const problems = h('div', { 'aria-live': 'polite' });
  const rows = PERMISSIONS.map((p) => {
    const assignable = admin && p !== 'Administrator';
    const cell = assignable
      ? grantOnChange(checkbox(`direct-${p}`, direct.has(p), { id: `perm-${p}`, 'aria-label': `${p}: granted directly` }), problems, async (granted) => {
          const path = { id: op.operatorId, permission: p };
          if (granted) await call('put', '/operators/{id}/permissions/{permission}', { path });
          else await call('delete', '/operators/{id}/permissions/{permission}', { path });
          // The effective permissions change with it.
          reload();
        }, reload)
      : yesNo(direct.has(p));
    return h('tr', { 'data-permission': p },
      h('th', { scope: 'row' }, p),
      h('td', {}, cell),
      h('td', { 'data-effective': String(effective.has(p)) }, effective.has(p) ? 'Yes' : 'No'));
  });
  return panel('permissions-title', 'Permissions',
    h('p', { class: 'muted' }, 'Effective permissions are the direct ones plus those of every group the operator is in. Administrator comes only from the Administrators group.'),
    problems,
    h('table', { class: 'list compact' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Permission'), h('th', { scope: 'col' }, 'Direct'), h('th', { scope: 'col' }, 'Effective'))),
      h('tbody', {}, rows)));
}

/**
 * A schedule as a sentence, in the account time zone.
 * @param {Schemas['ScheduleView']} s
 * @param {string} timeZone
 */
function describe(s, timeZone) {
  switch (s.mode) {
    case 'OneTime': return `Once, from ${formatDateTime(s.start, timeZone)} to ${formatDateTime(s.end, timeZone)}`;
    case 'Daily': return `Every day, ${s.startTime}–${s.endTime}`;
    case 'Weekly': return `Every ${s.weekDay}, ${s.startTime}–${s.endTime}`;
    case 'Monthly': return `Every month on day ${s.monthDay}, ${s.startTime}–${s.endTime}`;
    default: return String(s.mode);
  }
}

/**
 * @param {Operator} op
 * @param {Schemas['ScheduleView'][]} schedules
 * @param {string} timeZone the account's
 * @param {boolean} editable
 * @param {() => void} reload
 */
function scheduleSection(op, schedules, timeZone, editable, reload) {
  const problems = h('div', { 'aria-live': 'polite' });
  /** @type {Schemas['ScheduleView'] | null} */
  let editing = null;
  const form = scheduleForm(timeZone);
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'));
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => setEditing(null) }, 'Cancel');
  submit.after(cancel);
  /** @param {Schemas['ScheduleView'] | null} s */
  const setEditing = (s) => {
    editing = s;
    fillScheduleForm(form, s, timeZone);
    submit.textContent = s ? 'Save window' : 'Add window';
    cancel.hidden = !s;
    if (s) /** @type {HTMLElement} */ (form.querySelector('[name=mode]')).focus();
  };
  onSubmit(form, async (data) => {
    const body = scheduleBody(data, timeZone);
    if (editing) {
      await call('put', '/operators/{id}/duty-schedules/{scheduleId}', { path: { id: op.operatorId, scheduleId: editing.scheduleId }, body });
      flash('Off-duty window saved.');
    } else {
      await call('post', '/operators/{id}/duty-schedules', { path: { id: op.operatorId }, body });
      flash('Off-duty window added.');
    }
    reload();
  }, reload);

  return panel('schedules-title', 'Off-duty schedules',
    h('p', { class: 'muted' }, 'Times are in the account time zone, ', h('strong', { 'data-time-zone': timeZone }, timeZone), '. Inside a window the operator is off duty; a window whose end is before its start runs past midnight.'),
    problems,
    schedules.length
      ? h('ul', { class: 'rows', 'aria-label': 'Off-duty windows' }, schedules.map((s) => h('li', { 'data-schedule-id': s.scheduleId, 'data-mode': s.mode },
          h('span', {}, describe(s, timeZone)),
          editable ? h('span', { class: 'row-actions' },
            h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit: ${describe(s, timeZone)}`, onclick: () => setEditing(s) }, 'Edit'),
            h('button', {
              type: 'button', class: 'secondary small', 'aria-label': `Delete: ${describe(s, timeZone)}`,
              onclick: () => attempt(problems, async () => {
                await call('delete', '/operators/{id}/duty-schedules/{scheduleId}', { path: { id: op.operatorId, scheduleId: s.scheduleId } });
                flash('Off-duty window deleted.');
                reload();
              }, reload),
            }, 'Delete')) : null)))
      : h('p', { class: 'empty' }, 'No off-duty windows: on duty whenever Active.'),
    editable ? form : null);
}

/** @param {string} timeZone */
function scheduleForm(timeZone) {
  const mode = select('mode', [['OneTime', 'Once'], ['Daily', 'Daily'], ['Weekly', 'Weekly'], ['Monthly', 'Monthly']], 'Daily', { id: 'schedule-mode' });
  const form = formPanel({ titleId: 'schedule-form-title', title: 'Off-duty window', subpanel: true, attrs: { id: 'schedule-form' } },
    h('div', { class: 'grid' },
      field('Repeats', mode),
      h('div', { 'data-modes': 'OneTime', class: 'pair' },
        field(`Starts (${timeZone})`, input('start', '', { type: 'datetime-local', id: 'schedule-start' })),
        field(`Ends (${timeZone})`, input('end', '', { type: 'datetime-local', id: 'schedule-end' }))),
      h('div', { 'data-modes': 'Weekly' }, field('Day of the week', select('weekDay', WEEK_DAYS.map((d) => [d, d]), 'Monday', { id: 'schedule-weekDay' }))),
      h('div', { 'data-modes': 'Monthly' }, field('Day of the month', input('monthDay', '1', { type: 'number', min: 1, max: 31, id: 'schedule-monthDay' }))),
      h('div', { 'data-modes': 'Daily Weekly Monthly', class: 'pair' },
        field(`From (${timeZone})`, input('startTime', '', { type: 'time', id: 'schedule-startTime' })),
        field(`Until (${timeZone})`, input('endTime', '', { type: 'time', id: 'schedule-endTime' })))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'schedule-submit' }, 'Add window')));
  mode.addEventListener('change', () => showMode(form));
  showMode(form);
  return form;
}

/** Shows (and enables) only the fields of the chosen mode. @param {HTMLFormElement} form */
function showMode(form) {
  const mode = /** @type {HTMLSelectElement} */ (form.querySelector('[name=mode]')).value;
  for (const group of form.querySelectorAll('[data-modes]')) {
    const on = (group.getAttribute('data-modes') ?? '').split(' ').includes(mode);
    /** @type {HTMLElement} */ (group).hidden = !on;
    for (const control of group.querySelectorAll('input, select')) /** @type {HTMLInputElement} */ (control).disabled = !on;
  }
}

/**
 * @param {HTMLFormElement} form
 * @param {Schemas['ScheduleView'] | null} s
 * @param {string} timeZone
 */
function fillScheduleForm(form, s, timeZone) {
  /** @param {string} name @param {string} value */
  const set = (name, value) => { /** @type {HTMLInputElement} */ (form.querySelector(`[name=${name}]`)).value = value; };
  set('mode', s?.mode ?? 'Daily');
  set('start', toZonedInput(s?.start, timeZone));
  set('end', toZonedInput(s?.end, timeZone));
  set('startTime', s?.startTime ?? '');
  set('endTime', s?.endTime ?? '');
  set('weekDay', s?.weekDay ?? 'Monday');
  set('monthDay', String(s?.monthDay ?? 1));
  showMode(form);
  announce(s ? 'Editing the window.' : '');
}

/**
 * The request body of the schedule form: only the fields of its mode; wall-clock start and end
 * converted from the account time zone to UTC.
 * @param {FormData} data
 * @param {string} timeZone
 * @returns {Schemas['ScheduleInput']}
 */
function scheduleBody(data, timeZone) {
  const text = (/** @type {string} */ name) => String(data.get(name) ?? '');
  const mode = /** @type {Schemas['ScheduleMode']} */ (text('mode'));
  switch (mode) {
    case 'OneTime':
      return { mode, start: zonedToUtc(text('start'), timeZone) ?? text('start'), end: zonedToUtc(text('end'), timeZone) ?? text('end') };
    case 'Weekly':
      return { mode, weekDay: /** @type {NonNullable<Extract<Schemas['ScheduleInput'], {mode: 'Weekly'}>['weekDay']>} */ (text('weekDay')), startTime: text('startTime'), endTime: text('endTime') };
    case 'Monthly':
      return { mode, monthDay: Number(text('monthDay')), startTime: text('startTime'), endTime: text('endTime') };
    default:
      return { mode, startTime: text('startTime'), endTime: text('endTime') };
  }
}

/**
 * The binding of the operator to its identity-provider account, made at its first sign-in.
 * @param {Operator} op
 * @param {() => void} reload
 */
function signInSection(op, reload) {
  const problems = h('div', { 'aria-live': 'polite' });
  return panel('sign-in-title', 'Sign-in',
    h('p', {}, 'The first sign-in ties an operator to its account at the identity provider; other accounts are refused. Reset it when the operator moves to a new account there: its next sign-in ties it again.'),
    problems,
    h('button', {
      type: 'button', class: 'secondary', id: 'op-reset-sign-in',
      onclick: async () => {
        if (!(await confirmDialog(`Reset the sign-in of ${op.fullName}? The next account that signs in as ${op.fullName} is tied to it.`, 'Reset sign-in'))) return;
        await attempt(problems, async () => {
          await call('delete', '/operators/{id}/sign-in', { path: { id: op.operatorId } });
          flash(`The sign-in of ${op.fullName} is reset: the next sign-in ties it again.`);
          reload();
        }, reload);
      },
    }, 'Reset sign-in'));
}

/**
 * @param {import('../app.js').Ctx} ctx
 * @param {Operator} op
 */
function deleteSection(ctx, op) {
  return dangerZone({
    ctx,
    titleId: 'delete-title',
    note: 'Deleting an operator removes its memberships, permissions, off-duty schedules, API users and monitor authorizations.',
    buttonId: 'op-delete',
    label: `Delete ${op.fullName}`,
    question: `Delete ${op.fullName}? This cannot be undone.`,
    confirmLabel: 'Delete operator',
    remove: () => call('delete', '/operators/{id}', { path: { id: op.operatorId }, ifMatch: op.version }),
    done: `${op.fullName} deleted.`,
    back: '#/operators',
  });
}
