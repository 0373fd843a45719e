// Sign-in, the dashboard, creating a portfolio, the Dutch interface, and the
// narrow (390 px) layout — against a real server in real Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { createPortfolio, openApp, signIn } from './app-helpers.mjs';

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

test('sign in, see the dashboard, create a portfolio and find it listed', { timeout: 30_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await openApp(context, server);
  await page.fill('#email', server.firstLogin.email);
  await page.fill('#password', 'wrong password');
  await page.click('form button[type=submit]');
  const err = await page.waitForSelector('[role=alert]:has-text("password is wrong")');
  assert.ok(await err.isVisible());
  await screenshot(page, 'app-signin-error');

  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await screenshot(page, 'app-dashboard-empty');
  const id = await createPortfolio(page, 'Internship year');
  assert.ok(id.length > 10, id);
  assert.equal(await page.isVisible('#open-share'), true, 'the owner is offered sharing');
  assert.equal(await page.isVisible('#open-access'), true, 'the owner is offered access management');
  await screenshot(page, 'app-portfolio');

  await page.click('a.brand');
  await page.waitForSelector('ul[aria-label="My portfolios"] a:has-text("Internship year")');
  await screenshot(page, 'app-dashboard');

  // A reload keeps the session and the screen (the address is the state).
  await page.goto(`${server.url}/#/p/${encodeURIComponent(id)}`);
  await page.waitForSelector('#pf-title:has-text("Internship year")');

  // Signing out ends the session: protected addresses show sign-in.
  await page.click('#sign-out');
  await page.waitForSelector('#signin-title');
  await page.goto(`${server.url}/#/p/${encodeURIComponent(id)}/access`);
  await page.waitForSelector('#signin-title');
  await context.close();
});

test('the interface switches to Dutch, remembers it, and works at 390 px', { timeout: 30_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await openApp(context, server);
  await page.selectOption('#lang', 'nl');
  await page.waitForSelector('h1:has-text("Inloggen")');
  await page.reload();
  await page.waitForSelector('#app[data-ready="true"]');
  await page.waitForSelector('h1:has-text("Inloggen")');
  assert.equal(await page.getAttribute('html', 'lang'), 'nl');
  await screenshot(page, 'app-signin-nl-390');

  // Keyboard only: tab to the fields, type, submit with Enter.
  await page.focus('#email');
  await page.keyboard.type(server.firstLogin.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(server.firstLogin.password);
  await page.keyboard.press('Enter');
  await page.waitForSelector('h1:has-text("Mijn portfolio’s")');
  await page.waitForSelector('h2:has-text("Met mij gedeeld")');
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page overflows by ${overflow}px`);
  await screenshot(page, 'app-dashboard-nl-390');
  await page.selectOption('#lang', 'en');
  await page.waitForSelector('h1:has-text("My portfolios")');
  await context.close();
});

test('a broken invitation address gets a clear message, not a crash', { timeout: 30_000 }, async () => {
  const context = await browser.newContext();
  const page = await openApp(context, server, '');
  await page.goto(`${server.url}/invite/fi_doesnotexist`);
  await page.waitForSelector('#app[data-ready="true"]');
  await page.click('#send-code');
  await page.waitForSelector('[role=alert]:has-text("does not exist")');
  await screenshot(page, 'app-invite-unknown');
  await context.close();
});
