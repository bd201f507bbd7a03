// Browser tests of the hub page: Debian's Chromium (tests/chromium.js) against a hub-local with a
// throw-away database (tests/global-setup.js). `npm test` here, or ./scripts/test for everything.
import { defineConfig } from '@playwright/test';
import { executablePath, args } from './tests/chromium.js';

export default defineConfig({
  testDir: './tests',
  testMatch: /.*\.spec\.js$/,
  globalSetup: './tests/global-setup.js',
  // Two workers: the machine has two cores, shared with hub-local; every test has its own account.
  workers: 2,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['./tests/summary-reporter.js']],
  use: {
    launchOptions: { executablePath, args },
    viewport: { width: 1280, height: 900 },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
