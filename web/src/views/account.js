// The account: its name and time zone (administrators), type and operator quota.

import { call, idempotencyKey } from '../api.js';
import { h, formPanel, field, input, formatDateTime, announce, notice } from '../dom.js';
import { rowDeleteButton, onSubmit, submitChange, timeZoneList, readOnlyNote, changedFields, panel } from './common.js';

export const title = () => 'Account';

/** @param {import('../app.js').Ctx} ctx */
export async function render(ctx) {
  const [{ data: account }, admin] = await Promise.all([call('get', '/account'), ctx.isAdmin()]);
  // SCIM tokens are administrators' business only (the route refuses others).
  const scimTokens = admin ? (await call('get', '/scim-tokens')).data.items : null;
  const form = formPanel({ titleId: 'account-settings-title', title: 'Settings', fieldset: { disabled: !admin } },
    h('div', { class: 'grid' },
      field('Name', input('name', account.name, { id: 'account-name' })),
      field('Time zone', input('timeZone', account.timeZone, { id: 'account-timeZone', list: 'time-zones' }), 'Off-duty schedules and “on duty now” follow this time zone.')),
    timeZoneList(),
    admin ? h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'account-save' }, 'Save account')) : null);
  if (admin) {
    submitChange(ctx, form, async (data) => {
      const body = changedFields(account, { name: String(data.get('name') ?? '').trim(), timeZone: /** @type {import('../../types/client').Schemas['TimeZoneName']} */ (String(data.get('timeZone') ?? '').trim()) });
      await call('patch', '/account', { body, ifMatch: account.version });
      ctx.forget();
      return 'Account saved.';
    });
  }
  return h('div', { class: 'detail' },
    h('h1', { tabindex: '-1' }, account.name),
    admin ? null : readOnlyNote(),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Account type'), h('dd', {}, account.accountType),
      h('dt', {}, 'Operators'), h('dd', {}, `${account.operatorsInUse} of ${account.operatorLimit} in use`),
      h('dt', {}, 'Time zone'), h('dd', {}, account.timeZone),
      h('dt', {}, 'Created'), h('dd', {}, `${formatDateTime(account.createdAt, 'UTC')} UTC`)),
    form,
    scimTokens ? scimSection(ctx, scimTokens) : null);
}

/**
 * The identity provider's SCIM tokens: the list, a new one (its secret shown this once), delete.
 * @param {import('../app.js').Ctx} ctx
 * @param {import('../../types/client').Schemas['ScimToken'][]} tokens
 */
function scimSection(ctx, tokens) {
  const problems = h('div', { 'aria-live': 'polite' });
  const result = h('div');
  const form = formPanel({ titleId: 'new-scim-token-title', title: 'New SCIM token', subpanel: true, attrs: { autocomplete: 'off' }, after: result },
    field('Description', input('description', '', { id: 'new-scim-token-description' }), 'The identity provider that uses it, e.g. “Okta”'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'new-scim-token-submit' }, 'Create SCIM token')));
  onSubmit(form, async (data) => {
    const body = { description: String(data.get('description') ?? '').trim() };
    const { data: created } = await call('post', '/scim-tokens', { body, idempotencyKey: idempotencyKey(form, body) });
    form.reset();
    window.addEventListener('pagehide', () => result.replaceChildren(), { once: true });
    const secret = h('input', { type: 'text', readonly: true, id: 'new-scim-token', class: 'secret', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'scim-token-warning' });
    secret.value = created.token ?? '';
    result.replaceChildren(created.token
      ? h('section', { class: 'notice warn once', 'aria-labelledby': 'scim-token-title' },
          h('h3', { id: 'scim-token-title', tabindex: '-1' }, 'Copy the token now'),
          h('p', { id: 'scim-token-warning' }, h('strong', {}, 'This is the only time the token is shown.'), ' Give it to the identity provider as the bearer token of /scim/v2; only a hash is kept.'),
          h('dl', { class: 'credentials' }, h('dt', {}, h('label', { for: 'new-scim-token' }, 'Token')), h('dd', {}, secret)))
      : notice('The token exists, but it was shown to an earlier request: delete it and create another.', 'error'));
    announce('SCIM token created. Copy it now: it is shown only this once.');
    /** @type {HTMLElement | null} */ (result.querySelector('h3'))?.focus();
  });
  return panel('scim-title', 'SCIM provisioning tokens',
    h('p', { class: 'muted' }, 'An identity provider (Okta, Microsoft Entra ID, …) creates, updates and disables operators and groups through SCIM 2.0 at /scim/v2 with one of these tokens. At most 10.'),
    problems,
    tokens.length
      ? h('table', { class: 'list compact' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Description'), h('th', { scope: 'col' }, 'Created (UTC)'), h('th', { scope: 'col' }, 'Last used (UTC)'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
          h('tbody', {}, tokens.map((t) => h('tr', { 'data-scim-token-id': t.scimTokenId },
            h('td', {}, t.description),
            h('td', {}, formatDateTime(t.createdAt, 'UTC')),
            h('td', {}, t.lastUsedAt ? formatDateTime(t.lastUsedAt, 'UTC') : 'Never'),
            h('td', {}, rowDeleteButton({
              item: `SCIM token ${t.description}`,
              question: `Delete the SCIM token “${t.description}”? The identity provider using it is refused from its next request.`,
              confirmLabel: 'Delete token',
              done: 'SCIM token deleted.',
              problems,
              remove: () => call('delete', '/scim-tokens/{id}', { path: { id: t.scimTokenId } }),
              ctx,
            }))))))
      : h('p', { class: 'empty' }, 'No SCIM tokens.'),
    form);
}
