// Screenshots of the main screens for docs/: the real app with a source that Entra-shaped
// requests have filled. Run through scripts/screenshots.sh (needs the headless display).

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { addMembers, disable, entraGroup, entraUser } from './entra.mjs';
import { byTestId, clickWhenReady, createSourceInWindow, launchApp, scim, waitForText, waitForTextIn } from './harness.mjs';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs');
const PEOPLE = [
  ['Ada', 'Lovelace'], ['Alan', 'Turing'], ['Grace', 'Hopper'], ['Edsger', 'Dijkstra'], ['Barbara', 'Liskov'],
  ['Donald', 'Knuth'], ['Margaret', 'Hamilton'], ['Ken', 'Thompson'], ['Frances', 'Allen'], ['Dennis', 'Ritchie'],
  ['Radia', 'Perlman'], ['Tim', 'Berners-Lee'], ['Katherine', 'Johnson'], ['John', 'McCarthy'], ['Adele', 'Goldberg'],
  ['Niklaus', 'Wirth'], ['Shafi', 'Goldwasser'], ['Leslie', 'Lamport'], ['Hedy', 'Lamarr'], ['Vint', 'Cerf'],
];

function shot(name) {
  const file = path.join(docs, `screenshot-${name}.png`);
  // The window sits at the top left of the 1280x800 screen; crop to it.
  execFileSync('/usr/bin/import', ['-window', 'root', '-crop', '1200x780+0+0', '+repage', file]);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

async function send(baseUrl, token, method, resourcePath, body) {
  const res = await scim(baseUrl, token, method, resourcePath, body);
  if (res.status >= 400 && !body?.externalId?.startsWith('e-dup')) {
    throw new Error(`${method} ${resourcePath} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res;
}

async function populate(baseUrl, token) {
  const ids = [];
  for (const [i, [given, family]] of PEOPLE.entries()) {
    const user = entraUser(`${given.toLowerCase()}.${family.toLowerCase()}@contoso.com`, given, family, `e-${100 + i}`);
    ids.push((await send(baseUrl, token, 'POST', '/Users', user)).body.id);
  }
  const groups = {};
  for (const [i, name] of ['Sales', 'Engineering', 'Finance', 'All Staff'].entries()) {
    groups[name] = (await send(baseUrl, token, 'POST', '/Groups', entraGroup(name, `g-${i}`))).body.id;
  }
  await send(baseUrl, token, 'PATCH', `/Groups/${groups['All Staff']}`, addMembers(...ids));
  await send(baseUrl, token, 'PATCH', `/Groups/${groups.Engineering}`, addMembers(...ids.slice(0, 12)));
  await send(baseUrl, token, 'PATCH', `/Groups/${groups.Sales}`, addMembers(...ids.slice(12, 17)));
  await send(baseUrl, token, 'PATCH', `/Users/${ids[7]}`, disable);
  await send(baseUrl, token, 'POST', '/Users', entraUser('ada.lovelace@contoso.com', 'Ada', 'Lovelace', 'e-dup'));
  return ids;
}

const dark = process.argv.includes('--dark');
const app = await launchApp({ env: dark ? { GTK_THEME: 'Adwaita:dark' } : {} });
const { browser } = app;
try {
  await byTestId(browser, 'new-source', 30000);
  if (dark) {
    await createSourceInWindow(browser, 'Entra ID');
    await clickWhenReady(browser, '[data-testid="issued-done"]');
    await clickWhenReady(browser, '[data-testid="copy-token"]');
    await waitForTextIn(browser, '.mantine-Notification-root', 'Token copied');
    const token = execFileSync('xclip', ['-o', '-selection', 'clipboard']).toString();
    await clickWhenReady(browser, '[data-testid="tab-activity"]');
    await populate(`http://${app.bind}/source/scim/entra-id/v2`, token);
    await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'added 5 members to Sales');
    await pause(4500);
    shot('activity-dark');
  } else {
    await clickWhenReady(browser, '[data-testid="nav-settings"]');
    const url = await byTestId(browser, 'settings-public-url');
    await url.setValue('https://scim.contoso-tunnel.example');
    await clickWhenReady(browser, '[data-testid="settings-public-url-save"]');
    await waitForText(browser, 'status-public-url', (t) => t.includes('https://'));
    await pause(4500); // let the notification fade
    shot('settings');
    await clickWhenReady(browser, '[data-testid="nav-sources"]');

    await createSourceInWindow(browser, 'Entra ID');
    await pause(600);
    // A picture in the docs must not carry a real token, even a throwaway one.
    await browser.execute(() => {
      const el = document.querySelector('[data-testid="issued-token"]');
      if (el) el.textContent = 'scimdesk_' + '•'.repeat(64);
    });
    shot('new-source-token');
    await clickWhenReady(browser, '[data-testid="issued-done"]');
    await clickWhenReady(browser, '[data-testid="copy-token"]');
    await waitForTextIn(browser, '.mantine-Notification-root', 'Token copied');
    const token = execFileSync('xclip', ['-o', '-selection', 'clipboard']).toString();
    const base = `http://${app.bind}/source/scim/entra-id/v2`;
    await pause(4500);
    shot('source-overview');

    await clickWhenReady(browser, '[data-testid="tab-activity"]');
    await populate(base, token);
    await waitForTextIn(browser, '[data-testid="activity-feed"] td', 'added 5 members to Sales');
    await pause(800);
    shot('activity');

    await clickWhenReady(browser, '[data-testid="tab-users"]');
    await waitForTextIn(browser, '[data-testid="user-row"]', 'ada.lovelace@contoso.com');
    await pause(400);
    shot('users');
    await clickWhenReady(browser, '[data-testid="user-row"] td');
    await byTestId(browser, 'attributes');
    await pause(800);
    shot('user-details');
    await clickWhenReady(browser, '.mantine-Drawer-close');
    await pause(500);

    await clickWhenReady(browser, '[data-testid="tab-groups"]');
    await waitForTextIn(browser, '[data-testid="group-row"]', 'Engineering');
    await clickWhenReady(browser, '[data-testid="nav-sources"]');
    await waitForTextIn(browser, '[data-testid="sources-table"] td', 'Entra ID');
    await pause(400);
    shot('sources');
  }
} finally {
  await app.stop();
}
