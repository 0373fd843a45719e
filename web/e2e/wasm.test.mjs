// folio-wasm in real headless Chromium: the same decisions as native and as Node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchBrowser, workspace } from './harness.mjs';
import { serveStatic } from './static.mjs';

let site;
let browser;
let page;
before(async () => {
  site = await serveStatic({
    '/': path.join(workspace, 'web/e2e/wasm-page.html'),
    '/pkg/': path.join(workspace, 'web/pkg'),
    '/fixtures/': path.join(workspace, 'core/fixtures'),
  });
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
  await page.goto(site.url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
});
after(async () => {
  await browser?.close();
  await site?.close();
});

test('the wasm module loads in Chromium and reports its rules version', async () => {
  assert.match(await page.evaluate(() => window.folio.version()), /^\d+\.\d+\.\d+$/);
});
