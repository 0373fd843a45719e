// API tokens for administrators, in real Chromium against a real server:
// create a service account and a token with chosen rights (the secret shown
// once), use it against /api/v1, rotate it (the old secret stops at once),
// revoke it; a non-administrator is not offered the screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, openApp, signIn } from './app-helpers.mjs';

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

async function v1(secret, path = '/api/v1/users') {
  const r = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  return { status: r.status, body: await r.json() };
}

test('an administrator creates, uses, rotates and revokes an API token; the secret is shown once', { timeout: 45_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(context, server);
  page.on('dialog', (d) => d.accept());
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await page.click('#open-tokens');
  await page.waitForSelector('#tokens-title');

  await page.selectOption('#token-account', 'new');
  await page.fill('#token-account-email', 'lms@svc.school.example');
  await page.fill('#token-account-name', 'Learning platform');
  await page.fill('#token-name', 'grades export');
  await page.fill('#token-days', '30');
  await page.selectOption('#scope-users-view', 'own');
  await page.selectOption('#scope-portfolios-view', 'related');
  await page.click('#token-create');
  await page.waitForSelector('#token-secret');
  const secret = (await page.textContent('#token-secret')).trim();
  assert.match(secret, /^ft_/);
  await page.waitForSelector('table.tokens td:has-text("grades export")');
  const row = page.locator('table.tokens tbody tr', { hasText: 'grades export' });
  assert.match(await row.textContent(), /Learning platform/);
  assert.match(await row.textContent(), /users: view own/);
  assert.ok(!(await page.textContent('table.tokens')).includes(secret.slice(3)), 'the list never shows the secret');
  assert.equal(await page.isVisible('#token-account-email'), false, 'the new account is now picked, not asked for again');
  await screenshot(page, 'app-tokens');

  // The token works, with exactly its rights.
  const me = await v1(secret);
  assert.equal(me.status, 200);
  assert.deepEqual(me.body.map((u) => u.display_name), ['Learning platform']);
  assert.equal((await v1(secret, '/api/v1/tokens')).status, 403, 'no `tokens` scope');

  // Shown once: after a reload only the list remains.
  await page.reload();
  await page.waitForSelector('table.tokens td:has-text("grades export")');
  assert.equal(await page.$('#token-secret'), null);

  // Rotate: a new secret, shown once; the old one stops working.
  await page.locator('table.tokens tbody tr', { hasText: 'grades export' }).locator('button[data-rotate-token]').first().click();
  await page.waitForFunction((old) => {
    const el = document.querySelector('#token-secret');
    return el && el.textContent.trim() !== old;
  }, secret);
  const rotated = (await page.textContent('#token-secret')).trim();
  assert.equal((await v1(secret)).status, 401);
  assert.equal((await v1(secret)).body.error.code, 'token_revoked');
  assert.equal((await v1(rotated)).status, 200);
  await page.waitForSelector('table.tokens td:has-text("replaced")');

  // Revoke the new one.
  await page.locator('table.tokens tbody tr', { hasText: 'active' }).locator('button[data-revoke-token]').click();
  await page.waitForSelector('[role=status]:has-text("Done")');
  await page.waitForFunction(() => !document.querySelector('table.tokens button[data-revoke-token]'));
  assert.equal((await v1(rotated)).status, 401);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'app-tokens-390');
  await context.close();
});

test('someone who is not an administrator is not offered API tokens and the screen says so', { timeout: 30_000 }, async () => {
  await admin(server, 'user', 'create', '--email', 'nina@school.example', '--name', 'Nina', '--password', 'correct horse battery staple');
  const context = await browser.newContext();
  const page = await openApp(context, server);
  await signIn(page, 'nina@school.example', 'correct horse battery staple');
  assert.equal(await page.isVisible('#open-tokens'), false);
  assert.equal(await page.isVisible('#open-security'), true);
  await page.goto(`${server.url}/#/admin/tokens`);
  await page.waitForSelector('[role=alert]:has-text("may not")');
  await context.close();
});
