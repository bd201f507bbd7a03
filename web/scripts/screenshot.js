// Screenshots of the hub page as the demo administrator: `node scripts/screenshot.js BASE OUT_DIR
// [VIEW...]` (views as hashes, e.g. `#/operators`; default: the hub). Used for docs/hub.png.
import { chromium } from '@playwright/test';
import { executablePath, args } from '../tests/chromium.js';

const [base, outDir = '.', ...views] = process.argv.slice(2);
if (!base) {
  console.error('usage: node scripts/screenshot.js BASE_URL [OUT_DIR] [#/view ...]');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath, args });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(base);
await page.locator('#dev-sign-in').click();
await page.locator('[data-figure="operators.total"]').waitFor();
for (const view of views.length ? views : ['#/']) {
  await page.goto(new URL(view, base).toString());
  await page.locator('main:not([aria-busy]) h1').first().waitFor();
  const name = view.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'hub';
  await page.screenshot({ path: `${outDir}/${name}.png`, fullPage: true });
  console.log(`${outDir}/${name}.png`);
}
await browser.close();
