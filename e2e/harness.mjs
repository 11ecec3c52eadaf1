// Start the real ScimDesk app under tauri-driver (WebKitWebDriver) for one test, each in a fresh
// data directory and on a free port, and drive it with WebdriverIO. Needs DISPLAY (Xvfb) and, for
// the keychain, a session bus with gnome-keyring (scripts/test-app.sh sets both up).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { remote } from 'webdriverio';

import { addMembers, entraGroup, entraUser } from './entra.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
export const APP = process.env.SCIMDESK_APP_BINARY ?? path.join(root, 'target', 'debug', 'scimdesk-app');
/** The headless CLI (`scimdesk`), for the background service the window attaches to. */
export const CLI = process.env.SCIMDESK_CLI_BINARY ?? path.join(root, 'target', 'debug', 'scimdesk');
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? path.join(root, '.tools', 'bin', 'tauri-driver');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/**
 * A WebDriver session, which starts the app. A session asked for before the WebKitWebDriver
 * behind tauri-driver is ready fails with the connection closed (UND_ERR_SOCKET, seen once in a
 * fresh-clone CI run); launchApp waits for its port first, and that error is retried as well.
 * Nothing else is.
 */
async function newSession(driverPort) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await remote({
        hostname: '127.0.0.1',
        port: driverPort,
        logLevel: process.env.SCIMDESK_E2E_VERBOSE ? 'warn' : 'silent',
        connectionRetryCount: 0,
        capabilities: { 'tauri:options': { application: APP }, 'wdio:enforceWebDriverClassic': true },
      });
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('UND_ERR_SOCKET')) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/**
 * Launch the app. `env` adds to (or, with a value of undefined, removes from) the environment.
 * Returns the WebdriverIO browser, the app's SCIM address, its data dir, and `stop()`.
 */
export async function launchApp({ env = {}, bind } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-'));
  const appBind = bind ?? `127.0.0.1:${await freePort()}`;
  const driverPort = await freePort();
  const nativePort = await freePort();
  const childEnv = { ...process.env, SCIMDESK_DATA_DIR: dataDir, SCIMDESK_BIND: appBind, ...env };
  const appDataDir = childEnv.SCIMDESK_DATA_DIR;
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  // Its own process group: ending the group also ends WebKitWebDriver and the app.
  const driver = spawn(TAURI_DRIVER, ['--port', String(driverPort), '--native-port', String(nativePort)], {
    env: childEnv, detached: true, stdio: ['ignore', 'ignore', process.env.SCIMDESK_E2E_VERBOSE ? 'inherit' : 'ignore'],
  });
  const launchedAt = Date.now();
  let browser;
  try {
    await waitForPort(driverPort, 15000);
    // tauri-driver forwards sessions to the WebKitWebDriver it starts: wait for that one too.
    await waitForPort(nativePort, 15000);
    browser = await newSession(driverPort);
  } catch (err) {
    // Without a session there is no stop() for the caller to call: end the driver (and whatever
    // it started) here, or the test process waits on it forever.
    try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already ended */ }
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const stop = async () => {
    try { await browser.deleteSession(); } catch { /* the app may be gone already */ }
    try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already ended */ }
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { browser, bind: appBind, dataDir: appDataDir, launchedAt, stop };
}

/** The element with `data-testid`, once it is displayed. */
export async function byTestId(browser, id, timeout = 15000) {
  const el = await browser.$(`[data-testid="${id}"]`);
  await el.waitForDisplayed({ timeout });
  return el;
}

// Text is read with innerText in the page: WebKitWebDriver's element text is empty for content
// inside Mantine's portals (modals, notifications) while they animate.
export function textsOf(browser, selector) {
  return browser.execute((sel) => Array.from(document.querySelectorAll(sel)).map((e) => e.innerText), selector);
}

/** Wait until the text of `data-testid` satisfies `predicate`; returns the text. */
export async function waitForText(browser, id, predicate, timeout = 15000) {
  let last = '';
  await browser.waitUntil(async () => {
    const [text] = await textsOf(browser, `[data-testid="${id}"]`);
    if (text === undefined) return false;
    last = text.trim();
    return predicate(last);
  }, { timeout, interval: 200, timeoutMsg: `[data-testid="${id}"] never matched; last text: ${JSON.stringify(last)}` });
  return last;
}

/** Wait until some element matching `selector` has text containing `text`. */
export async function waitForTextIn(browser, selector, text, timeout = 15000) {
  await browser.waitUntil(async () => (await textsOf(browser, selector)).some((t) => t.includes(text)), {
    timeout, interval: 200, timeoutMsg: `no ${selector} contains ${JSON.stringify(text)}`,
  });
}

/** Create a source through the New Source dialog; leaves the app on the source's page. */
export async function createSourceInWindow(browser, name) {
  await (await byTestId(browser, 'new-source')).click();
  await (await byTestId(browser, 'source-name')).setValue(name);
  await browser.waitUntil(async () => (await (await browser.$('[data-testid="source-slug"]')).getValue()) !== '', { timeout: 5000 });
  const slug = await (await browser.$('[data-testid="source-slug"]')).getValue();
  await clickWhenReady(browser, '[data-testid="create-source"]');
  await byTestId(browser, 'issued-token');
  return slug;
}

/** A SCIM request to the app's server, as Entra ID sends it. */
export async function scim(baseUrl, token, method, resourcePath, body) {
  const res = await fetch(`${baseUrl}${resourcePath}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** What another process reads from the X clipboard ('' when nothing is on it). */
export function readClipboard() {
  try {
    return execFileSync('xclip', ['-o', '-selection', 'clipboard'], { timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}

/**
 * Click `selector` once it can be clicked. Mantine animates modals and drawers in; WebKitWebDriver
 * refuses clicks on moving elements, so this retries until the animation has settled.
 */
export async function clickWhenReady(browser, selector, timeout = 10000) {
  let lastError;
  await browser.waitUntil(async () => {
    try {
      // Finite animations (modal and drawer transitions) must have finished; spinners loop forever.
      const moving = await browser.execute(() => document.getAnimations()
        .filter((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity).length);
      if (moving > 0) return false;
      await (await browser.$(selector)).click();
      return true;
    } catch (e) {
      lastError = e;
      return false;
    }
  }, { timeout, interval: 150, timeoutMsg: `could not click ${selector}: ${lastError?.message}` });
}

/** What Entra's first cycle sends for Ada and Alan in Sales: two users, a group, its members. */
export async function provisionSales(baseUrl, token) {
  const ada = await scim(baseUrl, token, 'POST', '/Users', entraUser('ada@contoso.com', 'Ada', 'Lovelace', 'e-1'));
  const alan = await scim(baseUrl, token, 'POST', '/Users', entraUser('alan@contoso.com', 'Alan', 'Turing', 'e-2'));
  const sales = await scim(baseUrl, token, 'POST', '/Groups', entraGroup('Sales', 'g-1'));
  for (const [what, answer] of [['Ada', ada], ['Alan', alan], ['Sales', sales]]) {
    if (answer.status !== 201) throw new Error(`creating ${what} answered ${answer.status}`);
  }
  const added = await scim(baseUrl, token, 'PATCH', `/Groups/${sales.body.id}`, addMembers(ada.body.id, alan.body.id));
  if (![200, 204].includes(added.status)) throw new Error(`PATCH members answered ${added.status}`);
  return { ada: ada.body, alan: alan.body, sales: sales.body };
}

/** Wait until `check()` holds (polled every 200 ms), else fail with `message` (or its result). */
export async function eventually(check, message, timeout = 15000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(typeof message === 'function' ? await message() : message);
}
