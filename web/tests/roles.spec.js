// A non-administrator sees read-only views: no control it may not use, and its own personal
// settings and API users still work.
import { test, expect, signIn, open } from './fixtures.js';

test('a non-administrator cannot see or use admin controls', async ({ page, hub }) => {
  const account = await hub.newAccount();
  const nora = await account.api('POST', '/operators', { fullName: 'Nora Normal', email: 'nora@x.example' });
  const group = await account.api('POST', '/groups', { description: 'Ops' });
  const monitor = await account.api('POST', '/monitors', { name: 'Checkout', mode: 'Production' });
  await signIn(page, hub.base, account.accountId, nora.operatorId);
  const admin = page.locator('main').locator([
    '#new-operator-name', '#op-delete', '#op-isOnDuty:not([disabled])', 'input[id^="perm-"]', '#add-group', '#new-group-name', '#group-rename',
    '#group-delete', '#add-member', 'input[id^="group-perm-"]', '#group-on-duty', '#new-monitor-name', '#monitor-save', '#grant-submit',
    '#monitor-delete', '#account-save', '#op-reset-sign-in', '#new-scim-token-description', '#new-api-user-owner', 'button:text("Remove")', 'button:text("Revoke")',
  ].join(', '));

  for (const hash of ['#/operators', `#/operators/${account.adminId}`, '#/groups', `#/groups/${group.groupId}`, '#/groups/administrators',
    '#/monitors', `#/monitors/${monitor.monitorId}`, '#/permissions', '#/account', '#/api-users']) {
    await open(page, hash);
    await expect(admin, hash).toHaveCount(0);
    if (hash !== '#/api-users') await expect(page.locator('[data-read-only]'), hash).toBeVisible();
  }
  // Read-only fields cannot be typed into.
  await open(page, `#/operators/${account.adminId}`);
  await expect(page.getByLabel('Full name')).toHaveAttribute('readonly', '');
  await expect(page.getByRole('button', { name: 'Save settings' })).toHaveCount(0);
  await open(page, '#/account');
  await expect(page.getByLabel('Name')).toBeDisabled();
  await open(page, `#/monitors/${monitor.monitorId}`);
  await expect(page.getByLabel('Mode')).toBeDisabled();

  // Its own personal settings: editable; the email and the Active switch are not.
  await open(page, `#/operators/${nora.operatorId}`);
  await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('readonly', '');
  await expect(page.locator('#op-isOnDuty')).toBeDisabled();
  await page.getByLabel('Mobile phone').fill('+31612345678');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Settings saved.');
  expect((await account.api('GET', `/operators/${nora.operatorId}`)).mobilePhone).toBe('+31612345678');
  // A schedule of its own: allowed.
  await expect(page.locator('#schedule-form')).toBeVisible();

  // Its own API users.
  await open(page, '#/api-users');
  await page.getByLabel('Description').fill('My script');
  await page.getByRole('button', { name: 'Create API user' }).click();
  await expect(page.locator('#new-api-user-password')).toBeVisible();
  const mine = (await account.api('GET', `/api-users?operatorId=${nora.operatorId}`)).items;
  expect(mine.map((u) => u.description)).toEqual(['My script']);

  // The API refuses what the page does not offer (the page is not the only guard).
  const asNora = await hub.apiAs(account.accountId, nora.operatorId);
  await expect(asNora('POST', '/operators', { fullName: 'X', email: 'x@x.example' })).rejects.toMatchObject({ status: 403 });
});
