// Monitors: a granted authorization appears in the permissions overview, levels cumulative.
import { test, expect, signIn, open } from './fixtures.js';

test('granting a monitor authorization shows in the permissions overview', async ({ page, hub }) => {
  const account = await hub.newAccount();
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  const ops = await account.api('POST', '/groups', { description: 'Ops' });
  await signIn(page, hub.base, account.accountId, account.adminId);
  await open(page, '#/monitors');
  const create = page.getByRole('form', { name: 'New monitor' });
  await create.getByLabel('Name').fill('Checkout');
  await create.getByLabel('Mode').selectOption('Production');
  await page.getByRole('button', { name: 'Create monitor' }).click();
  await expect(page.locator('main h1')).toContainText('Checkout');
  const monitor = (await account.api('GET', '/monitors')).items[0];

  // The operator is found by searching (the pick-list holds at most 25 matches).
  const principal = page.getByLabel('Operator or group', { exact: true });
  await page.getByRole('searchbox', { name: 'Search operators for: Operator or group' }).fill('grace');
  await expect(principal.locator('optgroup[label="Operators"] option')).toHaveText(['Grace Hopper (grace@x.example)']);
  await principal.selectOption(`operator:${grace.operatorId}`);
  await page.getByLabel('Level').selectOption('ViewMonitor');
  await page.getByRole('button', { name: 'Grant' }).click();
  await expect(page.locator(`tr[data-principal="operator:${grace.operatorId}"] td[data-highest]`)).toHaveText('View monitor (includes View monitor data)');
  await principal.selectOption(`group:${ops.groupId}`);
  await page.getByLabel('Level').selectOption('EditMonitor');
  await page.getByRole('button', { name: 'Grant' }).click();
  await expect(page.locator(`tr[data-principal="group:${ops.groupId}"] td[data-highest]`)).toHaveText('Edit monitor (includes View monitor and View monitor data)');

  await open(page, '#/permissions');
  const row = page.locator(`tr[data-monitor-id="${monitor.monitorId}"]`);
  const shown = async (level) => row.locator(`td[data-level="${level}"] li`).allTextContents();
  await expect(row.locator('td[data-level="ViewMonitor"] li')).toHaveCount(2);
  const overview = (await account.api('GET', '/monitors/permissions')).items.find((m) => m.monitorId === monitor.monitorId);
  const names = (holders) => [...holders.operators.map((o) => o.name), ...holders.groups.map((g) => `${g.name} group`)];
  expect(await shown('EditMonitor')).toEqual(names(overview.editMonitor));
  expect(await shown('ViewMonitor')).toEqual(names(overview.viewMonitor));
  expect(await shown('ViewMonitorData')).toEqual(names(overview.viewMonitorData));
  expect(names(overview.viewMonitor)).toEqual(['Grace Hopper', 'Ops group']);
  expect(names(overview.editMonitor)).toEqual(['Ops group']);

  // Revoked from the monitor's view: gone from the overview.
  await row.getByRole('link', { name: 'Checkout' }).click();
  await page.getByRole('button', { name: 'Revoke View monitor from Grace Hopper' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('View monitor revoked.');
  await open(page, '#/permissions');
  await expect(page.locator(`tr[data-monitor-id="${monitor.monitorId}"] td[data-level="ViewMonitor"] li`)).toHaveText(['Ops group']);
});
