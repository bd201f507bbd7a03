// The permissions overview (administrators): for every monitor, who holds each level.

import { call } from '../api.js';
import { h } from '../dom.js';
import { pager, withQuery, badge, listTable, itemLink } from './common.js';
import { MODES } from './monitors.js';
import { LEVELS } from './monitor.js';

/** @typedef {import('../../types/client').Schemas} Schemas */

export const title = () => 'Monitor permissions';

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  if (!(await ctx.isAdmin())) {
    return h('div', {},
      h('h1', { tabindex: '-1' }, 'Monitor permissions'),
      h('p', { class: 'note', 'data-read-only': true }, 'Only administrators see the permissions overview. ', h('a', { href: '#/monitors' }, 'The monitors'), ' show their own authorizations.'));
  }
  const mode = ctx.params.get('mode') ?? 'Production';
  const { data } = await call('get', '/monitors/permissions', { query: { mode: /** @type {any} */ (mode === 'all' ? undefined : mode), cursor: ctx.params.get('cursor') ?? undefined } });
  /** @param {Schemas['LevelHolders']} holders */
  const who = (holders) => {
    const names = [...holders.operators.map((o) => h('li', {}, o.name)), ...holders.groups.map((g) => h('li', {}, g.name, ' ', badge('group')))];
    return names.length ? h('ul', { class: 'holders' }, names) : h('span', { class: 'muted' }, '—');
  };
  return h('div', {},
    h('h1', { tabindex: '-1' }, 'Monitor permissions'),
    h('p', { class: 'lede' }, 'Who holds each level on each monitor. Levels are cumulative: whoever may edit a monitor may also view it and its data.'),
    h('nav', { class: 'tabs', 'aria-label': 'Mode' },
      [...MODES, ['all', 'All modes']].map(([value, label]) => h('a', { href: withQuery('#/permissions', new URLSearchParams({ mode: value })), 'aria-current': value === mode ? 'page' : null }, label))),
    listTable({
      caption: 'Monitor permissions',
      columns: ['Monitor', 'Mode', ...[...LEVELS].reverse().map(([, label]) => label)],
      items: data.items,
      row: (m) => h('tr', { 'data-monitor-id': m.monitorId },
        h('th', { scope: 'row' }, itemLink('#/monitors', m.monitorId, m.name), m.isActive ? null : h('span', { class: 'muted' }, ' (not active)')),
        h('td', {}, m.mode),
        h('td', { 'data-level': 'EditMonitor' }, who(m.editMonitor)),
        h('td', { 'data-level': 'ViewMonitor' }, who(m.viewMonitor)),
        h('td', { 'data-level': 'ViewMonitorData' }, who(m.viewMonitorData))),
      empty: 'No monitors in this mode.',
    }),
    pager('#/permissions', ctx.params, data.nextCursor));
}
