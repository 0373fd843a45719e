// folio-wasm documents and sync in real headless Chromium: the same scenarios
// as web/test-wasm/, against the same native peer (relayed by this process).
import { after, before, test } from 'node:test';
import path from 'node:path';
import { launchBrowser, workspace } from './harness.mjs';
import { serveStatic } from './static.mjs';
import { startNativePeer } from '../test-wasm/native-peer.mjs';
import { checkLoadedNative, checkMerge, checkSyncSession, checkWasmMadeDocuments } from '../test-shared/checks.mjs';

let site;
let browser;
let page;
let peer;
before(async () => {
  peer = startNativePeer();
  site = await serveStatic({
    '/': path.join(workspace, 'web/e2e/wasm-page.html'),
    '/pkg/': path.join(workspace, 'web/pkg-test'), // the test build (feature `testing`)
    '/shared/': path.join(workspace, 'web/test-shared'),
  });
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
  await page.exposeFunction('nativePeer', (request) => peer.request(request));
  await page.goto(site.url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
});
after(async () => {
  await browser?.close();
  await site?.close();
  await peer?.close();
});

test('in Chromium, every document kind edited with every edit reads the same when loaded natively', async () => {
  const made = await page.evaluate(async () => (await import('/shared/docs.mjs')).wasmMadeDocuments(window.folio));
  await checkWasmMadeDocuments(made, peer.request);
});

test('in Chromium, a natively made document loads and reads the same; replicas merge', async () => {
  const fixture = await peer.request({ cmd: 'fixture' });
  const { loaded, merged } = await page.evaluate(async (fixture) => {
    const docs = await import('/shared/docs.mjs');
    return { loaded: docs.loadNative(window.folio, fixture), merged: docs.mergeTwoReplicas(window.folio) };
  }, fixture);
  checkLoadedNative(loaded, fixture);
  checkMerge(merged);
});

test('in Chromium, the wasm sync client and the guarded native peer converge, and a refused edit is handed back intact', async () => {
  const report = await page.evaluate(async () => (await import('/shared/sync.mjs')).syncSession(window.folio, window.nativePeer));
  checkSyncSession(report);
});
