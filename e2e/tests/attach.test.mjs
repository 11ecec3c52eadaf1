// The window attaches to the background service: with `scimdesk serve` running on a data folder,
// the window started on the same folder says it is served by the service (not "port taken"),
// manages sources through the shared database, and shows what the service handles live. When
// the service stops, the window says so and can serve itself.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { entraUser } from '../entra.mjs';
import {
  CLI, byTestId, clickWhenReady, createSourceInWindow, freePort, launchApp, provisionSales, readClipboard, scim, waitForPort, waitForText, waitForTextIn,
} from '../harness.mjs';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-attach-'));
const cliEnv = { ...process.env, SCIMDESK_DATA_DIR: dataDir };
let port;
let service;
let serviceLog = '';
let app;
let browser;
let token;
let baseUrl;

function startService() {
  const child = spawn(CLI, ['serve', '--bind', `127.0.0.1:${port}`], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => { serviceLog += d; });
  child.stderr.on('data', (d) => { serviceLog += d; });
  return child;
}

function stopService(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

before(async () => {
  port = await freePort();
  // The CLI creates the source (its token goes to the test keychain and is printed once).
  const created = execFileSync(CLI, ['source', 'create', 'Entra ID'], { env: cliEnv }).toString();
  token = created.split('\n').find((line) => /^scimdesk_[0-9a-f]{64}$/.test(line.trim())).trim();
  service = startService();
  await waitForPort(port, 15000);
  baseUrl = `http://127.0.0.1:${port}/source/scim/entra-id/v2`;
  app = await launchApp({ env: { SCIMDESK_DATA_DIR: dataDir }, bind: `127.0.0.1:${port}` });
  browser = app.browser;
});

after(async () => {
  await app?.stop();
  if (service) await stopService(service);
  rmSync(dataDir, { recursive: true, force: true });
});

test('the window started beside the service says it is attached, not that the port is taken', async () => {
  await byTestId(browser, 'new-source', 30000);
  await waitForText(browser, 'status-listening', (t) => t === `Served by the background service on 127.0.0.1:${port}`);
  assert.equal(await (await browser.$('[data-testid="server-error"]')).isExisting(), false, 'no "server not running" banner');
  await (await byTestId(browser, 'nav-settings')).click();
  await waitForText(browser, 'settings-bind-attached', (t) => t.startsWith(`Served by the background service on 127.0.0.1:${port}`));
  assert.equal(await (await byTestId(browser, 'settings-bind-apply')).isEnabled(), false, 'the service chooses its address');
  await (await byTestId(browser, 'nav-sources')).click();
});

test('an Entra cycle sent to the service appears live in the window\'s Activity, counters and tabs', async () => {
  await clickWhenReady(browser, '[data-testid="source-row-entra-id"] td');
  await waitForText(browser, 'source-title', (t) => t === 'Entra ID');
  await (await byTestId(browser, 'tab-activity')).click();
  await byTestId(browser, 'provisioning-state');

  await provisionSales(baseUrl, token);

  const sent = Date.now();
  await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'added 2 members to Sales', 5000);
  console.log(`  the service's last change reached the window after ${Date.now() - sent} ms`);
  await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'created user ada@contoso.com', 1000);
  await waitForText(browser, 'count-users', (t) => t === '2', 3000);
  await waitForText(browser, 'count-groups', (t) => t === '1', 3000);
  await waitForText(browser, 'count-memberships', (t) => t === '2', 3000);

  await (await byTestId(browser, 'tab-users')).click();
  await waitForText(browser, 'user-total', (t) => t === '2 users');
  // A user the service creates while the Users tab is open appears without a reload.
  const grace = await scim(baseUrl, token, 'POST', '/Users', entraUser('grace@contoso.com', 'Grace', 'Hopper', 'e-3'));
  assert.equal(grace.status, 201);
  await waitForText(browser, 'user-total', (t) => t === '3 users', 5000);
  await waitForTextIn(browser, '[data-testid="user-row"]', 'grace@contoso.com', 3000);
});

test('a source created in the attached window is served by the service within a second', async () => {
  await (await byTestId(browser, 'nav-sources')).click();
  const slug = await createSourceInWindow(browser, 'Okta');
  assert.equal(slug, 'okta');
  await clickWhenReady(browser, '[data-testid="issued-done"]');
  await (await byTestId(browser, 'copy-token')).click();
  await waitForTextIn(browser, '.mantine-Notification-root', 'Token copied');
  const oktaToken = readClipboard();
  assert.match(oktaToken, /^scimdesk_[0-9a-f]{64}$/);
  const oktaUrl = `http://127.0.0.1:${port}/source/scim/okta/v2`;
  const deadline = Date.now() + 2000;
  let answer;
  do {
    answer = await scim(oktaUrl, oktaToken, 'GET', '/Users');
    if (answer.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
  assert.equal(answer.status, 200, 'the service accepts the token issued in the window');
});

test('when the service stops the window says so, and can serve itself', async () => {
  await stopService(service);
  await waitForText(browser, 'status-listening', (t) => t === 'Not serving: the background service stopped', 5000);
  await byTestId(browser, 'service-stopped');

  await clickWhenReady(browser, '[data-testid="serve-here"]');
  await waitForText(browser, 'status-listening', (t) => t === `Listening on 127.0.0.1:${port}`);
  assert.equal(await (await browser.$('[data-testid="service-stopped"]')).isExisting(), false);
  const users = await scim(baseUrl, token, 'GET', '/Users');
  assert.equal(users.status, 200);
  assert.equal(users.body.totalResults, 3, 'the window serves the same directory');

  // A service started while the window serves waits for it instead of failing.
  serviceLog = '';
  service = startService();
  const deadline = Date.now() + 10000;
  while (!serviceLog.includes('waiting') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.match(serviceLog, /the ScimDesk window \(pid \d+, on 127\.0\.0\.1:\d+\) serves .*: waiting/);
  assert.equal(service.exitCode, null, 'the service waits');
});

test('when the window quits, the waiting service serves', async () => {
  await app.stop();
  app = null;
  const deadline = Date.now() + 10000;
  let users;
  do {
    await new Promise((r) => setTimeout(r, 200));
    users = await scim(baseUrl, token, 'GET', '/Users').catch(() => ({ status: 0 }));
  } while (users.status !== 200 && Date.now() < deadline);
  assert.equal(users.status, 200, 'the service took over');
  assert.match(serviceLog, new RegExp(`ScimDesk is listening on http://127\\.0\\.0\\.1:${port}`));
});
