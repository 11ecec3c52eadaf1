// The admin's journey: create a source, copy its token, provision as Entra ID does, and watch it
// arrive in the window without a reload.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { addMembers, disable, entraGroup, entraUser } from '../entra.mjs';
import { byTestId, createSourceInWindow, launchApp, readClipboard, scim, waitForText, waitForTextIn } from '../harness.mjs';

let app;
let browser;
before(async () => {
  app = await launchApp();
  browser = app.browser;
});
after(async () => { await app?.stop(); });

test('the window opens on Sources and the status bar shows the listen address', async () => {
  await byTestId(browser, 'new-source', 30000);
  const startupMs = Date.now() - app.launchedAt;
  console.log(`  start-up to a usable Sources page: ${startupMs} ms`);
  await waitForText(browser, 'status-listening', (t) => t === `Listening on ${app.bind}`);
  await waitForText(browser, 'status-public-url', (t) => t.includes('not set'));
});

let token;
let baseUrl;
test('a source created in the window gets a token that Copy token puts on the clipboard', async () => {
  const slug = await createSourceInWindow(browser, 'Entra ID');
  assert.equal(slug, 'entra-id');
  assert.equal(await (await browser.$('[data-testid="keychain-warning"]')).isExisting(), false, 'the keychain kept the token');
  await (await byTestId(browser, 'issued-done')).click();
  await waitForText(browser, 'source-title', (t) => t === 'Entra ID');
  baseUrl = await waitForText(browser, 'scim-base-url', (t) => t.startsWith('http'));
  assert.equal(baseUrl, `http://${app.bind}/source/scim/entra-id/v2`);

  await (await byTestId(browser, 'copy-token')).click();
  await waitForTextIn(browser, '.mantine-Notification-root', 'Token copied');
  token = readClipboard();
  assert.match(token, /^scimdesk_[0-9a-f]{64}$/);
});

test('Entra ID provisioning appears live in Activity, Users and Groups', async () => {
  await (await byTestId(browser, 'tab-activity')).click();
  await byTestId(browser, 'provisioning-state');

  // Test connection: a user query that matches nobody.
  const probe = await scim(baseUrl, token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`);
  assert.equal(probe.status, 200);
  assert.equal(probe.body.totalResults, 0);

  const ada = await scim(baseUrl, token, 'POST', '/Users', entraUser('ada@contoso.com', 'Ada', 'Lovelace', 'e-1'));
  const alan = await scim(baseUrl, token, 'POST', '/Users', entraUser('alan@contoso.com', 'Alan', 'Turing', 'e-2'));
  assert.equal(ada.status, 201);
  assert.equal(alan.status, 201);
  const sales = await scim(baseUrl, token, 'POST', '/Groups', entraGroup('Sales', 'g-1'));
  assert.equal(sales.status, 201);
  const added = await scim(baseUrl, token, 'PATCH', `/Groups/${sales.body.id}`, addMembers(ada.body.id, alan.body.id));
  assert.ok([200, 204].includes(added.status), `PATCH members answered ${added.status}`);
  const refused = await scim(baseUrl, 'scimdesk_wrong', 'GET', '/Users');
  assert.equal(refused.status, 401);

  await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'created user ada@contoso.com');
  await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'created group Sales');
  await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'added 2 members to Sales');
  await waitForText(browser, 'count-users', (t) => t === '2');
  await waitForText(browser, 'count-groups', (t) => t === '1');
  await waitForText(browser, 'count-memberships', (t) => t === '2');

  await (await byTestId(browser, 'tab-groups')).click();
  await waitForTextIn(browser, '[data-testid="group-row"]', 'Sales');
  await (await byTestId(browser, 'group-row')).click();
  await waitForTextIn(browser, '[data-testid="group-members"] td', 'ada@contoso.com');
  await browser.keys('Escape');

  await (await byTestId(browser, 'tab-users')).click();
  await waitForText(browser, 'user-total', (t) => t === '2 users');
  await waitForTextIn(browser, '[data-testid="user-row"]', 'ada@contoso.com');

  // Disable Ada while the Users tab is open: the row turns Disabled without a reload.
  const patched = await scim(baseUrl, token, 'PATCH', `/Users/${ada.body.id}`, disable);
  assert.equal(patched.status, 200);
  await browser.waitUntil(async () => {
    for (const row of await browser.$$('[data-testid="user-row"]')) {
      const text = await row.getText();
      if (text.includes('ada@contoso.com')) return text.includes('Disabled');
    }
    return false;
  }, { timeout: 15000, timeoutMsg: 'Ada is not shown as disabled' });

  // Her details: attributes, groups, raw JSON.
  for (const row of await browser.$$('[data-testid="user-row"]')) {
    if ((await row.getText()).includes('ada@contoso.com')) { await row.click(); break; }
  }
  await waitForTextIn(browser, '[data-testid="attributes"] td', 'Lovelace');
  await browser.keys('Escape');
});
