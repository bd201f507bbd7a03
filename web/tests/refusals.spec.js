// The account's rules as a person meets them: each 409 reads as a sentence, and nothing changes.
import { test, expect, open, signInToNewAccount } from './fixtures.js';

test('refusals of the last administrator and the last holders read as sentences and change nothing', async ({ page, hub }) => {
  // A new account: Ada is the only administrator, holds FinancialOperator through the
  // Administrators group and TechnicalContact directly.
  const account = await signInToNewAccount(page, hub);

  await open(page, '#/groups/administrators');
  await page.getByRole('button', { name: 'Remove Ada Admin' }).click();
  await expect(page.getByRole('region', { name: 'Members' }).getByRole('alert')).toHaveText('Refused: this would leave the account without an administrator.');
  await expect(page.locator('ul[aria-label="Members"] li')).toHaveCount(1);
  expect((await account.api('GET', '/groups/administrators/members')).items.map((o) => o.operatorId)).toEqual([account.adminId]);

  const financial = page.getByLabel('FinancialOperator');
  await expect(financial).toBeChecked();
  await financial.click();
  await expect(page.getByRole('region', { name: 'Group permissions' }).getByRole('alert')).toHaveText('Refused: at least one operator must keep the FinancialOperator permission.');
  await expect(financial).toBeChecked();
  expect((await account.api('GET', '/groups/administrators/permissions')).direct).toContain('FinancialOperator');

  await open(page, `#/operators/${account.adminId}`);
  const technical = page.getByLabel('TechnicalContact: granted directly');
  await technical.click();
  await expect(page.getByRole('alert')).toHaveText('Refused: at least one operator must keep the TechnicalContact permission.');
  await expect(technical).toBeChecked();
  expect((await account.api('GET', `/operators/${account.adminId}/permissions`)).direct).toContain('TechnicalContact');
  // Administrator comes from the group only: no checkbox for it.
  await expect(page.getByLabel('Administrator: granted directly')).toHaveCount(0);
  // Neither the account administrator nor oneself can be deleted: no button to try.
  await expect(page.locator('#op-delete')).toHaveCount(0);
});
