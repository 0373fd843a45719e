// The portfolio editor end to end, in real Chromium against a real server:
// the owner builds the outline with the engine-gated controls; two browser
// contexts co-edit a page and each sees the other's typing within 1 s; the
// owner revokes a visitor and the visitor's open page shows at once that
// access ended; a user whose Write grant expired while they typed offline
// gets the refusal notice and keeps the text; a read-only visitor is offered
// no outline or page controls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, createPortfolio, openApp, signIn } from './app-helpers.mjs';

const PASSWORD = 'correct horse battery staple';
let server;
let browser;
let owner;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  owner = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(owner, server);
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

let people = 0;
/** A new account signed in in its own browser context; returns its id and page. */
async function person(name, viewport = { width: 1280, height: 900 }) {
  people += 1;
  const email = `person${people}@school.example`;
  const out = await admin(server, 'user', 'create', '--email', email, '--name', name, '--password', PASSWORD);
  const id = Number(/created user (\d+)/.exec(out)[1]);
  const ctx = await browser.newContext({ viewport });
  const page = await openApp(ctx, server);
  await signIn(page, email, PASSWORD);
  return { id, ctx, page };
}

/** Calls the API from a signed-in page (with its CSRF token). */
async function apiFrom(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const me = await (await fetch('/api/me')).json();
    const res = await fetch(path, {
      method, headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }, { method, path, body });
}

async function grant(page, portfolio, users, level, extra = {}) {
  const r = await apiFrom(page, 'POST', `/api/portfolios/${encodeURIComponent(portfolio)}/access`, { users, level, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** The owner makes a portfolio with one collection and one page through the outline; returns ids. */
async function ownerWithPage(title) {
  const page = await openApp(owner, server);
  page.on('dialog', (d) => d.accept());
  await page.waitForSelector('#mine-title');
  const id = await createPortfolio(page, title);
  await page.waitForSelector('#live-status.live-online');
  await page.fill('input.new-collection', 'Internship');
  await page.keyboard.press('Enter');
  await page.waitForSelector('li.kind-collection .title:has-text("Internship")');
  await page.click('li.kind-collection button.add-page');
  await page.fill('input.new-page', 'Week 1');
  await page.keyboard.press('Enter');
  const link = page.locator('li.kind-page a.title', { hasText: 'Week 1' });
  await link.waitFor();
  const pageNode = await page.getAttribute('li.kind-page', 'data-node');
  await link.click();
  await page.waitForSelector('#page-title:has-text("Week 1")');
  return { page, id, pageNode };
}

/**
 * Selects the last `n` characters of the caret's line with Shift+ArrowLeft, as
 * a person would, and checks the page's selection is `expected`. The text box
 * redraws when the server's answers arrive (a policy push after a new section,
 * another person's typing); a redraw keeps the live selection and its
 * direction (editor/textbox.ts), so no retry is needed: a failure here is a bug.
 */
async function selectLast(page, n, expected) {
  await page.keyboard.press('End');
  await page.keyboard.down('Shift');
  for (let i = 0; i < n; i++) await page.keyboard.press('ArrowLeft');
  await page.keyboard.up('Shift');
  assert.equal(await page.evaluate(() => String(document.getSelection())), expected, 'the selection made with Shift+ArrowLeft');
}

function pageUrl(id, node) {
  return `#/p/${encodeURIComponent(id)}?node=${encodeURIComponent(node)}`;
}

test('the owner builds the outline: add, rename, reorder and delete collections and pages, add a section and format text', { timeout: 60_000 }, async () => {
  const { page, id } = await ownerWithPage('Outline portfolio');
  // A second collection, then reorder with the keyboard-reachable buttons.
  await page.fill('input.new-collection', 'Reflections');
  await page.keyboard.press('Enter');
  await page.waitForSelector('li.kind-collection .title:has-text("Reflections")');
  const titles = () => page.$$eval('li.kind-collection > .row .title', (els) => els.map((e) => e.textContent));
  assert.deepEqual(await titles(), ['Internship', 'Reflections']);
  await page.focus('button.move-up[aria-label$="Reflections"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('li.kind-collection .title')?.textContent === 'Reflections');
  assert.deepEqual(await titles(), ['Reflections', 'Internship']);
  // Rename, then delete.
  await page.click('button.rename[aria-label$="Reflections"]');
  await page.fill('input.rename-input', 'Looking back');
  await page.keyboard.press('Enter');
  await page.waitForSelector('li.kind-collection .title:has-text("Looking back")');
  await page.click('button.delete[aria-label$="Looking back"]');
  await page.waitForFunction(() => ![...document.querySelectorAll('li.kind-collection .title')].some((e) => e.textContent === 'Looking back'));

  // A section with formatted text.
  await page.click('button.add-section');
  await page.waitForSelector('.node-section input.node-title:focus');
  await page.keyboard.type('Goals');
  await page.keyboard.press('Tab');
  await page.click('.node-section .rich');
  await page.keyboard.type('Learn to triage');
  await selectLast(page, 6, 'triage');
  await page.keyboard.press('Control+b');
  await page.waitForSelector('.node-section .rich strong:has-text("triage")');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Second paragraph');
  await page.waitForFunction(() => document.querySelectorAll('.node-section .rich .blk').length === 2);
  await page.selectOption('.node-section select.block-type', 'h2');
  await page.waitForSelector('.node-section .rich h3.blk-heading:has-text("Second paragraph")');
  assert.equal(await page.textContent('.node-section .rich'), 'Learn to triageSecond paragraph');
  // A bulleted list that continues on Enter, an italic word, a link (Ctrl+K).
  await page.click('.node-section .rich h3');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('item one');
  await page.selectOption('.node-section select.block-type', 'ul');
  await page.waitForSelector('.node-section .rich ul li:has-text("item one")');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('item two');
  await page.waitForSelector('.node-section .rich ul li:nth-child(2):has-text("item two")');
  await selectLast(page, 3, 'two');
  await page.keyboard.press('Control+i');
  await page.waitForSelector('.node-section .rich li em:has-text("two")');
  await page.keyboard.press('Control+k');
  await page.waitForSelector('.node-section .link-input:focus');
  await page.keyboard.type('https://example.org/two');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.node-section .rich a[href="https://example.org/two"]:has-text("two")');
  // A link the document refuses (not http, https or mailto) is explained; the text stays.
  await page.click('.node-section .rich li:nth-child(2) a');
  await page.keyboard.down('Shift');
  await page.keyboard.press('Home');
  await page.keyboard.up('Shift');
  await page.keyboard.press('Control+k');
  await page.waitForSelector('.node-section .link-input:focus');
  await page.fill('.node-section .link-input', 'javascript:alert(1)');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#page-error:has-text("not an http, https or mailto address")');
  assert.equal(await page.textContent('.node-section .rich li:nth-child(2)'), 'item two');
  await page.keyboard.press('Escape');
  // Backspace at the start of a block joins it to the one before.
  await page.click('.node-section .rich li:nth-child(2)');
  await page.keyboard.press('Home');
  await page.keyboard.press('Backspace');
  await page.waitForSelector('.node-section .rich li:has-text("item oneitem two")');
  assert.equal(await page.textContent('#page-error'), '', 'the message went away with the next edit that worked');
  // Pasting two lines: the second becomes a block of its own (plain text only).
  await page.keyboard.press('End');
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/plain', ' pasted\nnew line');
    dt.setData('text/html', '<b>ignored</b>');
    document.querySelector('.node-section .rich').dispatchEvent(new InputEvent('beforeinput', { inputType: 'insertFromPaste', dataTransfer: dt, cancelable: true, bubbles: true }));
  });
  await page.waitForSelector('.node-section .rich li:has-text("item oneitem two pasted") + li:has-text("new line")');

  // Submit the page, then withdraw the submission.
  await page.click('#submit-page');
  await page.waitForSelector('#page-state:has-text("Submitted on")');
  await page.click('#withdraw-page');
  await page.waitForSelector('#page-state:has-text("Not submitted yet")');
  const refusal = await page.$('.refusal');
  assert.equal(refusal, null, `the server accepted every edit${refusal ? `: ${await refusal.textContent()}` : ''}`);
  // It is all in the documents: a fresh load shows the same.
  await page.reload();
  await page.waitForSelector('.node-section .rich strong:has-text("triage")');
  assert.equal(await page.inputValue('.node-section input.node-title'), 'Goals');
  await screenshot(page, 'app-editor-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'app-editor-390');
  // In Dutch, too.
  await page.selectOption('#lang', 'nl');
  await page.waitForSelector('button.add-section:has-text("Sectie toevoegen")');
  await page.waitForSelector('#outline button.rename:has-text("Hernoemen")');
  await screenshot(page, 'app-editor-nl-390');
  await page.selectOption('#lang', 'en');
  await page.waitForSelector('button.add-section:has-text("Add section")');
  await page.close();
  assert.ok(id);
});

test('two browser contexts co-edit a page and each sees the other’s typing within 1 s, with presence and cursors', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Shared page');
  await a.click('button.add-section');
  await a.waitForSelector('.node-section .rich[contenteditable="true"]');
  await a.click('.node-section .rich');
  await a.keyboard.type('Ada: ');

  const bob = await person('Bob Peer');
  await grant(a, id, [bob.id], 'write');
  await bob.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await bob.page.waitForSelector('.node-section .rich:has-text("Ada:")');
  await a.waitForSelector('#presence:has-text("Bob Peer")');
  await bob.page.waitForSelector('#presence:has-text("Admin")');

  // Bob types at the end; Ada sees it within 1 s, and her caret stays put.
  await bob.page.click('.node-section .rich');
  await bob.page.keyboard.press('End');
  let t0 = Date.now();
  await bob.page.keyboard.type('hello from Bob');
  await a.waitForSelector('.node-section .rich:has-text("hello from Bob")', { timeout: 1_000 + 14 * 50 });
  assert.ok(Date.now() - t0 < 1_000 + 14 * 50);
  // Ada types where her caret was (after "Ada: "), in the middle of Bob's text stream.
  t0 = Date.now();
  await a.keyboard.type('hi Bob! ');
  await bob.page.waitForSelector('.node-section .rich:has-text("Ada: hi Bob! hello from Bob")', { timeout: 1_000 + 8 * 50 });
  assert.equal((await a.textContent('.node-section .rich')).trim(), 'Ada: hi Bob! hello from Bob');
  // Bob starts a new paragraph above Ada's caret; her caret stays on its character.
  await bob.page.keyboard.press('Home');
  await bob.page.keyboard.press('Enter');
  await a.waitForFunction(() => document.querySelectorAll('.node-section .rich .blk').length === 2);
  await a.keyboard.type('X');
  await bob.page.waitForSelector('.node-section .rich .blk:nth-child(2):has-text("Ada: hi Bob! Xhello from Bob")', { timeout: 2_000 });
  // Bob's cursor shows on Ada's screen.
  await a.waitForSelector('.node-section .remote-caret:has-text("Bob Peer")');
  await screenshot(a, 'app-editor-coedit');
  // The owner deletes the page: Bob's open page says it is gone.
  await a.click('#outline button.delete[aria-label$="Week 1"]');
  await bob.page.waitForSelector('#page-gone', { timeout: 2_000 });
  assert.equal(await bob.page.isVisible('.page-editor'), false);
  await bob.ctx.close();
  await a.close();
});

test('another person’s edit before a selection redraws the text but keeps the selection, its direction, and what formatting applies to', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Selection page');
  await a.click('button.add-section');
  await a.waitForSelector('.node-section .rich[contenteditable="true"]');
  await a.click('.node-section .rich');
  await a.keyboard.type('alpha beta gamma');
  const bob = await person('Bea Peer');
  await grant(a, id, [bob.id], 'write');
  await bob.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await bob.page.waitForSelector('.node-section .rich:has-text("alpha beta gamma")');
  await a.waitForSelector('#presence:has-text("Bea Peer")');

  // Ada selects "ma" backwards (Shift+ArrowLeft from the end).
  await a.click('.node-section .rich');
  await selectLast(a, 2, 'ma');
  // Bea types at the start of the same text: Ada's box is redrawn from the document.
  await bob.page.click('.node-section .rich');
  await bob.page.keyboard.press('Home');
  await bob.page.keyboard.type('X ');
  await a.waitForSelector('.node-section .rich:has-text("X alpha beta gamma")');
  // Ada's selection is still on the same characters, still focused at its start…
  assert.equal(await a.evaluate(() => String(document.getSelection())), 'ma');
  const ends = await a.evaluate(() => {
    const s = document.getSelection();
    return { backward: s.anchorNode === s.focusNode ? s.focusOffset < s.anchorOffset : null, focused: document.activeElement?.classList.contains('rich') };
  });
  assert.deepEqual(ends, { backward: true, focused: true });
  // …so Shift+ArrowLeft goes on extending it at the start, and Ctrl+I italicises exactly that.
  await a.keyboard.down('Shift');
  for (let i = 0; i < 3; i++) await a.keyboard.press('ArrowLeft');
  await a.keyboard.up('Shift');
  assert.equal(await a.evaluate(() => String(document.getSelection())), 'gamma');
  await a.keyboard.press('Control+i');
  await a.waitForSelector('.node-section .rich em');
  assert.deepEqual(await a.$$eval('.node-section .rich em', (els) => els.map((e) => e.textContent)), ['gamma']);
  await bob.page.waitForSelector('.node-section .rich em:has-text("gamma")');
  assert.equal((await bob.page.textContent('.node-section .rich')).trim(), 'X alpha beta gamma');
  // The selection survives the formatting too, in the same direction.
  assert.equal(await a.evaluate(() => String(document.getSelection())), 'gamma');
  await a.keyboard.down('Shift');
  await a.keyboard.press('ArrowLeft');
  await a.keyboard.up('Shift');
  assert.equal(await a.evaluate(() => String(document.getSelection())), ' gamma');
  await bob.ctx.close();
  await a.close();
});

test('the owner revokes a visitor: the visitor’s open page shows within 2 s that access ended', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Revoked visit');
  const vic = await person('Vic Visitor', { width: 390, height: 844 });
  const [g] = await grant(a, id, [vic.id], 'comment');
  await vic.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await vic.page.waitForSelector('#page-title:has-text("Week 1")');
  const r = await apiFrom(a, 'DELETE', `/api/portfolios/${encodeURIComponent(id)}/access/${g.id}`);
  assert.ok(r.status < 300, JSON.stringify(r));
  const t0 = Date.now();
  await vic.page.waitForSelector('#access-status:has-text("no longer have access")', { timeout: 2_000 });
  assert.ok(Date.now() - t0 < 2_000);
  assert.equal(await vic.page.isVisible('.page-editor'), false);
  await screenshot(vic.page, 'app-editor-access-ended-390');
  await vic.ctx.close();
  await a.close();
});

test('a read-only visitor is offered no outline or page controls', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Read only');
  await a.click('button.add-section');
  await a.waitForSelector('.node-section .rich[contenteditable="true"]');
  await a.click('.node-section .rich');
  await a.keyboard.type('Only to read');
  const rita = await person('Rita Reader');
  await grant(a, id, [rita.id], 'read');
  await rita.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await rita.page.waitForSelector('.node-section .rich:has-text("Only to read")');
  const controls = await rita.page.$$eval(
    '#outline button, #outline input, #outline form, .page-editor button, .page-editor input, .page-editor select, .page-editor [contenteditable="true"]',
    (els) => els.length);
  assert.equal(controls, 0);
  assert.equal(await rita.page.getAttribute('.node-section .rich', 'contenteditable'), null);
  assert.equal(await rita.page.getAttribute('.node-section .rich', 'aria-readonly'), 'true');
  assert.equal(await rita.page.locator('#open-share, #open-access, #open-view-as').count(), 0, 'a reader manages nothing');
  await screenshot(rita.page, 'app-editor-read-only');
  await rita.ctx.close();

  // Someone with Manage on the portfolio (not its owner) is offered sharing,
  // access management and "view as", and the access screen answers them.
  const mo = await person('Mo Manager');
  await grant(a, id, [mo.id], 'manage');
  await mo.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await mo.page.waitForSelector('#open-access');
  assert.equal(await mo.page.locator('#open-share').count(), 1);
  assert.equal(await mo.page.locator('#open-view-as').count(), 1);
  await mo.page.click('#open-access');
  await mo.page.waitForSelector('table.grants td:has-text("Rita Reader")');
  await mo.ctx.close();

  // Someone who may read only the collection sees it (titled from the policy
  // snapshot) and its page, not the portfolio document.
  const collection = await a.getAttribute('li.kind-collection', 'data-node');
  const cleo = await person('Cleo Collection');
  await grant(a, id, [cleo.id], 'read', { node: collection });
  await cleo.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await cleo.page.waitForSelector('.node-section .rich:has-text("Only to read")');
  await cleo.page.waitForSelector('#outline li.kind-collection .title:has-text("Internship")');
  await cleo.page.waitForSelector('#outline li.kind-page a:has-text("Week 1")');
  assert.equal(await cleo.page.$$eval('#outline button, #outline form, .page-editor button', (els) => els.length), 0);
  await cleo.ctx.close();
  await a.close();
});

test('a Write grant that expired while the user typed offline: the refusal notice explains and gives the text back', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Expiring grant');
  await a.click('button.add-section');
  await a.waitForSelector('.node-section .rich');
  const eve = await person('Eve Editor');
  await grant(a, id, [eve.id], 'comment');
  // Comment on the whole portfolio; Write on the page for a few seconds only.
  const ends = Date.now() + 6_000;
  await grant(a, id, [eve.id], 'write', { node: pageNode, end: ends });
  await eve.page.goto(`${server.url}/${pageUrl(id, pageNode)}`);
  await eve.page.waitForSelector('.node-section .rich[contenteditable="true"]');

  await eve.ctx.setOffline(true);
  await eve.page.waitForSelector('#live-status.live-offline');
  await eve.page.click('#outline button.rename[aria-label$="Week 1"]');
  await eve.page.fill('#outline input.rename-input', 'Train notes');
  await eve.page.keyboard.press('Enter');
  await eve.page.waitForSelector('#outline li.kind-page a:has-text("Train notes")');
  await eve.page.click('.node-section .rich');
  await eve.page.keyboard.type('Typed on the train');
  await screenshot(eve.page, 'app-editor-offline');
  await new Promise((r) => setTimeout(r, Math.max(0, ends - Date.now() + 1_500)));
  await eve.ctx.setOffline(false);

  await eve.page.waitForSelector('.page-editor .refusal', { timeout: 10_000 });
  // The outline's refused rename has its own notice, with the title typed.
  await eve.page.waitForSelector('#outline-notices .refusal');
  assert.equal(await eve.page.inputValue('#outline-notices .refusal textarea'), 'Train notes');
  await eve.page.waitForSelector('#outline li.kind-page a:has-text("Week 1")');
  assert.match(await eve.page.textContent('.page-editor .refusal .reasons'), /write access to “Week 1”|write access to “untitled”/);
  assert.equal(await eve.page.inputValue('.page-editor .refusal textarea'), 'Typed on the train');
  await screenshot(eve.page, 'app-editor-refused');
  // Copy it…
  await eve.ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await eve.page.click('.page-editor .refusal button.refusal-copy');
  await eve.page.waitForSelector('.page-editor .refusal [role=status]:has-text("Copied")');
  assert.equal(await eve.page.evaluate(() => navigator.clipboard.readText()), 'Typed on the train');
  // …or keep it as a private note.
  await eve.page.click('.page-editor .refusal button.refusal-keep');
  await eve.page.waitForSelector('#private-notes pre:has-text("Typed on the train")');
  // The page itself is back to the server's state, and no longer editable.
  await eve.page.waitForSelector('.node-section .rich[aria-readonly="true"]');
  assert.equal(await eve.page.isVisible('#outline button.rename'), false, 'the page can no longer be renamed');
  assert.equal((await eve.page.textContent('.node-section .rich')).includes('train'), false);
  // The note survives a reload (kept in this browser).
  await eve.page.reload();
  await eve.page.waitForSelector('#private-notes pre:has-text("Typed on the train")');
  await eve.ctx.close();
  await a.close();
});

test('edits made offline sync on reconnect, even when the tab was closed meanwhile', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Offline edits');
  await a.click('button.add-section');
  await a.waitForSelector('.node-section .rich[contenteditable="true"]');
  const olga = await person('Olga Offline');
  await grant(a, id, [olga.id], 'write');
  const url = `${server.url}/${pageUrl(id, pageNode)}`;
  await olga.page.goto(url);
  await olga.page.waitForSelector('.node-section .rich[contenteditable="true"]');

  // Offline: the indicator says so, typing goes on.
  await olga.ctx.setOffline(true);
  await olga.page.waitForSelector('#live-status.live-offline:has-text("Offline")');
  await olga.page.click('.node-section .rich');
  await olga.page.keyboard.type('first offline line');
  await olga.ctx.setOffline(false);
  await a.waitForSelector('.node-section .rich:has-text("first offline line")', { timeout: 10_000 });

  // Offline again, and the tab is closed before the network returns.
  await olga.ctx.setOffline(true);
  await olga.page.waitForSelector('#live-status.live-offline');
  await olga.page.click('.node-section .rich');
  await olga.page.keyboard.press('End');
  await olga.page.keyboard.type(' + kept while the tab was closed');
  await olga.page.close();
  await olga.ctx.setOffline(false);
  const again = await openApp(olga.ctx, server, pageUrl(id, pageNode));
  await again.waitForSelector('.node-section .rich:has-text("kept while the tab was closed")');
  await a.waitForSelector('.node-section .rich:has-text("first offline line + kept while the tab was closed")', { timeout: 10_000 });
  await olga.ctx.close();
  await a.close();
});

test('attachments: upload an image and a PDF into a section, see the previews, download the file back', { timeout: 60_000 }, async () => {
  const { page, id } = await ownerWithPage('Attachments');
  await page.click('button.add-section');
  await page.waitForSelector('.node-section input.node-title:focus');
  await page.keyboard.type('Evidence');
  // A 1×1 PNG and a tiny PDF.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
  const pdf = Buffer.from('%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
  await page.setInputFiles('.node-section input[type=file]', { name: 'badge.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('.node-file img.preview[alt="badge.png"]');
  await page.waitForFunction(() => document.querySelector('.node-file img.preview')?.naturalWidth === 1);
  await page.setInputFiles('.node-section input[type=file]', { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.waitForSelector('.node-file object.preview.pdf');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.node-file a[download="badge.png"]')]);
  assert.equal(download.suggestedFilename(), 'badge.png');
  const saved = await download.path();
  const { readFileSync } = await import('node:fs');
  assert.deepEqual(readFileSync(saved), png);
  await screenshot(page, 'app-editor-attachments');
  await page.close();
  assert.ok(id);
});

test('a level-4 link opens a page read-only and live, without login and without controls', { timeout: 60_000 }, async () => {
  const { page: a, id, pageNode } = await ownerWithPage('Linked page');
  await a.click('button.add-section');
  await a.waitForSelector('.node-section .rich[contenteditable="true"]');
  await a.click('.node-section .rich');
  await a.keyboard.type('For the open day.');
  const r = await apiFrom(a, 'POST', `/api/portfolios/${encodeURIComponent(id)}/links`, { level: 4, hours: 2, label: 'open day' });
  assert.equal(r.status, 201, JSON.stringify(r.body));

  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const v = await visitor.newPage();
  v.setDefaultTimeout(15_000);
  await v.goto(`${server.url}${new URL(r.body.url, server.url).pathname}`);
  await v.waitForSelector('[data-read-only="true"]');
  await v.click(`a[href*="node=${pageNode}"]`);
  await v.waitForSelector('.node-section .rich:has-text("For the open day.")');
  // Live: the owner's next words arrive without a reload.
  await a.keyboard.type(' Welcome!');
  await v.waitForSelector('.node-section .rich:has-text("For the open day. Welcome!")', { timeout: 2_000 });
  const writable = await v.$$eval('main button, main input, main textarea, main form, main select, main [contenteditable]', (els) => els.length);
  assert.equal(writable, 0);
  assert.equal(await v.isVisible('#sign-out'), false);
  await screenshot(v, 'app-reviewer-page-390');
  await visitor.close();
  await a.close();
});
