// folio-wasm in real headless Chromium: the same decisions as native and as Node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, workspace } from './harness.mjs';
import { decisionFiles } from '../test-shared/files.mjs';
import { serveStatic } from './static.mjs';

let site;
let browser;
let page;
before(async () => {
  site = await serveStatic({
    '/': path.join(workspace, 'web/e2e/wasm-page.html'),
    '/pkg/': path.join(workspace, 'web/pkg-test'), // the test build (feature `testing`)
    '/shared/': path.join(workspace, 'web/test-shared'),
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

test('the decision corpus, golden snapshots and 10,000 generated cases decide in Chromium as natively and as in Node', async () => {
  const files = decisionFiles();
  const report = await page.evaluate(async (files) => {
    const { runDecisionSuite } = await import('/shared/decisions.mjs');
    return runDecisionSuite(window.folio, files);
  }, files);
  assert.deepEqual(report.failures, []);
  assert.equal(report.parity.digest, files.digest);
  const nodeReport = path.join(workspace, 'target-wasm/decisions-node.json');
  if (fs.existsSync(nodeReport)) {
    assert.deepEqual(report, JSON.parse(fs.readFileSync(nodeReport, 'utf8')), 'Chromium and Node decided differently');
  }
});
