// Off-duty windows are entered and shown in the account's time zone: the page's conversions, as
// served, in the browser, across daylight-saving changes and odd offsets.
import { test, expect } from '@playwright/test';

test('wall-clock times convert to UTC and back in any time zone, daylight saving included', async ({ page }) => {
  await page.goto(`${process.env.HUB_TEST_BASE}/`);
  const results = await page.evaluate(async () => {
    const { zonedToUtc, toZonedInput, formatDateTime } = await import('/assets/dom.js');
    return {
      kolkata: zonedToUtc('2030-01-15T09:00', 'Asia/Kolkata'),
      newYorkSummer: zonedToUtc('2026-07-01T12:00', 'America/New_York'),
      newYorkWinter: zonedToUtc('2026-01-01T12:00', 'America/New_York'),
      kiritimati: zonedToUtc('2026-12-31T23:59', 'Pacific/Kiritimati'),
      // 2026-03-29 02:00 → 03:00 in Amsterdam: 02:30 does not exist.
      gap: zonedToUtc('2026-03-29T02:30', 'Europe/Amsterdam'),
      // 2026-10-25 03:00 → 02:00: 02:30 happens twice; the second (standard time) is taken.
      overlap: zonedToUtc('2026-10-25T02:30', 'Europe/Amsterdam'),
      back: [toZonedInput('2026-10-25T00:30:00Z', 'Europe/Amsterdam'), toZonedInput('2030-01-15T03:30:00Z', 'Asia/Kolkata')],
      shown: formatDateTime('2026-07-01T16:00:00Z', 'America/New_York'),
      invalid: zonedToUtc('15/01/2030 09:00', 'UTC'),
    };
  });
  expect(results).toEqual({
    kolkata: '2030-01-15T03:30:00Z',
    newYorkSummer: '2026-07-01T16:00:00Z',
    newYorkWinter: '2026-01-01T17:00:00Z',
    kiritimati: '2026-12-31T09:59:00Z',
    gap: '2026-03-29T01:30:00Z',
    overlap: '2026-10-25T01:30:00Z',
    back: ['2026-10-25T02:30', '2030-01-15T09:00'],
    shown: '2026-07-01 12:00',
    invalid: null,
  });
});
