// One hub-local for the whole run; each test opens its own account in it (tests/fixtures.js).
import { startHubLocal } from './hub-local.js';

export default async function globalSetup() {
  const server = await startHubLocal();
  process.env.HUB_TEST_BASE = server.base;
  process.env.HUB_TEST_DYNAMODB = server.dynamodb;
  process.env.HUB_TEST_DEMO_ACCOUNT = server.accountId;
  process.env.HUB_TEST_DEMO_ADMIN = server.adminId;
  return async () => server.stop();
}
