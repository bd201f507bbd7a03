// How the tests and scripts launch Debian's Chromium (Playwright cannot download its own browsers
// here): the system binary, headless, without a sandbox (root in CI), without any background
// network traffic (the machine has no network beyond the package registries).
export const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
