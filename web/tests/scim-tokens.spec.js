// SCIM tokens in the Account view: the secret shown once and working, gone after a reload, and
// refused once deleted.
import { test, expect, open, shownOnce, signInToNewAccount } from './fixtures.js';

test('a SCIM token is shown once, works at /scim/v2, and stops working when deleted', async ({ page, hub }) => {
  const account = await signInToNewAccount(page, hub);
  await open(page, '#/account');
  await page.getByLabel('Description').fill('Okta');
  await page.getByRole('button', { name: 'Create SCIM token' }).click();
  const token = await shownOnce(page, '#new-scim-token', 'token');
  expect(token.length).toBeGreaterThan(20);
  const users = () => fetch(`${hub.base}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token}` } });
  expect((await users()).status).toBe(200);

  await page.reload();
  await expect(page.locator('tr[data-scim-token-id]')).toHaveText([/Okta/]);
  await expect(page.locator('#new-scim-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  expect(JSON.stringify(await account.api('GET', '/scim-tokens'))).not.toContain(token);

  await page.getByRole('button', { name: 'Delete SCIM token Okta' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete token' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('SCIM token deleted.');
  await expect(page.locator('tr[data-scim-token-id]')).toHaveCount(0);
  expect((await users()).status).toBe(401);
});
