// Groups and monitors, the rest of their flows: rename (and a taken name), group permissions,
// every member on or off duty, delete; a monitor's mode change and the Development rule.
import { test, expect, signIn, open, rendered, signInToNewAccount } from './fixtures.js';

test('a group is renamed, granted, switched off duty and deleted', async ({ page, hub }) => {
  const account = await hub.newAccount();
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  const group = await account.api('POST', '/groups', { description: 'Night shift' });
  await account.api('POST', '/groups', { description: 'Day shift' });
  await account.api('PUT', `/groups/${group.groupId}/members/${grace.operatorId}`);
  await signIn(page, hub.base, account.accountId, account.adminId);
  await open(page, `#/groups/${group.groupId}`);

  await page.getByLabel('Group name').fill('day SHIFT');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect(page.locator('#group-name-error')).toHaveText('Another group already has this name.');
  await page.getByLabel('Group name').fill('Late shift');
  await page.getByRole('button', { name: 'Rename' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Group renamed.');
  await expect(page.locator('main h1')).toContainText('Late shift');
  expect((await account.api('GET', `/groups/${group.groupId}`)).description).toBe('Late shift');

  await page.getByLabel('ShareDashboards').check();
  await expect.poll(async () => (await account.api('GET', `/groups/${group.groupId}/permissions`)).direct).toEqual(['ShareDashboards']);
  expect((await account.api('GET', `/operators/${grace.operatorId}/permissions`)).effective).toContain('ShareDashboards');

  await page.getByRole('button', { name: 'Set all members off duty' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Every member is now not Active.');
  expect((await account.api('GET', `/operators/${grace.operatorId}`)).isOnDuty).toBe(false);
  await page.getByRole('button', { name: 'Set all members on duty' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Every member is now Active.');
  expect((await account.api('GET', `/operators/${grace.operatorId}`)).isOnDuty).toBe(true);

  await page.getByRole('button', { name: 'Delete Late shift' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete group' }).click();
  await rendered(page, '#/groups');
  await expect(page.locator('.notice.ok')).toHaveText('Group Late shift deleted.');
  const left = (await account.api('GET', '/groups')).items.map((g) => g.description);
  expect(left).not.toContain('Late shift');
  await expect(page.locator('tr[data-group-id] td:first-child')).toHaveText(left);

  // The system groups offer neither rename nor delete.
  await open(page, '#/groups/everyone');
  await expect(page.getByRole('button', { name: 'Rename' })).toHaveCount(0);
  await expect(page.locator('#group-delete')).toHaveCount(0);
  await expect(page.locator('#add-member')).toHaveCount(0);
});

test('a monitor changes mode; Active in Development is refused next to the field', async ({ page, hub }) => {
  const account = await hub.newAccount();
  const monitor = await account.api('POST', '/monitors', { name: 'Checkout', mode: 'Production', isActive: true });
  await signIn(page, hub.base, account.accountId, account.adminId);
  await expect(page.locator('[data-figure="productionMonitors"]')).toHaveText('1');
  await open(page, `#/monitors/${monitor.monitorId}`);
  const settings = page.getByRole('form', { name: 'Settings' });
  await settings.getByLabel('Mode').selectOption('Development');
  await settings.getByRole('button', { name: 'Save monitor' }).click();
  await expect(page.locator('#monitor-active-error')).toBeVisible();
  expect((await account.api('GET', `/monitors/${monitor.monitorId}`)).mode).toBe('Production');

  await settings.getByLabel('Active').uncheck();
  await settings.getByRole('button', { name: 'Save monitor' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Monitor saved.');
  const saved = await account.api('GET', `/monitors/${monitor.monitorId}`);
  expect([saved.mode, saved.isActive]).toEqual(['Development', false]);
  await open(page, '#/');
  await expect(page.locator('[data-figure="productionMonitors"]')).toHaveText('0');
});

test('a create whose answer was lost, sent again, creates nothing twice (same Idempotency-Key)', async ({ page, hub }) => {
  const account = await signInToNewAccount(page, hub);
  await open(page, '#/groups');
  const keys = [];
  let lost = false;
  await page.route('**/groups', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    keys.push(route.request().headers()['idempotency-key']);
    if (!lost) {
      // The request reaches the server; its answer never reaches the page.
      lost = true;
      await route.fetch();
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await page.getByLabel('Name').fill('Night shift');
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.getByRole('alert')).toHaveText('The hub cannot be reached; check the connection and try again.');
  expect((await account.api('GET', '/groups')).items.filter((g) => g.description === 'Night shift')).toHaveLength(1);

  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.locator('main h1')).toContainText('Night shift');
  expect(keys).toHaveLength(2);
  expect(keys[1]).toBe(keys[0]);
  expect((await account.api('GET', '/groups')).items.filter((g) => g.description === 'Night shift')).toHaveLength(1);
});
