// The hub: one card per figure of GET /hub/summary (its only request), each linking to the view
// that manages it.

import { call } from '../api.js';
import { h, formatDateTime } from '../dom.js';

export const title = () => 'Hub';

/**
 * A figure with its label; `data-figure` names the summary field it shows.
 * @param {string} figure
 * @param {number | string} value
 * @param {string} label
 */
function figure(figure, value, label) {
  return h('div', { class: 'figure' }, h('span', { class: 'value', 'data-figure': figure }, value), h('span', { class: 'label' }, label));
}

/**
 * @param {string} id
 * @param {string} heading
 * @param {string} href
 * @param {string} linkText
 * @param {...(Node | null)} body
 */
function card(id, heading, href, linkText, ...body) {
  const headingId = `card-${id}`;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': headingId, 'data-card': id },
    h('h2', { id: headingId }, heading),
    ...body,
    h('p', { class: 'manage' }, h('a', { href }, linkText)),
  );
}

/** The filled part of the quota bar (a CSSOM width: the page's CSP allows no inline styles). */
/** @param {number} percent */
function fill(percent) {
  const el = h('span');
  el.style.width = `${percent}%`;
  return el;
}

/** @param {import('../app.js').Ctx} _ctx */
export async function render(_ctx) {
  /** @type {import('../../types/client').Summary} */
  const s = (await call('get', '/hub/summary')).data;
  const quota = s.operatorQuota;
  const percent = quota.limit > 0 ? Math.min(100, Math.round((quota.used / quota.limit) * 100)) : 100;
  const full = quota.used >= quota.limit;
  return h(
    'div',
    { class: 'hub' },
    h('h1', { tabindex: '-1' }, 'User Management hub'),
    h('p', { class: 'lede' }, 'Account type ', h('strong', { 'data-figure': 'accountType' }, s.accountType)),
    h(
      'div',
      { class: 'cards' },
      card(
        'operators',
        'Operators',
        '#/operators',
        'Manage operators',
        h('div', { class: 'figures' },
          figure('operators.total', s.operators.total, 'operators'),
          figure('operators.active', s.operators.active, 'active'),
          s.operators.disabled === undefined ? null : figure('operators.disabled', s.operators.disabled, 'disabled')),
        s.operators.activeList.length
          ? h('ul', { class: 'people', 'aria-label': 'Active operators', 'data-figure': 'operators.activeList' },
              s.operators.activeList.map((o) => h('li', {}, h('a', { href: `#/operators/${encodeURIComponent(o.operatorId)}` }, o.fullName), ' ', h('span', { class: 'muted' }, o.email))))
          : h('p', { class: 'muted' }, 'No active operators.'),
      ),
      card(
        'quota',
        'Operator quota',
        '#/account',
        'See the account',
        h('div', { class: 'figures' }, h('div', { class: 'figure' },
          h('span', { class: 'value' }, h('span', { 'data-figure': 'operatorQuota.used' }, quota.used), ' / ', h('span', { 'data-figure': 'operatorQuota.limit' }, quota.limit)),
          h('span', { class: 'label' }, 'operators used'))),
        h('div', {
          class: full ? 'bar full' : 'bar',
          role: 'meter',
          'aria-label': 'Operator quota used',
          'aria-valuemin': 0,
          'aria-valuemax': quota.limit,
          'aria-valuenow': quota.used,
          'aria-valuetext': `${quota.used} of ${quota.limit}`,
        }, fill(percent)),
        full ? h('p', { class: 'warn-text' }, 'The quota is reached: new operators are refused.') : null,
      ),
      card('on-duty', 'On duty now', '#/operators?isOnDuty=true', 'See active operators',
        h('div', { class: 'figures' }, figure('onDuty', s.onDuty, 'on duty now')),
        h('p', { class: 'muted' }, 'Active operators outside their off-duty windows, in the account time zone.')),
      card('groups', 'Operator groups', '#/groups', 'Manage groups',
        h('div', { class: 'figures' },
          figure('groups.total', s.groups.total, 'groups'),
          h('a', { class: 'figure link', href: '#/groups?isEmpty=true' },
            h('span', { class: 'value', 'data-figure': 'groups.empty' }, s.groups.empty), h('span', { class: 'label' }, 'empty')))),
      card('api-users', 'API users', '#/api-users', 'Manage API users',
        h('div', { class: 'figures' },
          figure('apiUsers.total', s.apiUsers.total, 'API users'),
          h('a', { class: 'figure link', href: '#/api-users?inactive=true' },
            h('span', { class: 'value', 'data-figure': 'apiUsers.inactive' }, s.apiUsers.inactive), h('span', { class: 'label' }, 'inactive'))),
        h('p', { class: 'muted' }, s.apiUsers.inactiveComputedAt
          ? ['Inactive counted at ', h('time', { datetime: s.apiUsers.inactiveComputedAt, 'data-figure': 'apiUsers.inactiveComputedAt' }, `${formatDateTime(s.apiUsers.inactiveComputedAt, 'UTC')} UTC`)]
          : 'Inactive API users are counted by the hourly maintenance job; not counted yet.')),
      card('monitors', 'Production monitors', '#/permissions', 'See monitor permissions',
        h('div', { class: 'figures' }, figure('productionMonitors', s.productionMonitors, 'in production'))),
    ),
  );
}
