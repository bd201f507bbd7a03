// Starting the local server for the tests: target/debug/hub-local (built by ./scripts/test's
// `cargo build --workspace --bins`) on kernel-chosen loopback ports, with a throw-away database,
// read back from the banner it prints.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const hubLocalBin = process.env.HUB_LOCAL_BIN || join(repo, 'target', 'debug', 'hub-local');
export const hubctlBin = process.env.HUBCTL_BIN || join(repo, 'target', 'debug', 'hubctl');

/**
 * @param {Record<string, string>} [env] extra environment
 * @returns {Promise<{base: string, dynamodb: string, accountId: string, adminId: string, token: string | null, stop: () => Promise<void>}>}
 */
export async function startHubLocal(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hub-web-test-'));
  const child = spawn(hubLocalBin, [], {
    env: { ...process.env, HUB_DATA_DIR: join(dir, 'data'), HUB_ADDR: '127.0.0.1:0', HUB_DYNAMODB_ADDR: '127.0.0.1:0', RUST_LOG: process.env.RUST_LOG || 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => { err += chunk; });
  const banner = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind a failed start.
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`hub-local printed no banner within 90 s:\n${out}\n${err}`));
    }, 90_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      // The banner's last line; the token line before it is there only while HS256 is on (no
      // identity provider's JWKS configured).
      if (/^Ctrl-C stops the server\.$/m.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub-local exited (${code}) before it was ready:\n${out}\n${err}`));
    });
  });
  const line = (/** @type {RegExp} */ re) => {
    const m = re.exec(banner);
    if (!m) throw new Error(`not in the banner: ${re}\n${banner}`);
    return m[1];
  };
  const page = line(/^User Management hub: (http:\/\/\S+\/)/m);
  const server = {
    base: page.replace(/\/$/, ''),
    dynamodb: line(/^ {2}DynamoDB +http:\/\/(\S+) /m),
    accountId: line(/^ {2}Account +(\S+) /m),
    adminId: line(/^ {2}Admin +(\S+) /m),
    token: /^ {2}export TOKEN=(\S+)$/m.exec(banner)?.[1] ?? null,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/**
 * Opens an account with `hubctl account create` against that server's database.
 * @param {string} dynamodb the embedded DynamoDB's host:port
 * @param {{name: string, type?: string, extraOperators?: number, timeZone?: string}} account
 * @returns {Promise<{accountId: string, adminOperatorId: string}>}
 */
export async function createAccount(dynamodb, account) {
  const args = ['account', 'create', '--name', account.name, '--type', account.type ?? 'Business',
    '--admin-email', `admin@${account.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`, '--admin-name', 'Ada Admin', '--json'];
  if (account.extraOperators !== undefined) args.push('--extra-operators', String(account.extraOperators));
  if (account.timeZone) args.push('--time-zone', account.timeZone);
  const { stdout } = await promisify(execFile)(hubctlBin, args, { env: { ...process.env, HUB_DYNAMODB_ADDR: dynamodb, RUST_LOG: 'error' } });
  return JSON.parse(stdout);
}
