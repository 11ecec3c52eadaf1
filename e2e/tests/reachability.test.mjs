// Can Entra reach ScimDesk? A real TLS front (Caddy, with its internal authority trusted through
// SSL_CERT_FILE) stands in for the tunnel. The status light follows the public URL's checks,
// the window's Check says what it found, and the OS notification server (a stand-in on the test
// bus that records what it is sent) hears when Entra can no longer reach ScimDesk, and when it
// can again, unless that notification is switched off.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startDesktopServices } from '../desktop-bus.mjs';
import { byTestId, clickWhenReady, createSourceInWindow, eventually, freePort, launchApp, waitForPort, waitForText } from '../harness.mjs';

const caddyHome = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-caddy-'));
const root = path.join(caddyHome, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt');
let caddyPort;
let caddy;
let desktop;
let app;
let browser;

/** Caddy on 127.0.0.1:caddyPort with an internal certificate, proxying to the app's port. */
async function startCaddy(upstream) {
  const config = path.join(caddyHome, 'Caddyfile');
  writeFileSync(config, `{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n}\n`
    + `https://127.0.0.1:${caddyPort} {\n\tbind 127.0.0.1\n\ttls internal\n\treverse_proxy ${upstream}\n}\n`);
  const env = { ...process.env, XDG_DATA_HOME: path.join(caddyHome, 'data'), XDG_CONFIG_HOME: path.join(caddyHome, 'config'), HOME: caddyHome };
  caddy = spawn('caddy', ['run', '--adapter', 'caddyfile', '--config', config], { env, stdio: 'ignore' });
  await waitForPort(caddyPort, 20000);
  assert.ok(existsSync(root), 'Caddy made its root certificate');
}

function stopCaddy() {
  return new Promise((resolve) => {
    if (!caddy || caddy.exitCode !== null || caddy.signalCode !== null) { resolve(); return; }
    caddy.once('exit', () => resolve());
    caddy.kill('SIGKILL');
  });
}

const light = () => browser.execute(() => document.querySelector('[data-testid="status-reachability"]')?.dataset.state);
const summaries = () => desktop.notifications.map((n) => n.summary);

/** Click Check in Settings and wait for its result (each test expects another than the last). */
async function checkInSettings(expected) {
  // Away from the fixed header and status bar, which would take the click.
  await browser.execute(() => document.querySelector('[data-testid="check-public-url"]')?.scrollIntoView({ block: 'center' }));
  await clickWhenReady(browser, '[data-testid="check-public-url"]');
  await eventually(async () => (await browser.execute(() => document.querySelector('[data-testid="check-result"]')?.dataset.result)) === expected,
    `the check did not find ${expected}`);
}

before(async () => {
  caddyPort = await freePort();
  desktop = await startDesktopServices();
  const appPort = await freePort();
  await startCaddy(`127.0.0.1:${appPort}`);
  app = await launchApp({ env: { SSL_CERT_FILE: root }, bind: `127.0.0.1:${appPort}` });
  browser = app.browser;
  await byTestId(browser, 'new-source', 30000);
  await createSourceInWindow(browser, 'Entra ID');
  await clickWhenReady(browser, '[data-testid="issued-done"]');
});

after(async () => {
  await app?.stop();
  await stopCaddy();
  desktop?.stop();
  rmSync(caddyHome, { recursive: true, force: true });
});

test('a public URL that reaches ScimDesk turns the status light green', async () => {
  await clickWhenReady(browser, '[data-testid="nav-settings"]');
  await (await byTestId(browser, 'settings-public-url')).setValue(`https://127.0.0.1:${caddyPort}`);
  await clickWhenReady(browser, '[data-testid="settings-public-url-save"]');
  await eventually(async () => (await light()) === 'reachable', async () => `the light is ${await light()}, not reachable`);
  await waitForText(browser, 'status-public-url', (t) => /^Public URL: https:\/\/127\.0\.0\.1:\d+ · reachable \(\d+ ms\)$/.test(t));
  await waitForText(browser, 'settings-reachability', (t) => t.startsWith('Entra can reach this ScimDesk through'));
  assert.deepEqual(summaries(), [], 'nothing to notify while it is reachable');
});

test('when the tunnel goes down, Check says so, the light turns red and a notification tells the admin', async () => {
  await stopCaddy();
  await checkInSettings('connectionRefused');
  await waitForText(browser, 'check-result', (t) => t.includes('refused the connection'));
  await eventually(async () => (await light()) === 'unreachable', async () => `the light is ${await light()}`);
  await eventually(() => summaries().includes('Entra cannot reach ScimDesk'), () => `notifications: ${JSON.stringify(summaries())}`);
  const sent = desktop.notifications.find((n) => n.summary === 'Entra cannot reach ScimDesk');
  assert.match(sent.body, /refused the connection/);
});

test('when it is back, the admin hears that Entra can reach ScimDesk again', async () => {
  await startCaddy(app.bind);
  await checkInSettings('reachable');
  await eventually(async () => (await light()) === 'reachable', async () => `the light is ${await light()}`);
  await eventually(() => summaries().includes('Entra can reach ScimDesk again'), () => `notifications: ${JSON.stringify(summaries())}`);
});

test('switched off in Settings, the notification is not sent, and the light still turns red', async () => {
  const before = desktop.notifications.length;
  await clickWhenReady(browser, '[data-testid="settings-notify-publicUrl"]');
  await eventually(async () => !(await (await browser.$('[data-testid="settings-notify-publicUrl"]')).isSelected()), 'the switch did not turn off');
  await stopCaddy();
  await checkInSettings('connectionRefused');
  await eventually(async () => (await light()) === 'unreachable', async () => `the light is ${await light()}`);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(desktop.notifications.length, before, `no new notification: ${JSON.stringify(summaries())}`);
});
