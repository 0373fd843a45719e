// Your account and the administrators' mail outbox, in real Chromium against
// a real server without a mail server (the embedded default): a person
// changes the name others see; an administrator reads the invitation Folio
// could not send, in the outbox.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, createPortfolio, openApp, signIn } from './app-helpers.mjs';

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

test('a person changes their display name; an empty one is explained, not sent', { timeout: 45_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(context, server);
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await page.click('#open-account');
  await page.waitForSelector('#account-title');
  assert.equal(await page.textContent('#account-email'), server.firstLogin.email);

  await page.fill('#account-name', '   ');
  await page.click('#account-save');
  await page.waitForSelector('[role=alert]:has-text("cannot be empty")');

  await page.fill('#account-name', 'Ada Administrator');
  await page.selectOption('#account-lang', 'nl');
  await page.click('#account-save');
  await page.waitForSelector('.who:has-text("Ada Administrator")');
  await screenshot(page, 'app-account');
  const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
  assert.equal(me.display_name, 'Ada Administrator');
  await context.close();
});

test('an administrator reads queued mail in the outbox; others are not offered it', { timeout: 45_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(context, server);
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  const id = await createPortfolio(page, 'Outbox portfolio');
  const status = await page.evaluate(async (p) => {
    const me = await fetch('/api/me').then((r) => r.json());
    const r = await fetch(`/api/portfolios/${encodeURIComponent(p)}/invitations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: JSON.stringify({ name: 'Sam Supervisor', email: 'sam@corp.example', role: 'supervisor', days: 7 }),
    });
    return r.status;
  }, id);
  assert.equal(status, 201);

  await page.goto(`${server.url}/#/`);
  await page.click('#open-outbox');
  await page.waitForSelector('#outbox-title');
  const row = page.locator('.outbox-table tbody tr', { hasText: 'sam@corp.example' });
  await row.waitFor();
  assert.match(await row.textContent(), /waiting|wacht/);
  await row.locator('summary').click();
  const body = await row.locator('pre.mail-body').textContent();
  assert.match(body, /Outbox portfolio/);
  // Without --public-url the link names the address the server listens on.
  assert.ok(body.includes(`${server.url}/invite/fi_`), body);
  await screenshot(page, 'app-outbox');

  await context.close();

  // Someone who is not an administrator: no link, and the screen says no.
  await admin(server, 'user', 'create', '--email', 'pia@school.example', '--name', 'Pia Peer', '--password', 'correct horse battery staple');
  const other = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const peer = await openApp(other, server);
  await signIn(peer, 'pia@school.example', 'correct horse battery staple');
  assert.equal(await peer.locator('#open-outbox').count(), 0);
  assert.equal(await peer.locator('#open-account').count(), 1);
  await peer.goto(`${server.url}/#/admin/outbox`);
  await peer.waitForSelector('#outbox-title');
  await peer.waitForSelector('[role=alert]');
  assert.equal(await peer.locator('.outbox-table').count(), 0);
  const answer = await peer.evaluate(() => fetch('/api/admin/outbox').then((r) => r.status));
  assert.equal(answer, 403);
  await other.close();
});
