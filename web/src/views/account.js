// The account: its name and time zone (administrators), type and operator quota.

import { call } from '../api.js';
import { h, field, input, flash, formatDateTime } from '../dom.js';
import { onSubmit, timeZoneList, readOnlyNote, changedFields } from './common.js';

export const title = () => 'Account';

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const [{ data: account }, admin] = await Promise.all([call('get', '/account'), ctx.isAdmin()]);
  const reload = () => void ctx.refresh();
  const form = h('form', { class: 'panel', 'aria-labelledby': 'account-settings-title', novalidate: true },
    h('h2', { id: 'account-settings-title' }, 'Settings'),
    h('fieldset', { disabled: !admin },
      h('legend', { class: 'visually-hidden' }, 'Settings'),
      h('div', { class: 'grid' },
        field('Name', input('name', account.name, { id: 'account-name' })),
        field('Time zone', input('timeZone', account.timeZone, { id: 'account-timeZone', list: 'time-zones' }), 'Off-duty schedules and “on duty now” follow this time zone.')),
      timeZoneList(),
      admin ? h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'account-save' }, 'Save account')) : null));
  if (admin) {
    onSubmit(form, async (data) => {
      const body = changedFields(account, { name: String(data.get('name') ?? '').trim(), timeZone: String(data.get('timeZone') ?? '').trim() });
      await call('patch', '/account', { body, ifMatch: account.version });
      ctx.forget();
      flash('Account saved.');
      await ctx.refresh();
    }, reload);
  }
  return h('div', { class: 'detail' },
    h('h1', { tabindex: '-1' }, account.name),
    admin ? null : readOnlyNote(),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Account type'), h('dd', {}, account.accountType),
      h('dt', {}, 'Operators'), h('dd', {}, `${account.operatorsInUse} of ${account.operatorLimit} in use`),
      h('dt', {}, 'Time zone'), h('dd', {}, account.timeZone),
      h('dt', {}, 'Created'), h('dd', {}, `${formatDateTime(account.createdAt, 'UTC')} UTC`)),
    form);
}
