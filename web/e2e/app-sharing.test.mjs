// Sharing end to end: the owner invites an external from the share dialog →
// the mail reaches a real SMTP sink → the external signs in with the mailed
// code → sees the shared portfolio; revoking ends the external's open view;
// a level-4 link opens a read-only view without login; access management
// lists the grants. Real server, real Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, createPortfolio, externalSignIn, openApp, signIn } from './app-helpers.mjs';
import { startSmtpSink } from './smtp-sink.mjs';

let server;
let browser;
let sink;
let owner;
before(async () => {
  sink = await startSmtpSink();
  server = await startServer({ env: { FOLIO_SMTP_URL: sink.url } });
  browser = await launchBrowser();
  owner = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(owner, server);
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.close();
});

async function ownerPortfolio(title) {
  const page = await openApp(owner, server);
  page.on('dialog', (d) => d.accept());
  await page.waitForSelector('#mine-title');
  const id = await createPortfolio(page, title);
  return { page, id };
}

async function invite(page, id, { name, email }) {
  await page.click('#open-share');
  await page.waitForSelector('#share-title');
  await page.fill('#inv-name', name);
  await page.fill('#inv-email', email);
  await page.fill('#inv-role', 'supervisor');
  await page.selectOption('#inv-level', 'comment');
  await page.check('#inv-hide');
  await page.click('#inv-submit');
  await page.waitForSelector(`[role=status]:has-text("${email}")`);
  await page.waitForSelector(`table.invitations td:has-text("${email}")`);
  const mail = await sink.waitFor((m) => m.to.includes(email) && m.body.includes('/invite/'));
  return /\/invite\/(fi_[A-Za-z0-9_-]+)/.exec(mail.body)[1];
}

/** The external, in a fresh browser context, follows the mailed link and signs in with the code. */
function externalSignInMobile(secret, email) {
  return externalSignIn({
    browser, server, sink, secret, email, viewport: { width: 390, height: 844 }, isMobile: true,
    onInvite: (page) => screenshot(page, 'app-invite-390'),
  });
}

test('the owner invites an external; the mail arrives; the external signs in with the code and sees the shared portfolio', { timeout: 30_000 }, async () => {
  const { page, id } = await ownerPortfolio('Placement portfolio');
  const secret = await invite(page, id, { name: 'Sam Supervisor', email: 'sam@hospital.example' });
  await screenshot(page, 'app-share-dialog');

  const ext = await externalSignInMobile(secret, 'sam@hospital.example');
  assert.equal(await ext.page.textContent('#pf-title'), 'Placement portfolio');
  assert.equal(await ext.page.isVisible('#open-share'), false, 'an external is not offered sharing');
  assert.equal(await ext.page.isVisible('#open-access'), false, 'an external is not offered access management');
  await screenshot(ext.page, 'app-external-portfolio-390');

  // The dashboard lists it under "shared with me" with the role from the invitation.
  await ext.page.click('a.brand');
  await ext.page.waitForSelector('ul[aria-label="Shared with me"] a:has-text("Placement portfolio")');
  assert.equal((await ext.page.textContent('ul[aria-label="Shared with me"] .role')).trim(), 'supervisor');
  assert.equal(await ext.page.isVisible('#new-title'), false, 'externals cannot create portfolios');
  await screenshot(ext.page, 'app-external-dashboard-390');
  await ext.ctx.close();
  await page.close();
});

test('revoking the invitation ends the external’s open view within seconds, and the link says it was revoked', { timeout: 30_000 }, async () => {
  const { page, id } = await ownerPortfolio('Revocable portfolio');
  const secret = await invite(page, id, { name: 'Rita Reviewer', email: 'rita@agency.example' });
  const ext = await externalSignInMobile(secret, 'rita@agency.example');

  await page.click('table.invitations button[data-revoke-invitation]');
  await page.waitForSelector('table.invitations .state-revoked');
  const t0 = Date.now();
  await ext.page.waitForSelector('#access-status:has-text("no longer have access")', { timeout: 5_000 });
  assert.ok(Date.now() - t0 < 5_000);
  await screenshot(ext.page, 'app-external-access-lost-390');

  // The mailed link now explains itself.
  await ext.page.goto(`${server.url}/invite/${secret}`);
  await ext.page.waitForSelector('#send-code');
  await ext.page.click('#send-code');
  await ext.page.waitForSelector('[role=alert]:has-text("revoked by the portfolio’s owner")');
  await screenshot(ext.page, 'app-invite-revoked-390');
  await ext.ctx.close();
  await page.close();
});

test('a level-4 link opens a read-only view without login, offering no way to write; revoking it ends it', { timeout: 30_000 }, async () => {
  const { page, id } = await ownerPortfolio('Public showcase');
  await page.click('#open-share');
  await page.waitForSelector('#share-title');
  await page.selectOption('#link-level', '4');
  await page.fill('#link-hours', '48');
  await page.fill('#link-label', 'For the open day');
  await page.click('#link-submit');
  const url = await page.inputValue('#link-url');
  assert.match(url, /\/l\/fl_/);
  await page.waitForSelector('table.links td:has-text("For the open day")');
  await screenshot(page, 'app-share-links');

  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const v = await visitor.newPage();
  v.setDefaultTimeout(15_000);
  await v.goto(`${server.url}${new URL(url, server.url).pathname}`);
  await v.waitForSelector('[data-read-only="true"]');
  assert.equal(await v.textContent('#rv-title'), 'Public showcase');
  assert.match(v.url(), /#\/view\/fl_/);
  assert.equal(await v.isVisible('#sign-out'), false, 'nobody is signed in');
  // No control that writes: no buttons, no text fields, no forms; only the language switch.
  const writable = await v.$$eval('main button, main input, main textarea, main form, main [contenteditable]', (els) => els.length);
  assert.equal(writable, 0);
  await screenshot(v, 'app-reviewer-view');

  // The owner sees the use, then revokes; the link stops working.
  await page.reload();
  await page.waitForSelector('table.links td:has-text("For the open day")');
  await page.click('table.links button[data-revoke-link]');
  await page.waitForSelector('table.links .state-revoked');
  await v.reload();
  await v.waitForSelector('[role=alert]:has-text("revoked")');
  await screenshot(v, 'app-reviewer-link-revoked');
  await visitor.close();
  await page.close();
});

test('access management: grants with source, level and names; add people from an organisation, edit a grant and set a revocation date, organisation rules, revoke; the grantee sees who shared until when and removes their own access', { timeout: 30_000 }, async () => {
  const org = /organisation (\d+)/.exec(await admin(server, 'org', 'create', '--name', 'Northside Hospital'))[1];
  await admin(server, 'user', 'create', '--email', 'tess@northside.example', '--name', 'Tess Teacher', '--password', 'correct horse battery staple');
  await admin(server, 'org', 'add-member', '--org', 'Northside Hospital', '--email', 'tess@northside.example', '--role', 'teacher');

  const { page, id } = await ownerPortfolio('Managed portfolio');
  await invite(page, id, { name: 'Ann Assessor', email: 'ann@school.example' });
  await page.click(`a[href="#/p/${encodeURIComponent(id)}"]`);
  await page.click('#open-access');
  await page.waitForSelector('#access-title');
  await page.waitForSelector('table.grants td:has-text("invitation")');
  assert.match(await page.textContent('table.grants'), /Comment/);

  // Add a person picked from the organisation's teachers (organisations and roles come from the server).
  await page.selectOption('#people-org', org);
  await page.selectOption('#people-role', 'teacher');
  await page.click('#people-find');
  await page.check('#people-list input[name=person]');
  await page.selectOption('#people-level', 'comment');
  await page.click('#people-add');
  await page.waitForSelector('table.grants td:has-text("given directly")');

  // The grant names the person, not their account number.
  const row = page.locator('table.grants tbody tr', { hasText: 'given directly' });
  assert.match(await row.textContent(), /Tess Teacher/);
  // An automatic revocation date on that grant.
  await row.locator('summary').click();
  await row.locator('input[data-end-grant]').fill('2099-12-31');
  await row.getByRole('button', { name: 'Save' }).click();
  await page.waitForSelector('[role=status]:has-text("Revocation date set")');
  await page.waitForSelector('table.grants tr:has-text("given directly"):has-text("2099")');
  // Edit its level and let her share it on.
  const again = page.locator('table.grants tbody tr', { hasText: 'given directly' });
  await again.locator('summary').click();
  await again.locator('select').selectOption('write');
  await again.getByLabel('May share').check();
  await screenshot(page, 'app-access-edit-grant');
  await again.getByRole('button', { name: 'Save' }).click();
  await page.waitForSelector('[role=status]:has-text("Access changed")');
  await page.waitForSelector('table.grants tr:has-text("given directly"):has-text("Write")');

  // An organisation rule for present and future teachers, then revoke it.
  await page.selectOption('#rule-org', org);
  await page.selectOption('#rule-role', 'teacher');
  await page.click('#rule-add');
  await page.waitForSelector('table.grants td:has-text("organisation rule")');
  await screenshot(page, 'app-access');
  await page.locator('table.grants tbody tr', { hasText: 'organisation rule' }).locator('button[data-revoke-grant]').click();
  await page.waitForFunction(() => !document.querySelector('table.grants')?.textContent?.includes('organisation rule'));
  await page.waitForSelector('#requests:has-text("No pending requests")');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'app-access-390');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The teacher finds it under "shared with me" and removes their own access.
  const tctx = await browser.newContext();
  const tp = await openApp(tctx, server);
  tp.on('dialog', (d) => d.accept());
  await signIn(tp, 'tess@northside.example', 'correct horse battery staple');
  await tp.waitForSelector('ul[aria-label="Shared with me"] a:has-text("Managed portfolio")');
  const card = tp.locator('ul[aria-label="Shared with me"] li', { hasText: 'Managed portfolio' });
  assert.match(await card.locator('dd.level').textContent(), /Write/);
  assert.match(await card.locator('dd.until').textContent(), /2099/);
  const by = await card.locator('dd.shared-by').textContent();
  assert.ok(by && !by.includes('#'), `who shared it is named: ${by}`);
  await screenshot(tp, 'app-dashboard-shared');
  await tp.click('ul[aria-label="Shared with me"] button:has-text("Remove my access")');
  await tp.waitForSelector('[role=status]:has-text("Your access was removed")');
  assert.equal(await tp.isVisible('ul[aria-label="Shared with me"] a:has-text("Managed portfolio")'), false);
  await tctx.close();
  await page.reload();
  await page.waitForSelector('#access-title');
  assert.equal(await page.isVisible('table.grants td:has-text("given directly")'), false);
  await page.close();
});
