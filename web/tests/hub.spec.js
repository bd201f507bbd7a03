// The hub view: its cards equal GET /hub/summary, it costs one API request, and what is done in
// the other views shows on it.
import { test, expect, signIn, open, rendered } from './fixtures.js';

/** Requests to the API (not the page, its assets or the local sign-in). */
function apiRequests(page) {
  const seen = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname !== '/' && !url.pathname.startsWith('/assets/') && !url.pathname.startsWith('/dev/')) seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}

/**
 * Every figure the hub shows, as the page shows it.
 * @param {import('@playwright/test').Page} page
 */
async function shownFigures(page) {
  return page.locator('[data-figure]').evaluateAll((els) => Object.fromEntries(els.map((el) => [el.getAttribute('data-figure'), el.getAttribute('data-figure') === 'operators.activeList'
    ? [...el.querySelectorAll('a')].map((a) => a.textContent)
    : el.getAttribute('data-figure') === 'apiUsers.inactiveComputedAt' ? el.getAttribute('datetime') : el.textContent])));
}

/** The same figures from the API's summary. */
function expectedFigures(s) {
  const figures = {
    accountType: s.accountType,
    'operators.total': String(s.operators.total),
    'operators.active': String(s.operators.active),
    'operators.activeList': s.operators.activeList.map((o) => o.fullName),
    'groups.total': String(s.groups.total),
    'groups.empty': String(s.groups.empty),
    'apiUsers.total': String(s.apiUsers.total),
    'apiUsers.inactive': String(s.apiUsers.inactive),
    onDuty: String(s.onDuty),
    'operatorQuota.used': String(s.operatorQuota.used),
    'operatorQuota.limit': String(s.operatorQuota.limit),
    productionMonitors: String(s.productionMonitors),
  };
  if (s.operators.disabled !== undefined) figures['operators.disabled'] = String(s.operators.disabled);
  if (s.apiUsers.inactiveComputedAt) figures['apiUsers.inactiveComputedAt'] = s.apiUsers.inactiveComputedAt;
  return figures;
}

test('the hub cards equal GET /hub/summary, from one API request', async ({ page, hub }) => {
  const account = await hub.newAccount({ type: 'Professional' });
  const { api } = account;
  for (const [fullName, email, isOnDuty] of [['Grace Hopper', 'grace@x.example', true], ['Alan Turing', 'alan@x.example', false], ['Barbara Liskov', 'barbara@x.example', true]]) {
    await api('POST', '/operators', { fullName, email, isOnDuty });
  }
  await api('POST', '/groups', { description: 'Night shift' });
  await api('POST', '/api-users', { description: 'Deploy script' });
  await api('POST', '/monitors', { name: 'Checkout', mode: 'Production' });
  await api('POST', '/monitors', { name: 'Search', mode: 'Production', isActive: true });
  await api('POST', '/monitors', { name: 'Staging checkout', mode: 'Staging' });

  const requests = apiRequests(page);
  await signIn(page, hub.base, account.accountId, account.adminId);
  await page.waitForLoadState('networkidle');
  expect(requests).toEqual(['GET /hub/summary']);
  const summary = await api('GET', '/hub/summary');
  expect(await shownFigures(page)).toEqual(expectedFigures(summary));
  expect(summary.operators.total).toBe(4);
  expect(summary.productionMonitors).toBe(2);

  // A fresh load of the hub (signed in): again one request.
  requests.length = 0;
  await page.reload();
  await rendered(page, '#/');
  await expect(page.locator('[data-figure="operators.total"]')).toHaveText('4');
  await page.waitForLoadState('networkidle');
  expect(requests).toEqual(['GET /hub/summary']);

  // Each card leads to the view that manages it.
  await page.getByRole('link', { name: 'empty' }).click();
  await rendered(page, '#/groups?isEmpty=true');
  await expect(page.locator('main h1')).toHaveText('Empty groups');
  await expect(page.locator('tr[data-group-id]')).toHaveCount(summary.groups.empty);
  await page.goBack();
  await rendered(page, '#/');
  await page.getByRole('link', { name: 'inactive' }).click();
  await rendered(page, '#/api-users?inactive=true');
  await expect(page.locator('main h1')).toHaveText('Inactive API users');
  await page.goBack();
  await page.getByRole('link', { name: 'See monitor permissions' }).click();
  await rendered(page, '#/permissions');
  await expect(page.locator('tr[data-monitor-id]')).toHaveCount(2);
});

test('making an empty group non-empty lowers the empty count', async ({ page, hub }) => {
  const account = await hub.newAccount();
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  await signIn(page, hub.base, account.accountId, account.adminId);
  const before = (await account.api('GET', '/hub/summary')).groups.empty;
  await expect(page.locator('[data-figure="groups.empty"]')).toHaveText(String(before));

  await open(page, '#/groups');
  await page.getByLabel('Name').fill('Night shift');
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page.locator('main h1')).toContainText('Night shift');
  await expect(page.locator('.notice.ok')).toHaveText('Group Night shift created.');
  await open(page, '#/');
  await expect(page.locator('[data-figure="groups.empty"]')).toHaveText(String(before + 1));

  await page.getByRole('link', { name: 'empty' }).click();
  await page.getByRole('link', { name: 'Night shift' }).click();
  await page.locator('#add-member').selectOption(grace.operatorId);
  await page.locator('#add-member-submit').click();
  await expect(page.locator('.notice.ok')).toHaveText('Member added.');
  await expect(page.locator('ul[aria-label="Members"] li')).toHaveCount(1);

  await open(page, '#/');
  await expect(page.locator('[data-figure="groups.empty"]')).toHaveText(String(before));
  expect((await account.api('GET', '/hub/summary')).groups.empty).toBe(before);
});

/** `HH:mm` of an instant in a time zone. */
function wallClock(epochMs, timeZone) {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(epochMs));
}

test('a daily off-duty window around now lowers "on duty", in the account time zone', async ({ page, hub }) => {
  // A half-hour offset: a page that read the times as UTC or as the browser's zone would miss.
  const timeZone = 'Asia/Kolkata';
  const account = await hub.newAccount();
  const grace = await account.api('POST', '/operators', { fullName: 'Grace Hopper', email: 'grace@x.example' });
  await signIn(page, hub.base, account.accountId, account.adminId);
  // The account's time zone, set in the Account view (the operator view shows it from then on).
  await open(page, '#/account');
  await expect(page.getByLabel('Time zone')).toHaveValue('UTC');
  await open(page, `#/operators/${grace.operatorId}`);
  await expect(page.locator('[data-time-zone]')).toHaveText('UTC');
  await open(page, '#/account');
  await page.getByLabel('Time zone').fill(timeZone);
  await page.getByRole('button', { name: 'Save account' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Account saved.');
  expect((await account.api('GET', '/account')).timeZone).toBe(timeZone);
  await open(page, '#/');
  const before = (await account.api('GET', '/hub/summary')).onDuty;
  expect(before).toBe(2);
  await expect(page.locator('[data-figure="onDuty"]')).toHaveText('2');

  await open(page, `#/operators/${grace.operatorId}`);
  await expect(page.locator('[data-time-zone]')).toHaveText(timeZone);
  // A one-time window, entered in the account's time zone, reaches the API in UTC.
  const form = page.locator('#schedule-form');
  await form.getByLabel('Repeats').selectOption('OneTime');
  await form.getByLabel(`Starts (${timeZone})`).fill('2030-01-15T09:00');
  await form.getByLabel(`Ends (${timeZone})`).fill('2030-01-15T17:00');
  await form.getByRole('button', { name: 'Add window' }).click();
  await expect(page.locator('.notice.ok')).toHaveText('Off-duty window added.');
  await expect(page.locator('li[data-mode="OneTime"]')).toHaveText(/Once, from 2030-01-15 09:00 to 2030-01-15 17:00/);
  const oneTime = (await account.api('GET', `/operators/${grace.operatorId}/duty-schedules`)).items;
  expect(oneTime.map((s) => [s.mode, s.start, s.end])).toEqual([['OneTime', '2030-01-15T03:30:00Z', '2030-01-15T11:30:00Z']]);

  // Daily, from an hour ago until an hour from now (account time).
  const now = Date.now();
  const [from, until] = [wallClock(now - 3600_000, timeZone), wallClock(now + 3600_000, timeZone)];
  await form.getByLabel('Repeats').selectOption('Daily');
  await form.getByLabel(`From (${timeZone})`).fill(from);
  await form.getByLabel(`Until (${timeZone})`).fill(until);
  await form.getByRole('button', { name: 'Add window' }).click();
  await expect(page.locator('li[data-mode="Daily"]')).toHaveText(new RegExp(`Every day, ${from}–${until}`));
  const daily = (await account.api('GET', `/operators/${grace.operatorId}/duty-schedules`)).items.find((s) => s.mode === 'Daily');
  expect([daily.startTime, daily.endTime]).toEqual([from, until]);

  await open(page, '#/');
  await expect(page.locator('[data-figure="onDuty"]')).toHaveText('1');
  const after = await account.api('GET', '/hub/summary');
  expect(after.onDuty).toBe(1);
  expect(after.operators.active).toBe(2);
  const operator = await account.api('GET', `/operators/${grace.operatorId}`);
  expect(operator.onDutyNow).toBe(false);
});
