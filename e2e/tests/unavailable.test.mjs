// What the window says when the OS refuses: a taken port, no keychain, no clipboard. Each
// condition is produced for real, not simulated inside the app.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';

import { byTestId, createSourceInWindow, freePort, launchApp, waitForText } from '../harness.mjs';

test('a taken port is reported, and another port can be chosen from the window', async () => {
  const blocker = net.createServer();
  await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = `127.0.0.1:${blocker.address().port}`;
  const app = await launchApp({ bind: taken });
  try {
    const banner = await waitForText(app.browser, 'server-error', (t) => t.includes('already in use'), 30000);
    assert.match(banner, new RegExp(`Cannot listen on ${taken.replace(/\./g, '\\.')}`));
    await waitForText(app.browser, 'status-listening', (t) => t.startsWith('Not listening'));
    const free = `127.0.0.1:${await freePort()}`;
    const input = await byTestId(app.browser, 'banner-bind');
    await input.clearValue();
    await input.setValue(free);
    await (await byTestId(app.browser, 'banner-listen')).click();
    await waitForText(app.browser, 'status-listening', (t) => t === `Listening on ${free}`);
    const res = await fetch(`http://${free}/source/scim/none/v2/ServiceProviderConfig`);
    assert.equal(res.status, 401, 'the server answers on the new port');
  } finally {
    await app.stop();
    blocker.close();
  }
});

test('without a Secret Service the window says the keychain is unavailable and offers rotation', async () => {
  // A session bus address where nothing listens: the keychain cannot be reached.
  const app = await launchApp({ env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/scimdesk-e2e-bus' } });
  try {
    await byTestId(app.browser, 'new-source', 30000);
    await createSourceInWindow(app.browser, 'No Keychain');
    const warning = await waitForText(app.browser, 'keychain-warning', (t) => t.length > 0);
    assert.match(warning, /could not be stored in the OS keychain/);
    await (await byTestId(app.browser, 'issued-done')).click();
    await (await byTestId(app.browser, 'copy-token')).click();
    const message = await waitForText(app.browser, 'keychain-error', (t) => t.length > 0);
    assert.match(message, /keychain/i);
    await byTestId(app.browser, 'keychain-rotate');
  } finally {
    await app.stop();
  }
});

test('when the clipboard refuses, Copy token shows the token to copy by hand', async () => {
  // Revoke this X display's cookie: the window keeps its connection, but the clipboard's new
  // connection is refused by the X server, as on a locked-down remote desktop.
  const display = process.env.DISPLAY;
  const auth = process.env.XAUTHORITY;
  assert.ok(display && auth, 'runs under xvfb-run, which sets DISPLAY and XAUTHORITY');
  const app = await launchApp();
  const saved = execFileSync('xauth', ['-f', auth, 'nlist', display]).toString();
  try {
    await byTestId(app.browser, 'new-source', 30000);
    await createSourceInWindow(app.browser, 'No Clipboard');
    await (await byTestId(app.browser, 'issued-done')).click();
    execFileSync('xauth', ['-f', auth, 'remove', display]);
    await (await byTestId(app.browser, 'copy-token')).click();
    const dialog = await waitForText(app.browser, 'token-fallback', (t) => t.length > 0);
    assert.match(dialog, /clipboard cannot be used/i);
    const shown = await waitForText(app.browser, 'fallback-token', (t) => t.length > 0);
    assert.match(shown, /^scimdesk_[0-9a-f]{64}$/);
  } finally {
    execFileSync('xauth', ['-f', auth, 'nmerge', '-'], { input: saved });
    await app.stop();
  }
});
