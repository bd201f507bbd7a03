// API users: the password is shown once, works, and is gone after a reload (never stored).
import { test, expect, open, rendered, shownOnce, signInToNewAccount } from './fixtures.js';

test('an API user password is visible once and gone after reload', async ({ page, hub }) => {
  const account = await signInToNewAccount(page, hub);
  await open(page, '#/api-users');
  await page.getByLabel('Description').fill('Deploy script');
  await page.getByLabel('Access type').selectOption('Grafana');
  await page.getByRole('button', { name: 'Create API user' }).click();

  const secret = await shownOnce(page, '#new-api-user-password', 'password');
  const username = await page.locator('#new-api-user-username').textContent();
  expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);

  // It is the real credential.
  const basic = Buffer.from(`${username}:${secret}`).toString('base64');
  const res = await fetch(`${hub.base}/hub/summary`, { headers: { Authorization: `Basic ${basic}` } });
  expect(res.status).toBe(200);

  // The copy button puts it on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub.base });
  await page.getByRole('button', { name: 'Copy password' }).click();
  await expect(page.getByText('Copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await page.evaluate(() => navigator.clipboard.writeText(''));

  // Nowhere but this view's DOM: not in storage, not in the address.
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + location.href + document.cookie);
  expect(stored).not.toContain(secret);

  await page.reload();
  await rendered(page, '#/api-users');
  await expect(page.locator(`tr:has(code:text-is("${username}"))`)).toContainText('Deploy script');
  await expect(page.locator('#new-api-user-password')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);
  // Nor after going back through the history.
  await open(page, '#/');
  await page.goBack();
  await rendered(page, '#/api-users');
  expect(await page.content()).not.toContain(secret);
  const listed = (await account.api('GET', '/api-users')).items;
  expect(listed.map((u) => [u.username, u.description, u.accessType])).toEqual([[username, 'Deploy script', 'Grafana']]);
  expect(JSON.stringify(listed)).not.toContain(secret);

  // The list by owner: another operator's API user, then the filter.
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  await account.api('POST', '/api-users', { description: 'Grace’s dashboard', operatorId: grace.operatorId });
  await open(page, '#/api-users');
  await expect(page.locator('tr[data-api-user-id]')).toHaveCount(2);
  await page.getByLabel('Owner', { exact: true }).selectOption(grace.operatorId);
  await page.getByRole('button', { name: 'Filter' }).click();
  await rendered(page, `#/api-users?operatorId=${grace.operatorId}`);
  await expect(page.locator('tr[data-api-user-id] td:nth-child(2)')).toHaveText(['Grace’s dashboard']);
  await open(page, '#/api-users');

  // Deleted from the page: the credential stops working at once.
  await page.getByRole('button', { name: 'Delete API user Deploy script' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete API user' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('API user deleted.');
  const after = await fetch(`${hub.base}/hub/summary`, { headers: { Authorization: `Basic ${basic}` } });
  expect(after.status).toBe(401);
});
