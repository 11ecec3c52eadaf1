// What the window says when something is unavailable: a taken port, a missing Secret Service, an
// unusable data directory and a database from a newer version are produced for real; the
// clipboard through the admin's SCIMDESK_CLIPBOARD=off switch.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { byTestId, clickWhenReady, createSourceInWindow, freePort, launchApp, waitForText } from '../harness.mjs';

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
    assert.equal(res.status, 404, 'the SCIM server answers on the new port (no such source)');
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
    await clickWhenReady(app.browser, '[data-testid="issued-done"]');
    await (await byTestId(app.browser, 'copy-token')).click();
    const message = await waitForText(app.browser, 'keychain-error', (t) => t.length > 0);
    assert.match(message, /keychain/i);
    await byTestId(app.browser, 'keychain-rotate');
  } finally {
    await app.stop();
  }
});

test('when the clipboard cannot be used, Copy token shows the token to copy by hand', async () => {
  // SCIMDESK_CLIPBOARD=off is the admin's switch for remote desktops that sync the clipboard
  // elsewhere; the app then refuses the clipboard exactly as when the OS refuses it.
  const app = await launchApp({ env: { SCIMDESK_CLIPBOARD: 'off' } });
  try {
    await byTestId(app.browser, 'new-source', 30000);
    await createSourceInWindow(app.browser, 'No Clipboard');
    await clickWhenReady(app.browser, '[data-testid="issued-done"]');
    await (await byTestId(app.browser, 'copy-token')).click();
    const dialog = await waitForText(app.browser, 'token-fallback', (t) => t.length > 0);
    assert.match(dialog, /clipboard is turned off/i);
    const shown = await waitForText(app.browser, 'fallback-token', (t) => t.length > 0);
    assert.match(shown, /^scimdesk_[0-9a-f]{64}$/);
  } finally {
    await app.stop();
  }
});

test('a data directory that cannot be used is reported instead of the app', async () => {
  // A path below a regular file can never be a directory.
  const app = await launchApp({ env: { SCIMDESK_DATA_DIR: '/etc/hostname/scimdesk' } });
  try {
    const message = await waitForText(app.browser, 'fatal-error', (t) => t.length > 0, 30000);
    assert.match(message, /\/etc\/hostname\/scimdesk/);
  } finally {
    await app.stop();
  }
});

test('a database written by a newer version is reported and left untouched', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scimdesk-e2e-newer-'));
  const db = path.join(dir, 'scimdesk.db');
  // A database whose migration history goes past what this build knows.
  const sqlite = (script) => execFileSync('python3', ['-c', `import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\n${script}`, db]).toString();
  sqlite(
    "c.execute('CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)')\n" +
      "c.execute(\"INSERT INTO _sqlx_migrations VALUES (99990101000000, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)\")\nc.commit()",
  );
  const app = await launchApp({ env: { SCIMDESK_DATA_DIR: dir } });
  try {
    const message = await waitForText(app.browser, 'fatal-error', (t) => t.length > 0, 30000);
    assert.match(message, /newer version of ScimDesk/);
    const tables = sqlite("print(','.join(r[0] for r in c.execute(\"SELECT name FROM sqlite_master WHERE type='table' ORDER BY name\")))");
    assert.equal(tables.trim(), '_sqlx_migrations', 'nothing was migrated into the newer database');
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
