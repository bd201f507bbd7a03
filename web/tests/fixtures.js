// What the browser tests share: the server of the run, a fresh account per test (so that tests run
// in parallel without seeing each other's changes), tokens and API calls to check what the page
// shows against what the API answers, and signing in through the page.
import { test as base, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createAccount } from './hub-local.js';

export { expect };

/**
 * A client of the API as one operator.
 * @param {string} baseUrl
 * @param {string} token
 */
export function apiClient(baseUrl, token) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<any>}
   */
  return async (method, path, body) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status} ${text}`), { status: res.status });
    return text ? JSON.parse(text) : undefined;
  };
}

/** A token for any operator, from the local server's development sign-in. */
export async function devToken(baseUrl, accountId, operatorId) {
  const res = await fetch(`${baseUrl}/dev/sign-in`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ accountId, operatorId }) });
  if (!res.ok) throw new Error(`dev sign-in: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

let accounts = 0;

export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern
  hub: async ({}, use, testInfo) => {
    const baseUrl = /** @type {string} */ (process.env.HUB_TEST_BASE);
    const dynamodb = /** @type {string} */ (process.env.HUB_TEST_DYNAMODB);
    await use({
      base: baseUrl,
      /**
       * A new account and an API client as its administrator.
       * @param {{type?: string, extraOperators?: number, timeZone?: string}} [options]
       */
      async newAccount(options = {}) {
        accounts += 1;
        const name = `T${testInfo.workerIndex}-${accounts} ${testInfo.title.slice(0, 40)}`;
        const { accountId, adminOperatorId } = await createAccount(dynamodb, { name, ...options });
        const token = await devToken(baseUrl, accountId, adminOperatorId);
        return { accountId, adminId: adminOperatorId, name, api: apiClient(baseUrl, token) };
      },
      /** An API client as any operator of any account. */
      async apiAs(accountId, operatorId) {
        return apiClient(baseUrl, await devToken(baseUrl, accountId, operatorId));
      },
    });
  },
});

/**
 * Signs in through the page's development sign-in and waits for the hub.
 * @param {import('@playwright/test').Page} page
 * @param {string} baseUrl
 * @param {string} accountId
 * @param {string} operatorId
 */
export async function signIn(page, baseUrl, accountId, operatorId) {
  await page.goto(`${baseUrl}/`);
  await page.locator('#dev-account').selectOption(accountId);
  await page.locator('#dev-operator').selectOption(operatorId);
  await page.locator('#dev-sign-in').click();
  await expect(page.locator('[data-figure="operators.total"]')).toBeVisible();
}

/**
 * A new account (as `hub.newAccount` makes it), signed in on `page` as its administrator.
 * @param {import('@playwright/test').Page} page
 * @param {{ base: string, newAccount: (options?: {type?: string, extraOperators?: number, timeZone?: string}) => Promise<any> }} hub
 * @param {{type?: string, extraOperators?: number, timeZone?: string}} [options]
 */
export async function signInToNewAccount(page, hub, options) {
  const account = await hub.newAccount(options);
  await signIn(page, hub.base, account.accountId, account.adminId);
  return account;
}

/**
 * The secret a create form shows once: waits for its field and for the note that this is the only
 * time the `what` is shown, then reads it.
 * @param {import('@playwright/test').Page} page
 * @param {string} selector the secret's field
 * @param {string} what e.g. `password`
 */
export async function shownOnce(page, selector, what) {
  const field = page.locator(selector);
  await expect(field).toBeVisible();
  await expect(page.getByText(`This is the only time the ${what} is shown.`)).toBeVisible();
  return field.inputValue();
}

/**
 * Opens a view by its address and waits until it has rendered.
 * @param {import('@playwright/test').Page} page
 * @param {string} hash e.g. `#/operators`
 */
export async function open(page, hash) {
  // The same address again fires no hashchange: load it afresh then.
  if ((await page.evaluate(() => location.hash)) === hash) await page.reload();
  else await page.evaluate((h) => { location.hash = h; }, hash);
  await rendered(page, hash);
}

/**
 * Waits until the view of this address has rendered (also after a navigation by a click).
 * @param {import('@playwright/test').Page} page
 * @param {string} hash
 */
export async function rendered(page, hash) {
  await expect(page.locator('main')).toHaveAttribute('data-hash', hash === '#/' ? /^(#\/?)?$/ : hash);
  await expect(page.locator('main')).not.toHaveAttribute('aria-busy', 'true');
}

/**
 * The serious and critical accessibility violations axe finds on the page as it is.
 * @param {import('@playwright/test').Page} page
 */
export async function seriousViolations(page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}
