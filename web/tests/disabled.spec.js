// Disabled operators: disabled from the page, counted apart on the hub, out of the quota; enabling
// one again when the quota is full is refused as a sentence.
import { test, expect, signIn, open } from './fixtures.js';

test('disabling an operator frees a quota place; enabling it again on a full quota is refused', async ({ page, hub }) => {
  // Premium: 4 operators; the administrator and three more fill it.
  const account = await hub.newAccount({ type: 'Premium' });
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  await account.api('POST', '/operators', { fullName: 'Alan Turing', email: 'alan@x.example' });
  await account.api('POST', '/operators', { fullName: 'Barbara Liskov', email: 'barbara@x.example' });
  await signIn(page, hub.base, account.accountId, account.adminId);
  await expect(page.locator('[data-figure="operators.disabled"]')).toHaveText('0');
  await expect(page.locator('[data-figure="operatorQuota.used"]')).toHaveText('4');

  await open(page, `#/operators/${grace.operatorId}`);
  await page.getByLabel('Disabled').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Settings saved.');
  await expect(page.locator('main h1')).toContainText('Disabled');
  expect((await account.api('GET', `/operators/${grace.operatorId}`)).isDisabled).toBe(true);

  await open(page, '#/operators');
  await expect(page.locator(`tr[data-operator-id="${grace.operatorId}"]`)).toContainText('Disabled');
  await open(page, '#/');
  const summary = await account.api('GET', '/hub/summary');
  expect([summary.operators.disabled, summary.operatorQuota.used, summary.operatorQuota.limit]).toEqual([1, 3, 4]);
  await expect(page.locator('[data-figure="operators.disabled"]')).toHaveText('1');
  await expect(page.locator('[data-figure="operatorQuota.used"]')).toHaveText('3');

  // The freed place is taken; enabling Grace again is then refused.
  await open(page, '#/operators');
  await page.getByLabel('Full name').fill('Katherine Johnson');
  await page.getByLabel('Email').fill('katherine@x.example');
  await page.getByRole('button', { name: 'Add operator' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Operator Katherine Johnson added.');
  await open(page, `#/operators/${grace.operatorId}`);
  await page.getByLabel('Disabled').uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert')).toContainText('The operator quota is reached');
  expect((await account.api('GET', `/operators/${grace.operatorId}`)).isDisabled).toBe(true);
});
