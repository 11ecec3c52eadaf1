// Always on: closing the window keeps ScimDesk serving from the tray, the login switch registers
// a hidden start, and a hidden start serves without a window. The private test bus has no tray
// host or notification server, so each test brings its own (desktop-bus.mjs) and checks what the
// app sent them.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { startDesktopServices } from '../desktop-bus.mjs';
import { x11, closeWindow } from '../x11.mjs';
import { APP, CLI, byTestId, clickWhenReady, createSourceInWindow, eventually, freePort, launchApp, scim, waitForPort, waitForText } from '../harness.mjs';

/** The names of `pid`'s child processes (`comm`: the first 15 characters, e.g. WebKitWebProces). */
function childNames(pid) {
  const tasks = path.join('/proc', String(pid), 'task');
  // Threads and processes may end while we read; they count as gone.
  const read = (file) => { try { return readFileSync(file, 'utf8'); } catch { return ''; } };
  const children = readdirSync(tasks).flatMap((t) => read(path.join(tasks, t, 'children')).split(' ').filter(Boolean));
  return children.map((c) => read(`/proc/${c}/comm`).trim()).filter(Boolean);
}

/** How many web processes `pid` runs (WebKitGTK renders each webview's page in a WebKitWebProcess). */
function webProcesses(pid) {
  return childNames(pid).filter((name) => name.startsWith('WebKitWebProc')).length;
}

/** The pid of the app started on `dataDir` (its environment names the folder). */
function appPid(dataDir) {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let environ = '';
    try { environ = readFileSync(`/proc/${pid}/environ`, 'utf8'); } catch { continue; }
    if (programOf(pid) === 'scimdesk-app' && environ.includes(`SCIMDESK_DATA_DIR=${dataDir}\0`)) return Number(pid);
  }
  return null;
}

/** Who serves `dataDir`, as it says in serving.json ({ kind, pid, listening }). */
function servingRecord(dataDir) {
  try { return JSON.parse(readFileSync(path.join(dataDir, 'serving.json'), 'utf8')); } catch { return null; }
}

/** The program `pid` runs now (`comm`). */
function programOf(pid) {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return null; }
}

/**
 * Requests sent every 25 ms until `stop()`, which resolves to how many were sent and the ones
 * that failed (refused, reset): while the app and its tray program hand over, none may.
 */
function probe(url) {
  let running = true;
  const failures = [];
  let sent = 0;
  const loop = (async () => {
    while (running) {
      sent += 1;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
        await res.arrayBuffer();
        if (res.status !== 404) failures.push(`status ${res.status}`);
      } catch (e) {
        failures.push(String(e.cause?.code ?? e));
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return { stop: async () => { running = false; await loop; return { sent, failures }; } };
}

/** The colour of the state dot in the tray icon's file (icons/tray/*.png; ImageMagick reads it). */
const DOT = { serving: 'srgba(47,158,68,1)', problem: 'srgba(224,49,49,1)', stopped: 'srgba(134,142,150,1)' };
function dotColour(file) {
  try {
    return execFileSync('/usr/bin/convert', [file, '-format', '%[pixel:p{48,48}]', 'info:'], { timeout: 10000, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return 'unreadable';
  }
}

test('closing the window keeps serving from the tray; a second launch opens it again', async () => {
  const desktop = await startDesktopServices();
  const app = await launchApp();
  try {
    const { browser } = app;
    await waitForText(browser, 'status-listening', (t) => t === `Listening on ${app.bind}`, 30000);
    await eventually(() => desktop.trayItems.length > 0, 'the app never registered a tray item (StatusNotifierItem)');
    let labels = [];
    await eventually(async () => (labels = await desktop.trayMenu()).includes(`Serving on ${app.bind} · no request yet`),
      () => `the tray menu does not say where ScimDesk serves: ${JSON.stringify(labels)}`);
    assert.deepEqual([labels[0], labels.at(-1)], ['Open ScimDesk', 'Quit']);

    await createSourceInWindow(browser, 'Entra ID');
    const token = await waitForText(browser, 'issued-token', (t) => t.startsWith('scimdesk_'));
    const baseUrl = `http://${app.bind}/source/scim/entra-id/v2`;

    assert.equal(x11('visible').length, 1, 'one ScimDesk window before closing');
    const windowServer = servingRecord(app.dataDir);
    assert.equal(windowServer?.kind, 'window', JSON.stringify(windowServer));
    await closeWindow('the window stayed open after WM_DELETE_WINDOW');
    // On Linux the same process goes on as the tray program (exec), on the same socket.
    await eventually(() => servingRecord(app.dataDir)?.kind === 'tray',
      () => `the tray program does not serve: ${JSON.stringify(servingRecord(app.dataDir))}`);
    assert.equal(servingRecord(app.dataDir).pid, windowServer.pid, 'the same process serves on');
    assert.equal(programOf(windowServer.pid), 'scimdesk', 'as the tray program');
    await new Promise((r) => setTimeout(r, 1000));

    const users = await scim(baseUrl, token, 'GET', '/Users?count=1');
    assert.equal(users.status, 200, 'the SCIM server answers with the window closed');
    const created = await scim(baseUrl, token, 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@contoso.com', active: true,
    });
    assert.equal(created.status, 201);
    await eventually(async () => (labels = await desktop.trayMenu()).some((l) => /^Serving on .* · last request \d\d:\d\d:\d\d UTC$/.test(l)),
      () => `the tray menu does not show the last request: ${JSON.stringify(labels)}`);
    await eventually(() => desktop.notifications.length > 0, 'no notice that ScimDesk keeps serving');
    assert.deepEqual(desktop.notifications.map((n) => n.summary), ['ScimDesk keeps serving from the tray']);

    // A second launch hands over to the running process, which builds the window again.
    const second = spawn(APP, [], { env: { ...process.env, SCIMDESK_DATA_DIR: app.dataDir, SCIMDESK_BIND: app.bind }, stdio: 'ignore' });
    const code = await new Promise((resolve) => second.once('exit', resolve));
    assert.equal(code, 0, 'the second instance hands over and exits');
    await eventually(() => x11('visible').length === 1, 'the window did not come back');

    // Closed again: served still, and the notice is not repeated.
    await closeWindow('the window stayed open the second time');
    assert.equal((await scim(baseUrl, token, 'GET', '/Users?count=1')).status, 200);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(desktop.notifications.length, 1, 'the tray notice is shown once');
  } finally {
    await app.stop();
    desktop.stop();
  }
});

test('closed while the background service serves, the window becomes the tray program, which shows the service and serves when it stops', async () => {
  const desktop = await startDesktopServices();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-'));
  const port = await freePort();
  const bind = `127.0.0.1:${port}`;
  const service = spawn(CLI, ['serve', '--bind', bind], { env: { ...process.env, SCIMDESK_DATA_DIR: dataDir }, stdio: 'ignore' });
  let app;
  try {
    await waitForPort(port, 15000);
    app = await launchApp({ env: { SCIMDESK_DATA_DIR: dataDir }, bind });
    await waitForText(app.browser, 'status-listening', (t) => t === `Served by the background service on ${bind}`, 30000);
    const pid = appPid(dataDir);
    assert.ok(pid, 'the app runs');

    await closeWindow();
    await eventually(() => programOf(pid) === 'scimdesk', 'the closed window did not become the tray program');
    let labels = [];
    await eventually(async () => (labels = await desktop.trayMenu()).includes(`Background service on ${bind} · no request yet`),
      () => `the tray program does not show the service: ${JSON.stringify(labels)}`);
    assert.equal(servingRecord(dataDir)?.kind, 'service', 'the service serves on');

    // The service stops: the tray program serves the folder instead.
    const stopped = new Promise((resolve) => service.once('exit', resolve));
    service.kill('SIGTERM');
    await stopped;
    await eventually(() => servingRecord(dataDir)?.kind === 'tray' && servingRecord(dataDir)?.pid === pid,
      () => `the tray program does not serve: ${JSON.stringify(servingRecord(dataDir))}`);
    await eventually(async () => (labels = await desktop.trayMenu()).includes(`Serving on ${bind} · no request yet`),
      () => `the tray menu does not say it serves: ${JSON.stringify(labels)}`);
    assert.equal((await fetch(`http://${bind}/source/scim/none/v2/ServiceProviderConfig`)).status, 404);
  } finally {
    if (service.exitCode === null && service.signalCode === null) service.kill('SIGTERM');
    await app?.stop();
    desktop.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the login switch writes an autostart entry that starts hidden, and removes it', async () => {
  // tauri-plugin-autostart (auto-launch 0.6) writes to $HOME/.config/autostart whatever
  // XDG_CONFIG_HOME says, so the test gives the app a home of its own.
  const home = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-home-'));
  const app = await launchApp({ env: { HOME: home, XDG_CONFIG_HOME: undefined } });
  const autostart = path.join(home, '.config', 'autostart');
  const entries = () => (existsSync(autostart) ? readdirSync(autostart).filter((f) => f.endsWith('.desktop')) : []);
  try {
    const { browser } = app;
    await byTestId(browser, 'nav-settings', 30000);
    await clickWhenReady(browser, '[data-testid="nav-settings"]');
    const toggle = '[data-testid="settings-launch-at-login"]';
    await byTestId(browser, 'settings-bind', 30000);
    const checked = () => browser.execute((sel) => document.querySelector(sel)?.checked, toggle);
    await browser.waitUntil(async () => (await checked()) === false, { timeout: 10000, timeoutMsg: 'the switch is not off at first' });
    assert.deepEqual(entries(), []);

    await browser.execute((sel) => document.querySelector(sel).click(), toggle);
    await eventually(() => entries().length === 1, 'no autostart entry after switching on');
    const entry = readFileSync(path.join(autostart, entries()[0]), 'utf8');
    const exec = entry.split('\n').find((l) => l.startsWith('Exec='));
    assert.ok(exec, entry);
    assert.ok(exec.includes(APP) || exec.includes(path.basename(APP)), exec);
    assert.match(exec, /\s--hidden\b/);
    await browser.waitUntil(async () => (await checked()) === true, { timeout: 10000, timeoutMsg: 'the switch did not stay on' });

    await browser.execute((sel) => document.querySelector(sel).click(), toggle);
    await eventually(() => entries().length === 0, 'the autostart entry stayed after switching off');
  } finally {
    await app.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('started with --hidden, ScimDesk serves from the tray program with no window; Open and close hand over without refusing a request; Quit works from the tray', async () => {
  const desktop = await startDesktopServices();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-'));
  const bind = `127.0.0.1:${await freePort()}`;
  const child = spawn(APP, ['--hidden'], {
    env: { ...process.env, SCIMDESK_DATA_DIR: dataDir, SCIMDESK_BIND: bind }, detached: true, stdio: 'ignore',
  });
  let exitCode = null;
  const exited = new Promise((resolve) => child.once('exit', (code) => { exitCode = code; resolve(); }));
  try {
    let answer;
    await eventually(async () => {
      try {
        answer = await fetch(`http://${bind}/source/scim/none/v2/ServiceProviderConfig`);
        return true;
      } catch {
        return false;
      }
    }, `nothing answers on ${bind}`, 30000);
    assert.equal(answer.status, 404, 'the SCIM server answers (no such source)');
    await eventually(() => desktop.trayItems.length > 0, 'the hidden app never registered a tray item');
    await eventually(async () => dotColour(await desktop.trayIconFile()) === DOT.serving, 'the tray icon does not show serving (green)');
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(x11('visible'), [], 'no window is shown');
    assert.equal(exitCode, null, 'the app keeps running with no window');

    assert.equal(webProcesses(child.pid), 0, 'no web page runs while hidden');
    // Hidden, the app is the tray program at once: no WebKit, no GTK (Linux).
    assert.equal(programOf(child.pid), 'scimdesk', 'started hidden, the app becomes the tray program');
    assert.deepEqual(servingRecord(dataDir), { kind: 'tray', pid: child.pid, listening: bind });

    // Open makes the process the app again; requests sent meanwhile wait, none is refused.
    const url = `http://${bind}/source/scim/none/v2/ServiceProviderConfig`;
    let probing = probe(url);
    await desktop.trayClick('Open ScimDesk');
    await eventually(() => x11('visible').length === 1, 'Open ScimDesk in the tray did not open the window');
    await eventually(() => webProcesses(child.pid) > 0, 'the window runs no web page');
    await eventually(() => servingRecord(dataDir)?.kind === 'window', 'the window does not serve');
    let probed = await probing.stop();
    assert.deepEqual(probed.failures, [], `requests failed while the tray handed over to the window (${probed.sent} sent)`);
    assert.equal(programOf(child.pid), 'scimdesk-app');
    assert.equal(servingRecord(dataDir).pid, child.pid);

    // Closed, the window and its web processes go: the process is the tray program again.
    probing = probe(url);
    await closeWindow('the window stayed open after WM_DELETE_WINDOW');
    await eventually(() => servingRecord(dataDir)?.kind === 'tray', 'the tray program does not serve');
    await eventually(() => childNames(child.pid).every((name) => !name.startsWith('WebKit')),
      () => `WebKit processes still run with the window closed: ${childNames(child.pid)}`);
    probed = await probing.stop();
    assert.deepEqual(probed.failures, [], `requests failed while the window handed over to the tray (${probed.sent} sent)`);
    assert.equal(programOf(child.pid), 'scimdesk');

    // Quit in the tray program's menu stops the server gracefully and ends the process.
    await desktop.trayClick('Quit');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
    assert.equal(exitCode, 0, 'Quit in the tray ends the app');
    await assert.rejects(fetch(`http://${bind}/source/scim/none/v2/ServiceProviderConfig`), 'the port is closed after Quit');
    const log = readdirSync(path.join(dataDir, 'logs')).map((f) => readFileSync(path.join(dataDir, 'logs', f), 'utf8')).join('');
    assert.match(log, /SCIM server stopped/, 'Quit stops the server gracefully');
  } finally {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already ended */ }
    await new Promise((r) => setTimeout(r, 300));
    desktop.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a port that cannot be used shows as a problem in the tray icon and menu', async () => {
  const desktop = await startDesktopServices();
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-'));
  const child = spawn(APP, ['--hidden'], {
    env: { ...process.env, SCIMDESK_DATA_DIR: dataDir, SCIMDESK_BIND: `127.0.0.1:${blocker.address().port}` },
    detached: true, stdio: 'ignore',
  });
  try {
    await eventually(() => desktop.trayItems.length > 0, 'the app never registered a tray item', 30000);
    let labels = [];
    await eventually(async () => (labels = await desktop.trayMenu()).some((l) => l.startsWith('Not serving: ') && l.includes('in use')),
      () => `the tray menu does not say why ScimDesk does not serve: ${JSON.stringify(labels)}`);
    await eventually(async () => dotColour(await desktop.trayIconFile()) === DOT.problem, 'the tray icon does not show a problem (red)');
  } finally {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already ended */ }
    await new Promise((r) => setTimeout(r, 300));
    blocker.close();
    desktop.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
