// axe-core on every view: no serious or critical violation (WCAG 2.1 A/AA and best practices).
import { test, expect, signIn, open, seriousViolations } from './fixtures.js';

test('every view has no serious or critical accessibility violation', async ({ page, hub }) => {
  // The demo account of the run: every kind of data (schedules, monitors, authorizations).
  const accountId = /** @type {string} */ (process.env.HUB_TEST_DEMO_ACCOUNT);
  const adminId = /** @type {string} */ (process.env.HUB_TEST_DEMO_ADMIN);
  const api = await hub.apiAs(accountId, adminId);
  /** @type {Record<string, unknown>} */
  const found = {};

  await page.goto(`${hub.base}/`);
  await expect(page.locator('#dev-sign-in')).toBeVisible();
  found['sign-in'] = await seriousViolations(page);
  await signIn(page, hub.base, accountId, adminId);

  const operator = (await api('GET', '/operators?q=grace')).items[0];
  const group = (await api('GET', '/groups')).items.find((g) => !g.isEveryone && !g.isAdministrators);
  const monitor = (await api('GET', '/monitors')).items[0];
  const views = ['#/', '#/operators', `#/operators/${operator.operatorId}`, '#/groups', '#/groups?isEmpty=true', `#/groups/${group.groupId}`,
    '#/api-users', '#/monitors', `#/monitors/${monitor.monitorId}`, '#/permissions', '#/account'];
  for (const hash of views) {
    await open(page, hash);
    // Lists that load after the view (pick-lists) are in place before checking.
    await page.waitForLoadState('networkidle');
    found[hash] = await seriousViolations(page);
  }
  // States: field errors shown, a refusal, the one-time password, a confirmation dialog.
  await open(page, '#/operators');
  await page.getByRole('button', { name: 'Add operator' }).click();
  await expect(page.locator('.form-problem')).toBeVisible();
  found['field errors'] = await seriousViolations(page);
  await open(page, '#/api-users');
  await page.getByLabel('Description').fill('Accessibility check');
  await page.getByRole('button', { name: 'Create API user' }).click();
  await expect(page.locator('#new-api-user-password')).toBeVisible();
  found['new password'] = await seriousViolations(page);
  await open(page, `#/operators/${operator.operatorId}`);
  await page.locator('#op-delete').click();
  await expect(page.getByRole('dialog')).toBeVisible();
  found['confirmation'] = await seriousViolations(page);
  await page.keyboard.press('Escape');

  expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
});
