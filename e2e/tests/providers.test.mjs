// New Source asks which identity provider provisions the source, and the Overview then guides
// that provider's console with the exact field names and values.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { byTestId, clickWhenReady, launchApp, textsOf, waitForText, waitForTextIn } from '../harness.mjs';

let app;
let browser;

before(async () => {
  app = await launchApp();
  browser = app.browser;
});
after(async () => { await app?.stop(); });

/** Create a source for `provider` (the label of its choice in the dialog); returns its slug. */
async function createFor(provider, name) {
  await clickWhenReady(browser, '[data-testid="nav-sources"]');
  await clickWhenReady(browser, '[data-testid="new-source"]');
  await byTestId(browser, 'source-provider');
  const labels = await browser.$$('[data-testid="source-provider"] label');
  let chosen = false;
  for (const label of labels) {
    const [text] = await browser.execute((el) => [el.innerText], label);
    if (text.trim() === provider) {
      await label.click();
      chosen = true;
      break;
    }
  }
  assert.ok(chosen, `no choice ${provider}`);
  await (await byTestId(browser, 'source-name')).setValue(name);
  await browser.waitUntil(async () => (await (await browser.$('[data-testid="source-slug"]')).getValue()) !== '', { timeout: 5000 });
  const slug = await (await browser.$('[data-testid="source-slug"]')).getValue();
  await clickWhenReady(browser, '[data-testid="create-source"]');
  await byTestId(browser, 'issued-token');
  await clickWhenReady(browser, '[data-testid="issued-done"]');
  await waitForText(browser, 'source-title', (t) => t === name);
  return slug;
}

test('an Okta source shows the Okta guide with its console fields and the values to paste', async () => {
  await byTestId(browser, 'new-source', 30000);
  const slug = await createFor('Okta', 'Okta');
  const [guide] = await textsOf(browser, '[data-testid="okta-guide"]');
  assert.ok(guide, 'the Okta guide is shown');
  assert.match(guide, /SCIM connector base URL: http:\/\/.*\/source\/scim\/okta\/v2/);
  assert.match(guide, /Unique identifier field for users: userName/);
  assert.match(guide, /Authentication Mode: HTTP Header/);
  assert.equal(await (await browser.$('[data-testid="entra-guide"]')).isExisting(), false);
  assert.equal(slug, 'okta');
});

test('a OneLogin source shows the OneLogin guide, and the Sources list says who provisions each', async () => {
  await createFor('OneLogin', 'OneLogin');
  const [guide] = await textsOf(browser, '[data-testid="onelogin-guide"]');
  assert.ok(guide, 'the OneLogin guide is shown');
  assert.match(guide, /SCIM Base URL: http:\/\/.*\/source\/scim\/onelogin\/v2/);
  assert.match(guide, /SCIM Bearer Token/);
  assert.match(guide, /SCIM JSON Template/);
  await clickWhenReady(browser, '[data-testid="nav-sources"]');
  await waitForTextIn(browser, '[data-testid="source-row-okta"] td', 'Okta');
  await waitForTextIn(browser, '[data-testid="source-row-onelogin"] td', 'OneLogin');
});
