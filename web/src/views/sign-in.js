// The sign-in view: the development sign-in of the local server, or the identity provider.

import { beginOidcSignIn, developmentAccounts, developmentSignIn } from '../auth.js';
import { h, field, select, notice } from '../dom.js';

/**
 * @param {import('../auth.js').HubConfig} config
 * @param {string | null} reason why the operator is signed out, if known
 * @param {() => void} done
 */
export async function render(config, reason, done) {
  const view = h('div', { class: 'sign-in' }, h('h1', { tabindex: '-1' }, 'Sign in to the User Management hub'), reason ? notice(reason, 'warn') : null);
  if (config.signIn === 'oidc') {
    const problems = h('div', { 'aria-live': 'polite' });
    view.append(
      h('p', {}, 'You sign in with your organisation’s account.'),
      problems,
      h('button', {
        type: 'button', id: 'oidc-sign-in',
        onclick: async () => {
          try {
            await beginOidcSignIn(config);
          } catch (e) {
            problems.replaceChildren(notice(e instanceof Error ? e.message : String(e), 'error'));
          }
        },
      }, 'Sign in'));
    return view;
  }
  if (config.signIn !== 'development') {
    view.append(notice('Sign-in is not configured for this hub (set the identity provider’s issuer and client id).', 'error'));
    return view;
  }
  const { accounts, defaultAccountId, defaultOperatorId } = await developmentAccounts();
  const accountSelect = select('accountId', accounts.map((a) => [a.accountId, `${a.name} (${a.accountType})`]), defaultAccountId, { id: 'dev-account' });
  const operatorSelect = h('select', { name: 'operatorId', id: 'dev-operator' });
  const fillOperators = () => {
    const account = accounts.find((a) => a.accountId === accountSelect.value);
    operatorSelect.replaceChildren(...(account?.operators ?? []).map((o) => h('option', { value: o.operatorId }, `${o.fullName} <${o.email}>${o.isAdministrator ? ' · administrator' : ''}`)));
    if (account?.operators.some((o) => o.operatorId === defaultOperatorId)) operatorSelect.value = defaultOperatorId ?? '';
  };
  accountSelect.addEventListener('change', fillOperators);
  fillOperators();
  const problems = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'panel' },
    h('p', {}, 'Local development sign-in: act as any operator of any local account. The deployed hub signs in with your identity provider instead.'),
    problems,
    field('Account', accountSelect),
    field('Operator', operatorSelect),
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'dev-sign-in' }, 'Sign in')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const account = accounts.find((a) => a.accountId === accountSelect.value);
    const operator = account?.operators.find((o) => o.operatorId === operatorSelect.value);
    try {
      await developmentSignIn(accountSelect.value, operatorSelect.value, operator?.fullName ?? '');
      done();
    } catch (e) {
      problems.replaceChildren(notice(e instanceof Error ? e.message : String(e), 'error'));
    }
  });
  view.append(form);
  return view;
}
