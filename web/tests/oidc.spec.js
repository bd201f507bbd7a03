// Deployed sign-in, on loopback: OpenID Connect authorization code with PKCE against a stand-in
// identity provider, with the hub verifying the tokens against its JWKS (as in AWS, where the
// page's OIDC settings and HUB_JWKS_URL/ISSUER/AUDIENCE come from the template's parameters).
import { test, expect } from '@playwright/test';
import { startHubLocal } from './hub-local.js';
import { startStandInIdp } from './stand-in-idp.js';

/** @type {Awaited<ReturnType<typeof startStandInIdp>>} */
let idp;
/** @type {Awaited<ReturnType<typeof startHubLocal>>} */
let server;

test.beforeAll(async () => {
  idp = await startStandInIdp({ clientId: 'hub-web', apiAudience: 'hub-api' });
  server = await startHubLocal({
    HUB_JWKS_URL: `${idp.state.issuer}/jwks`,
    HUB_JWT_ISSUER: idp.state.issuer,
    HUB_JWT_AUDIENCE: 'hub-api',
    HUB_OIDC_ISSUER: idp.state.issuer,
    HUB_OIDC_CLIENT_ID: 'hub-web',
  });
  idp.state.person = { sub: `stand-in|${server.adminId}`, accountId: server.accountId, operatorId: server.adminId, name: 'Ada Admin', email: 'ada@demo.example' };
});

test.afterAll(async () => {
  await server?.stop();
  await idp?.close();
});

test('OpenID Connect sign-in with PKCE: the token the identity provider issues is the one the API verifies', async ({ page }) => {
  // No development sign-in where OpenID Connect is configured.
  expect((await fetch(`${server.base}/dev/sign-in`)).status).toBe(404);

  /** @type {string[]} */
  const bearers = [];
  page.on('request', (request) => {
    const auth = request.headers().authorization;
    if (auth && new URL(request.url()).origin === server.base) bearers.push(auth);
  });
  // This file's tests share the server and the provider: count from here.
  const [authorizesBefore, exchangesBefore] = [idp.state.authorizeRequests.length, idp.state.exchanges.length];
  await page.goto(`${server.base}/#/operators`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back from the identity provider, on the view asked for, signed in.
  await expect(page.locator('main h1')).toHaveText('Operators');
  await expect(page.locator('tr[data-operator-id]').first()).toBeVisible();
  await expect(page.locator('#who .name')).toHaveText('Ada Admin');

  expect(idp.state.authorizeRequests).toHaveLength(authorizesBefore + 1);
  const authorize = idp.state.authorizeRequests[authorizesBefore];
  expect(authorize.get('code_challenge_method')).toBe('S256');
  expect(authorize.get('redirect_uri')).toBe(`${server.base}/`);
  expect(authorize.get('scope')).toBe('openid profile email');
  expect(idp.state.exchanges.slice(exchangesBefore)).toEqual([{ ok: true }]);
  // The code is gone from the address (and so from the history entry).
  expect(new URL(page.url()).search).toBe('');
  expect(new URL(page.url()).hash).toBe('#/operators');
  // Every API request carried the access token the provider issued.
  expect(bearers.length).toBeGreaterThan(0);
  expect(new Set(bearers)).toEqual(new Set([`Bearer ${idp.state.issued.at(-1).access_token}`]));

  // The hub works with it; a token of another issuer's key is refused by the API.
  await page.getByRole('link', { name: 'Hub' }).click();
  await expect(page.locator('[data-figure="operators.total"]')).toBeVisible();
  const forged = idp.state.issued.at(-1).access_token.replace(/\.[^.]+$/, '.c2lnbmF0dXJl');
  expect((await fetch(`${server.base}/hub/summary`, { headers: { Authorization: `Bearer ${forged}` } })).status).toBe(401);

  // Signing out leaves no token, and no PKCE verifier, in the tab.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
});

test('the first sign-in binds the operator to its identity-provider account; another is refused until an administrator resets it', async ({ page }) => {
  const ada = idp.state.person;
  const signInThroughIdp = async () => {
    await page.goto(`${server.base}/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  // Grace, as an administrator reads her.
  await signInThroughIdp();
  await expect(page.locator('[data-figure="operators.total"]')).toBeVisible();
  const adaToken = idp.state.issued.at(-1).access_token;
  const list = await (await fetch(`${server.base}/operators?q=grace`, { headers: { Authorization: `Bearer ${adaToken}` } })).json();
  const grace = list.items[0];
  await page.getByRole('button', { name: 'Sign out' }).click();

  // Grace's first sign-in binds her to this subject.
  idp.state.person = { sub: 'stand-in|grace-first-account', accountId: server.accountId, operatorId: grace.operatorId, name: grace.fullName, email: grace.email };
  await signInThroughIdp();
  await expect(page.locator('#who .name')).toHaveText(grace.fullName);
  await page.getByRole('button', { name: 'Sign out' }).click();

  // Another account of the identity provider naming Grace: refused, and the page says why.
  idp.state.person = { ...idp.state.person, sub: 'stand-in|grace-second-account' };
  await signInThroughIdp();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.locator('main .notice')).toContainText('The hub did not accept this sign-in');

  // Ada resets Grace's sign-in from Grace's page.
  idp.state.person = ada;
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('[data-figure="operators.total"]')).toBeVisible();
  await page.goto(`${server.base}/#/operators/${grace.operatorId}`);
  await page.getByRole('button', { name: 'Reset sign-in' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Reset sign-in' }).click();
  await expect(page.locator('.notice.ok')).toContainText('is reset');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // Now the new account signs in as Grace, and is the one bound.
  idp.state.person = { ...idp.state.person, sub: 'stand-in|grace-second-account', operatorId: grace.operatorId, name: grace.fullName, email: grace.email };
  await signInThroughIdp();
  await expect(page.locator('#who .name')).toHaveText(grace.fullName);
  await expect(page.locator('[data-figure="operators.total"]')).toBeVisible();
  idp.state.person = ada;
});
