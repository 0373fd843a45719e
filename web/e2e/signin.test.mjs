import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the app boots its wasm core in Chromium and the first administrator can sign in', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#app[data-ready="true"]');
  assert.match(await page.textContent('#rules-version'), /^\d+\.\d+\.\d+$/);
  await screenshot(page, 'signin');

  await page.fill('#email', server.firstLogin.email);
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  await page.waitForSelector('.error:not(:empty)');

  await page.fill('#password', server.firstLogin.password);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:has-text("My portfolios")');
  await screenshot(page, 'dashboard');
});

test('the interface switches to Dutch and remembers it', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#app[data-ready="true"]');
  await page.selectOption('#lang', 'nl');
  await page.waitForSelector('h1:has-text("Inloggen")');
  await page.reload();
  await page.waitForSelector('h1:has-text("Inloggen")');
});
