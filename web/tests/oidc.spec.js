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
  await page.goto(`${server.base}/#/operators`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Back from the identity provider, on the view asked for, signed in.
  await expect(page.locator('main h1')).toHaveText('Operators');
  await expect(page.locator('tr[data-operator-id]').first()).toBeVisible();
  await expect(page.locator('#who .name')).toHaveText('Ada Admin');

  const [authorize] = idp.state.authorizeRequests;
  expect(authorize.get('code_challenge_method')).toBe('S256');
  expect(authorize.get('redirect_uri')).toBe(`${server.base}/`);
  expect(authorize.get('scope')).toBe('openid profile email');
  expect(idp.state.exchanges).toEqual([{ ok: true }]);
  // The code is gone from the address (and so from the history entry).
  expect(new URL(page.url()).search).toBe('');
  expect(new URL(page.url()).hash).toBe('#/operators');
  // Every API request carried the access token the provider issued.
  expect(bearers.length).toBeGreaterThan(0);
  expect(new Set(bearers)).toEqual(new Set([`Bearer ${idp.state.issued[0].access_token}`]));

  // The hub works with it; a token of another issuer's key is refused by the API.
  await page.getByRole('link', { name: 'Hub' }).click();
  await expect(page.locator('[data-figure="operators.total"]')).toBeVisible();
  const forged = idp.state.issued[0].access_token.replace(/\.[^.]+$/, '.c2lnbmF0dXJl');
  expect((await fetch(`${server.base}/hub/summary`, { headers: { Authorization: `Bearer ${forged}` } })).status).toBe(401);

  // Signing out leaves no token, and no PKCE verifier, in the tab.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
});
