// The feedback panel end to end, in real Chromium against a real server:
// a peer's comment appears live on the owner's open page (two browser
// contexts); the owner invites an external with hide-feedback to one
// collection → the mail reaches a real SMTP sink → the external signs in
// with the mailed code → sees only that collection, the owner's feedback and
// not a peer's (nor the owner's reply in the peer's thread) → leaves
// feedback → the owner sees it live with the external's organisation name
// and logo.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, createPortfolio, externalSignIn, logoPng, openApp, signIn } from './app-helpers.mjs';
import { startSmtpSink } from './smtp-sink.mjs';

const PASSWORD = 'correct horse battery staple';
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

/** Calls the API from a signed-in page (with its CSRF token). */
async function apiFrom(page, method, path, body, contentType = 'application/json') {
  return page.evaluate(async ({ method, path, body, contentType }) => {
    const me = await (await fetch('/api/me')).json();
    const payload = body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : new Uint8Array(body);
    const res = await fetch(path, { method, headers: { 'content-type': contentType, 'x-csrf-token': me.csrf_token }, body: payload });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }, { method, path, body, contentType });
}

let people = 0;
/** A new account signed in in its own browser context. */
async function person(name) {
  people += 1;
  const email = `peer${people}@school.example`;
  const out = await admin(server, 'user', 'create', '--email', email, '--name', name, '--password', PASSWORD);
  const id = Number(/created user (\d+)/.exec(out)[1]);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(ctx, server);
  await signIn(page, email, PASSWORD);
  return { id, ctx, page };
}

function pageUrl(id, node) {
  return `#/p/${encodeURIComponent(id)}?node=${encodeURIComponent(node)}`;
}

/** Adds a collection with one page through the outline; returns their node ids. */
async function collectionWithPage(page, collection, title) {
  await page.fill('input.new-collection', collection);
  await page.keyboard.press('Enter');
  const li = page.locator('li.kind-collection', { has: page.locator(`.title:text-is("${collection}")`) });
  await li.waitFor();
  await li.locator('button.add-page').first().click();
  await page.fill('input.new-page', title);
  await page.keyboard.press('Enter');
  const link = page.locator('li.kind-page a.title', { hasText: title });
  await link.waitFor();
  const pageNode = await page.locator('li.kind-page', { has: page.locator('a.title', { hasText: title }) }).getAttribute('data-node');
  const collectionNode = await li.getAttribute('data-node');
  return { collectionNode, pageNode };
}

async function ownerPortfolio(title) {
  const page = await openApp(owner, server);
  page.on('dialog', (d) => d.accept());
  await page.waitForSelector('#mine-title');
  const id = await createPortfolio(page, title);
  await page.waitForSelector('#live-status.live-online');
  return { page, id };
}

/** Starts a thread (a comment) on the page from the panel's composer. */
async function comment(page, text) {
  await page.waitForSelector('#fb-new textarea');
  await page.fill('#fb-new textarea', text);
  await page.click('#fb-new button.fb-post');
  await page.waitForSelector(`.fb-entry:has-text("${text}")`);
}

test('a peer’s comment appears live on the owner’s open page, and the owner replies and resolves', { timeout: 60_000 }, async () => {
  const { page: o, id } = await ownerPortfolio('Feedback live');
  const { pageNode } = await collectionWithPage(o, 'Internship', 'Week 1');
  await o.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await o.waitForSelector('#page-title:has-text("Week 1")');
  await o.waitForSelector('#fb-none');

  const peer = await person('Pia Peer');
  const r = await apiFrom(o, 'POST', `/api/portfolios/${encodeURIComponent(id)}/access`, { users: [peer.id], level: 'comment' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  await peer.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await peer.page.waitForSelector('#page-title:has-text("Week 1")');
  assert.equal(await peer.page.isVisible('#fb-only-own'), false, 'no hide-feedback notice for a peer without it');
  const t0 = Date.now();
  await comment(peer.page, 'Nice first week, Pia here');
  // Live: no reload on the owner's side.
  await o.waitForSelector('.fb-entry:has-text("Nice first week, Pia here")', { timeout: 5_000 });
  assert.ok(Date.now() - t0 < 5_000);
  const entry = o.locator('.fb-entry', { hasText: 'Nice first week, Pia here' });
  assert.match(await entry.locator('.fb-author').textContent(), /Pia Peer/);
  // The owner may reply and resolve; not edit or delete someone else's entry.
  assert.equal(await entry.locator('button.fb-edit').count(), 0);
  await entry.locator('button.fb-reply').click();
  await o.keyboard.type('Thanks Pia!');
  await o.keyboard.press('Tab');
  await o.keyboard.press('Enter');
  await peer.page.waitForSelector('.fb-replies .fb-entry:has-text("Thanks Pia!")', { timeout: 5_000 });
  await o.click('button.fb-resolve');
  await peer.page.waitForSelector('.fb-thread .fb-state.fb-resolved', { timeout: 5_000 });
  // The peer edits their own entry; the owner sees the edit.
  const mine = peer.page.locator('.fb-entry', { hasText: 'Nice first week, Pia here' }).first();
  await mine.locator('button.fb-edit').first().click();
  await peer.page.fill('.fb-inline textarea', 'Nice first week! (Pia)');
  await peer.page.click('.fb-inline button[type=submit]');
  await o.waitForSelector('.fb-entry:has-text("Nice first week! (Pia)")', { timeout: 5_000 });
  // A thread about a section: the owner adds one, and comments on it.
  await o.click('button.add-section');
  await o.waitForSelector('.node-section input.node-title:focus');
  await o.keyboard.type('Goals');
  await o.keyboard.press('Tab');
  const about = o.locator('#fb-new select[id^="fb-anchor"]');
  await o.waitForFunction(() => [...document.querySelectorAll('#fb-new select[id^="fb-anchor"] option')].some((x) => x.textContent === '– Goals'));
  await about.selectOption({ label: '– Goals' });
  await o.fill('#fb-new textarea', 'Make the goals measurable');
  await o.click('#fb-new button.fb-post');
  const sectionThread = peer.page.locator('.fb-thread', { hasText: 'Make the goals measurable' });
  await sectionThread.waitFor({ timeout: 5_000 });
  assert.match(await sectionThread.locator('.fb-about').textContent(), /Goals/);
  await screenshot(o, 'app-feedback-owner-live');
  // A reader (Read, not Comment) sees the feedback and is offered no way to add to it.
  const reader = await person('Rob Reader');
  const rg = await apiFrom(o, 'POST', `/api/portfolios/${encodeURIComponent(id)}/access`, { users: [reader.id], level: 'read' });
  assert.equal(rg.status, 201, JSON.stringify(rg.body));
  await reader.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await reader.page.waitForSelector('.fb-entry:has-text("Nice first week! (Pia)")');
  await reader.page.waitForSelector('#fb-read-only');
  assert.equal(await reader.page.locator('#fb-new').count(), 0);
  assert.equal(await reader.page.locator('#feedback-panel button').count(), 0, 'no reply, edit, delete, resolve or evaluate');
  await reader.ctx.close();
  await peer.ctx.close();
  await o.close();
});

test('an external with hide-feedback, invited by mail to one collection, sees only that and the owner’s feedback; the owner sees theirs with the organisation and logo', { timeout: 90_000 }, async () => {
  const orgOut = await admin(server, 'org', 'create', '--name', 'Northside Hospital');
  const org = /organisation (\d+)/.exec(orgOut)[1];
  const { page: o, id } = await ownerPortfolio('Feedback external');
  const logo = await apiFrom(o, 'PUT', `/api/admin/orgs/${org}/logo`, [...logoPng([200, 30, 60])], 'image/png');
  assert.equal(logo.status, 200, JSON.stringify(logo.body));
  const shared = await collectionWithPage(o, 'Internship', 'Ward rounds');
  const other = await collectionWithPage(o, 'Private', 'Diary');

  // A peer's thread on the shared page, with the owner's reply in it; and the owner's own thread.
  const peer = await person('Piet Peer');
  const g = await apiFrom(o, 'POST', `/api/portfolios/${encodeURIComponent(id)}/access`, { users: [peer.id], level: 'comment' });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  await peer.page.goto(`${server.url}/${pageUrl(id, shared.pageNode)}`);
  await comment(peer.page, 'Peer says: hidden from externals');
  await peer.ctx.close();
  await o.goto(`${server.url}/${pageUrl(id, shared.pageNode)}`);
  await o.waitForSelector('.fb-entry:has-text("Peer says: hidden from externals")');
  await o.locator('.fb-entry', { hasText: 'Peer says' }).locator('button.fb-reply').click();
  await o.keyboard.type('Owner reply in the peer thread');
  await o.click('.fb-inline button[type=submit]');
  await o.waitForSelector('.fb-entry:has-text("Owner reply in the peer thread")');
  await comment(o, 'Owner note: please check the ward round log');
  // An evaluation from the owner, too.
  await o.selectOption('#fb-new select[id^="fb-kind"]', 'evaluation');
  await o.fill('#fb-new input[id^="fb-crit"]', 'Communication');
  await o.selectOption('#fb-new select[id^="fb-level"]', 'proficient');
  await o.fill('#fb-new textarea', 'Clear handovers');
  await o.click('#fb-new button.fb-post');
  await o.waitForSelector('.fb-evaluation .fb-criterion:has-text("Communication")');

  // The invitation: one collection, hide-feedback, the organisation.
  await o.click('#open-share');
  await o.waitForSelector('#share-title');
  const email = 'sam@northside.example';
  await o.fill('#inv-name', 'Sam Supervisor');
  await o.fill('#inv-email', email);
  await o.fill('#inv-role', 'supervisor');
  await o.fill('#inv-org', 'Northside Hospital');
  await o.selectOption('#inv-level', 'comment');
  await o.check('#inv-hide');
  await o.check('#inv-scope-some');
  await o.check(`input[data-node="${shared.collectionNode}"]`);
  await o.click('#inv-submit');
  await o.waitForSelector(`table.invitations td:has-text("${email}")`);
  const mail = await sink.waitFor((m) => m.to.includes(email) && m.body.includes('/invite/'));
  const secret = /\/invite\/(fi_[A-Za-z0-9_-]+)/.exec(mail.body)[1];
  // The owner goes back to the page and keeps it open.
  await o.goto(`${server.url}/${pageUrl(id, shared.pageNode)}`);
  await o.waitForSelector('.fb-entry:has-text("Owner note: please check the ward round log")');

  // The external signs in with the mailed code, on a phone-sized screen.
  const { ctx: ext, page: e } = await externalSignIn({
    browser, server, sink, secret, email, viewport: { width: 390, height: 844 }, isMobile: true,
  });
  // Only the shared collection.
  await e.waitForSelector('li.kind-page a.title:has-text("Ward rounds")');
  assert.equal(await e.locator('li.kind-page a.title', { hasText: 'Diary' }).count(), 0);
  assert.equal(await e.locator(`[data-node="${other.collectionNode}"]`).count(), 0);
  await e.goto(`${server.url}/${pageUrl(id, shared.pageNode)}`);
  await e.waitForSelector('#page-title:has-text("Ward rounds")');
  // The hide-feedback rule, visibly: the notice, the owner's thread, not the peer's (nor the owner's reply there).
  await e.waitForSelector('#fb-only-own:not([hidden])');
  await e.waitForSelector('.fb-entry:has-text("Owner note: please check the ward round log")');
  await e.waitForSelector('.fb-evaluation .fb-criterion:has-text("Communication")');
  const seen = await e.textContent('#feedback-panel');
  assert.ok(!seen.includes('Peer says'), 'the peer’s feedback is hidden');
  assert.ok(!seen.includes('Owner reply in the peer thread'), 'the owner’s reply in the peer’s thread is hidden');
  // The external's feedback, then the owner sees it live with the organisation's name and logo.
  await comment(e, 'Sam: good clinical reasoning on rounds');
  const theirs = e.locator('.fb-entry', { hasText: 'Sam: good clinical reasoning' });
  await theirs.locator('.fb-org-name:has-text("Northside Hospital")').waitFor();
  await screenshot(e, 'app-feedback-external-390');

  const entry = o.locator('.fb-entry', { hasText: 'Sam: good clinical reasoning on rounds' });
  await entry.waitFor({ timeout: 5_000 });
  await entry.locator('.fb-org-name:has-text("Northside Hospital")').waitFor();
  assert.match(await entry.locator('.fb-author').textContent(), /Sam Supervisor/);
  assert.match(await entry.locator('.fb-role').first().textContent(), /supervisor/);
  const img = entry.locator('img.fb-logo');
  assert.equal(await img.getAttribute('alt'), 'Logo of Northside Hospital');
  await o.waitForFunction(() => {
    const i = document.querySelector('.fb-entry img.fb-logo');
    return i instanceof HTMLImageElement && i.complete && i.naturalWidth === 32;
  });
  await screenshot(o, 'app-feedback-owner');
  await o.setViewportSize({ width: 390, height: 844 });
  await screenshot(o, 'app-feedback-owner-390');
  await ext.close();
  await o.close();
});
