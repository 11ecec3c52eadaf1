// Watching Entra's cycles: a provisioned source that goes quiet for two cycle intervals, and a
// burst of refused requests, reach the admin as OS notifications (recorded by a stand-in
// notification server on the test bus), in the window's banner and in the tray. The cycle
// interval is set short (2 s) through the CLI on the app's data folder, as an admin can.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startDesktopServices } from '../desktop-bus.mjs';
import { CLI, byTestId, eventually, launchApp, scim, textsOf } from '../harness.mjs';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-alerts-'));
const cliEnv = { ...process.env, SCIMDESK_DATA_DIR: dataDir };
let desktop;
let app;
let token;
let baseUrl;

const summaries = () => desktop.notifications.map((n) => n.summary);
const notified = (summary) => eventually(() => summaries().includes(summary), () => `no "${summary}" in ${JSON.stringify(summaries())}`, 20000);

before(async () => {
  execFileSync(CLI, ['config', 'set', 'cycle-interval', '2s'], { env: cliEnv });
  const created = execFileSync(CLI, ['source', 'create', 'Entra ID'], { env: cliEnv }).toString();
  token = created.split('\n').find((line) => /^scimdesk_[0-9a-f]{64}$/.test(line.trim())).trim();
  desktop = await startDesktopServices();
  app = await launchApp({ env: { SCIMDESK_DATA_DIR: dataDir } });
  await byTestId(app.browser, 'new-source', 30000);
  baseUrl = `http://${app.bind}/source/scim/entra-id/v2`;
});

after(async () => {
  await app?.stop();
  desktop?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a provisioned source that stays quiet for two cycles is notified, shown in the window and the tray', async () => {
  assert.equal((await scim(baseUrl, token, 'GET', '/Users')).status, 200, 'Entra\'s Test connection');
  await notified('Entra ID: no provisioning from Entra');
  const sent = desktop.notifications.find((n) => n.summary === 'Entra ID: no provisioning from Entra');
  assert.match(sent.body, /has not called Entra ID \(entra-id\)/);
  assert.match(sent.body, /quarantine/);
  await eventually(async () => (await textsOf(app.browser, '[data-testid="health-alert"]')).some((t) => t.includes('no provisioning from Entra')),
    'the window does not show the quiet source');
  let labels = [];
  await eventually(async () => (labels = await desktop.trayMenu()).includes('Entra ID: no provisioning from Entra'),
    () => `the tray does not show it: ${JSON.stringify(labels)}`);
});

test('a burst of refused requests names the cause and the fix, and its end is told too', async () => {
  for (let i = 0; i < 8; i++) {
    assert.equal((await scim(baseUrl, 'scimdesk_wrong', 'GET', '/Users')).status, 401);
  }
  await notified('Entra ID: Entra\'s requests are refused');
  const sent = desktop.notifications.find((n) => n.summary === 'Entra ID: Entra\'s requests are refused');
  assert.match(sent.body, /refused \d+ requests in a row/);
  assert.match(sent.body, /Secret Token/);
  assert.equal(summaries().filter((s) => s === 'Entra ID: Entra\'s requests are refused').length, 1, 'one notification for the burst');

  assert.equal((await scim(baseUrl, token, 'GET', '/Users')).status, 200);
  await notified('Entra ID: Entra\'s requests are accepted again');
});
