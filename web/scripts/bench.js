// The hub page's weight and speed (BENCHMARKS.md, "The hub web page"): `npm run bench` in web/
// (after `cargo build --bin hub-local --bin hubctl`). Starts a hub-local with a throw-away
// database and prints, as Markdown:
// - the JavaScript and CSS of the first load of the hub view, each file gzipped (zlib level 9)
//   and in all, and every asset of the page in all;
// - the API requests the hub view makes;
// - the time until the hub view is on screen in headless Chromium (the page's
//   `hub:first-view` performance mark, from navigation start), first visit and revisit, beside
//   the API's own time for GET /hub/summary on the same server.
// Figures, not pass/fail: nothing here has a threshold.
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { executablePath, args } from '../tests/chromium.js';
import { startHubLocal } from '../tests/hub-local.js';

const RUNS = Number(process.env.BENCH_RUNS || 30);
const server = await startHubLocal();
const browser = await chromium.launch({ executablePath, args });

/** @param {number[]} xs @param {number} q */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (/** @type {number} */ x) => `${x.toFixed(1)} ms`;
const kb = (/** @type {number} */ x) => `${(x / 1024).toFixed(1)} KB`;

try {
  const token = await (await fetch(`${server.base}/dev/sign-in`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ accountId: server.accountId, operatorId: server.adminId }),
  })).json();

  // A signed-in tab: the session as the development sign-in leaves it.
  const session = JSON.stringify({ token: token.token, accountId: server.accountId, operatorId: server.adminId, name: 'Ada Admin', expiresAt: token.expiresAt });
  async function newTab(context) {
    const page = await context.newPage();
    await page.addInitScript((s) => sessionStorage.setItem('hub.session', s), session);
    return page;
  }

  // 1. Weight and requests of the first load (cold cache).
  const context = await browser.newContext();
  const page = await newTab(context);
  /** @type {Array<{path: string, type: string, raw: number, gzip: number}>} */
  const files = [];
  const api = [];
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (url.origin !== server.base) return;
    if (url.pathname === '/' || url.pathname.startsWith('/assets/')) {
      const body = await response.body();
      files.push({ path: url.pathname, type: response.headers()['content-type'] ?? '', raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
    } else {
      api.push(`${response.request().method()} ${url.pathname}`);
    }
  });
  await page.goto(`${server.base}/`);
  await page.locator('[data-figure="operators.total"]').waitFor();
  await page.waitForLoadState('networkidle');
  const jsCss = files.filter((f) => /javascript|css/.test(f.type));
  const firstLoad = jsCss.reduce((n, f) => n + f.gzip, 0);
  await context.close();

  // Every asset of the page (all views), as served.
  const assetPaths = ['app.js', 'api.js', 'auth.js', 'dom.js', 'styles.css', 'views/hub.js', 'views/common.js', 'views/operators.js', 'views/operator.js',
    'views/groups.js', 'views/group.js', 'views/api-users.js', 'views/monitors.js', 'views/monitor.js', 'views/permissions.js', 'views/account.js', 'views/sign-in.js'];
  let everything = 0;
  for (const path of assetPaths) {
    const res = await fetch(`${server.base}/assets/${path}`);
    if (!res.ok) throw new Error(`/assets/${path}: ${res.status}`);
    everything += gzipSync(Buffer.from(await res.arrayBuffer()), { level: 9 }).length;
  }

  // 2. Time to the hub view: first visit (new context, empty cache) and revisit (same tab, reload).
  /** @param {import('@playwright/test').Page} p */
  const firstView = (p) => p.evaluate(() => new Promise((resolve) => {
    const find = () => performance.getEntriesByName('hub:first-view')[0];
    const done = find();
    if (done) return resolve(done.startTime);
    new PerformanceObserver((list, observer) => {
      const entry = list.getEntriesByName('hub:first-view')[0];
      if (entry) { observer.disconnect(); resolve(entry.startTime); }
    }).observe({ type: 'mark', buffered: true });
  }));
  const cold = [];
  const warm = [];
  for (let i = 0; i < RUNS; i += 1) {
    const ctx = await browser.newContext();
    const tab = await newTab(ctx);
    await tab.goto(`${server.base}/`);
    cold.push(await firstView(tab));
    await tab.reload();
    warm.push(await firstView(tab));
    await ctx.close();
  }

  // 3. The API's own time for GET /hub/summary (sequential, same server, loopback).
  const summary = [];
  for (let i = 0; i < RUNS * 3; i += 1) {
    const t0 = performance.now();
    const res = await fetch(`${server.base}/hub/summary`, { headers: { Authorization: `Bearer ${token.token}` } });
    await res.arrayBuffer();
    summary.push(performance.now() - t0);
  }

  console.log('| First load of the hub view (JS + CSS) | raw | gzipped |');
  console.log('|---|---:|---:|');
  for (const f of jsCss) console.log(`| \`${f.path}\` | ${kb(f.raw)} | ${kb(f.gzip)} |`);
  console.log(`| **total** (budget 100 KB gzipped) | ${kb(jsCss.reduce((n, f) => n + f.raw, 0))} | **${kb(firstLoad)}** |`);
  console.log('');
  console.log(`Every asset of the page (all views) gzipped: ${kb(everything)}; the HTML: ${kb(files.find((f) => f.path === '/')?.gzip ?? 0)} gzipped.`);
  console.log('');
  console.log(`API requests to show the hub view: **${api.length}** (${api.join(', ')}; budget 1).`);
  console.log('');
  console.log(`| Headless Chromium, ${RUNS} runs each | median | p95 |`);
  console.log('|---|---:|---:|');
  console.log(`| Hub view on screen, first visit (empty cache) | ${ms(quantile(cold, 0.5))} | ${ms(quantile(cold, 0.95))} |`);
  console.log(`| Hub view on screen, reload (revalidated, 304s) | ${ms(quantile(warm, 0.5))} | ${ms(quantile(warm, 0.95))} |`);
  console.log(`| The API alone: GET /hub/summary (${RUNS * 3} calls) | ${ms(quantile(summary, 0.5))} | ${ms(quantile(summary, 0.95))} |`);
} finally {
  await browser.close();
  await server.stop();
}
