// Operators: field errors, the quota refusal, two tabs editing one operator, keyboard-only use.
import { test, expect, signIn, open, rendered } from './fixtures.js';

test('adding operators until the quota refuses shows the refusal; field errors sit next to their fields', async ({ page, hub }) => {
  // Premium: 4 operators, the administrator is the first.
  const account = await hub.newAccount({ type: 'Premium' });
  await signIn(page, hub.base, account.accountId, account.adminId);
  await open(page, '#/operators');
  const name = page.getByLabel('Full name');
  const email = page.getByLabel('Email');
  const add = page.getByRole('button', { name: 'Add operator' });

  await name.fill('Grace Hopper');
  await email.fill('not-an-email');
  await add.click();
  await expect(page.locator('#new-operator-email-error')).toBeVisible();
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(email).toHaveAttribute('aria-describedby', /new-operator-email-error/);
  await expect(page.locator('#new-operator-name-error')).toBeHidden();
  expect((await account.api('GET', '/operators')).items).toHaveLength(1);

  for (const [i, person] of ['Grace Hopper', 'Alan Turing', 'Barbara Liskov'].entries()) {
    await name.fill(person);
    await email.fill(`person${i}@x.example`);
    await add.click();
    await expect(page.locator('.notice.ok')).toHaveText(`Operator ${person} added.`);
    await expect(page.locator('tr[data-operator-id]')).toHaveCount(i + 2);
    if (i === 0) {
      // The same email again (another case): the conflict is shown next to the email field.
      await name.fill('Grace Again');
      await email.fill('PERSON0@x.example');
      await add.click();
      await expect(page.locator('#new-operator-email-error')).toHaveText('Another operator of this account already has this email.');
      await expect(page.locator('tr[data-operator-id]')).toHaveCount(2);
    }
  }
  await name.fill('Katherine Johnson');
  await email.fill('katherine@x.example');
  await add.click();
  await expect(page.getByRole('alert')).toContainText('The operator quota is reached');
  await expect(page.locator('tr[data-operator-id]')).toHaveCount(4);

  const summary = await account.api('GET', '/hub/summary');
  expect(summary.operatorQuota).toEqual({ used: 4, limit: 4 });
  expect((await account.api('GET', '/operators?q=katherine')).items).toEqual([]);
  await open(page, '#/');
  await expect(page.locator('[data-figure="operatorQuota.used"]')).toHaveText('4');
  await expect(page.locator('[data-figure="operatorQuota.limit"]')).toHaveText('4');
  await expect(page.getByRole('meter', { name: 'Operator quota used' })).toHaveAttribute('aria-valuenow', '4');
  await expect(page.getByText('The quota is reached: new operators are refused.')).toBeVisible();
});

test('two tabs editing one operator: the second save shows the conflict, nothing is overwritten', async ({ context, hub }) => {
  const account = await hub.newAccount();
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  const [first, second] = [await context.newPage(), await context.newPage()];
  for (const page of [first, second]) {
    await signIn(page, hub.base, account.accountId, account.adminId);
    await open(page, `#/operators/${grace.operatorId}`);
  }
  await first.getByLabel('Full name').fill('Grace Brewster Hopper');
  await first.getByRole('button', { name: 'Save settings' }).click();
  await expect(first.locator('.notice.ok')).toHaveText('Settings saved.');
  await expect(first.locator('main h1')).toContainText('Grace Brewster Hopper');

  await second.getByLabel('Full name').fill('Amazing Grace');
  await second.getByRole('button', { name: 'Save settings' }).click();
  await expect(second.getByRole('alert')).toContainText('Changed by someone else — reload');
  const current = await account.api('GET', `/operators/${grace.operatorId}`);
  expect(current.fullName).toBe('Grace Brewster Hopper');
  expect(current.version).toBe(2);

  await second.getByRole('button', { name: 'Reload' }).click();
  await expect(second.getByLabel('Full name')).toHaveValue('Grace Brewster Hopper');
  await second.getByLabel('Full name').fill('Amazing Grace');
  await second.getByRole('button', { name: 'Save settings' }).click();
  await expect(second.locator('.notice.ok')).toHaveText('Settings saved.');
  expect((await account.api('GET', `/operators/${grace.operatorId}`)).fullName).toBe('Amazing Grace');
});

/**
 * Presses Tab until the element matching `selector` has the focus (at most `max` times).
 * @param {import('@playwright/test').Page} page
 * @param {string} selector
 */
async function tabTo(page, selector, max = 60) {
  for (let i = 0; i < max; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only: sign in, add an operator, grant a permission, add to a group, delete', async ({ page, hub }) => {
  const account = await hub.newAccount();
  await page.goto(`${hub.base}/`);
  await expect(page.locator('#dev-account')).toBeVisible();
  // The account is picked with the arrow keys (its only operator, the administrator, follows).
  await tabTo(page, '#dev-account');
  for (let i = 0; i < 200 && (await page.locator('#dev-account').inputValue()) !== account.accountId; i += 1) {
    await page.keyboard.press('ArrowDown');
  }
  await expect(page.locator('#dev-account')).toHaveValue(account.accountId);
  await expect(page.locator('#dev-operator')).toHaveValue(account.adminId);
  await tabTo(page, '#dev-sign-in');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-figure="operators.total"]')).toHaveText('1');

  await tabTo(page, 'nav a[href="#/operators"]');
  await page.keyboard.press('Enter');
  await rendered(page, '#/operators');
  await tabTo(page, '#new-operator-name');
  await page.keyboard.type('Grace Hopper');
  await page.keyboard.press('Tab');
  await page.keyboard.type('grace@x.example');
  await page.keyboard.press('Enter');
  await expect(page.locator('.notice.ok')).toHaveText('Operator Grace Hopper added.');
  const grace = (await account.api('GET', '/operators?q=grace')).items[0];
  expect(grace.email).toBe('grace@x.example');

  await tabTo(page, `tr[data-operator-id="${grace.operatorId}"] a`);
  await page.keyboard.press('Enter');
  await rendered(page, `#/operators/${grace.operatorId}`);
  await tabTo(page, '#perm-ShareDashboards');
  await page.keyboard.press('Space');
  await expect.poll(async () => (await account.api('GET', `/operators/${grace.operatorId}/permissions`)).direct).toContain('ShareDashboards');
  await expect(page.locator('tr[data-permission="ShareDashboards"] td[data-effective="true"]')).toHaveText('Yes');

  await tabTo(page, '#add-group');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('.notice.ok')).toHaveText('Added to the group.');
  const groups = (await account.api('GET', `/operators/${grace.operatorId}/groups`)).items.map((g) => g.groupId);
  expect(groups).toContain('administrators');

  await tabTo(page, '#op-delete');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  expect((await account.api('GET', '/operators')).items).toHaveLength(2);
  await tabTo(page, '#op-delete');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await rendered(page, '#/operators');
  await expect(page.locator('.notice.ok')).toHaveText('Grace Hopper deleted.');
  expect((await account.api('GET', '/operators')).items).toHaveLength(1);
});

test('the operator list searches by name or email and pages through the API\'s cursors', async ({ page, hub }) => {
  const account = await hub.newAccount({ type: 'Enterprise' });
  for (let i = 1; i <= 27; i += 1) {
    const n = String(i).padStart(2, '0');
    await account.api('POST', '/operators', { fullName: `Operator ${n}`, email: `op${n}@x.example` });
  }
  await signIn(page, hub.base, account.accountId, account.adminId);
  await open(page, '#/operators');
  const first = (await account.api('GET', '/operators')).items.map((o) => o.fullName);
  await expect(page.locator('tr[data-operator-id] td:first-child')).toHaveText(first);
  await page.getByRole('link', { name: 'Next page →' }).click();
  await expect(page.locator('tr[data-operator-id]')).toHaveCount(28 - 25);
  await expect(page.getByRole('link', { name: 'Next page →' })).toHaveCount(0);
  await page.getByRole('link', { name: '← First page' }).click();
  await expect(page.locator('tr[data-operator-id]')).toHaveCount(25);

  await page.getByRole('searchbox', { name: 'Search' }).fill('OP1');
  await page.getByRole('button', { name: 'Search' }).click();
  await rendered(page, '#/operators?q=OP1');
  const found = (await account.api('GET', '/operators?q=OP1')).items.map((o) => o.fullName);
  expect(found).toHaveLength(10);
  await expect(page.locator('tr[data-operator-id] td:first-child')).toHaveText(found);
  await page.getByRole('searchbox', { name: 'Search' }).fill('nobody');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No operator matches “nobody”.')).toBeVisible();
});
