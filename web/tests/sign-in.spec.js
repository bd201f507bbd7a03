// The development sign-in: what is on screen after it is the signed-in view, whatever else the page
// was still drawing.
import { test, expect, rendered } from './fixtures.js';

test('a sign-in that ends while the sign-in form is being drawn again leaves the signed-in view on screen', async ({ page, hub }) => {
  const account = await hub.newAccount();
  await page.goto(`${hub.base}/`);
  await page.locator('#dev-account').selectOption(account.accountId);
  await page.locator('#dev-operator').selectOption(account.adminId);

  // From now on, the form's list of local accounts answers only when released.
  /** @type {() => void} */
  let release = () => {};
  const held = new Promise((resolve) => { release = () => resolve(undefined); });
  let listRequested = false;
  await page.route('**/dev/sign-in', async (route) => {
    if (route.request().method() === 'GET') {
      listRequested = true;
      await held;
    }
    await route.continue();
  });
  // A new address while signed out draws the sign-in form again; it waits for that list.
  await page.evaluate(() => { location.hash = '#/groups'; });
  await expect.poll(() => listRequested).toBe(true);

  // The form still on screen signs in; its view is drawn.
  await page.locator('#dev-sign-in').click();
  await rendered(page, '#/groups');

  // The form that was being drawn gets its list now, late.
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/dev/sign-in' && r.request().method() === 'GET');
  release();
  await listed;
  await page.waitForLoadState('networkidle');
  await expect(page.locator('main')).toHaveAttribute('data-view', 'groups');
  await expect(page.locator('#dev-sign-in')).toHaveCount(0);
  await expect(page.locator('#nav')).toBeVisible();
});
