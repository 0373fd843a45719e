// "View as" end to end: the owner shares one of two collections with an
// external, opens "view as" for that person and sees exactly the items the
// person sees when they sign in themselves (their own session in a second
// browser context); "Why?" names the grant, in English and in Dutch.
// Real server, real Chromium, real mail.
//
// Until the portfolio editor lands, the owner's collections are added the
// way the editor will add them: through folio-wasm's SyncClient over the
// owner's own /sync session, in the owner's page (the test serves web/pkg
// under /__e2e/pkg/ to that page only).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, screenshot, startServer, workspace } from './harness.mjs';
import { createPortfolio, externalSignIn, openApp, signIn } from './app-helpers.mjs';
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
  const pkg = path.join(workspace, 'web/pkg');
  await owner.route('**/__e2e/pkg/*', (route) => {
    const file = path.join(pkg, path.basename(new URL(route.request().url()).pathname));
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    return route.fulfill({ body: fs.readFileSync(file), contentType: type });
  });
  const page = await openApp(owner, server);
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await page.close();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.close();
});

/** In the owner's page: adds collections to the portfolio document through a
 * wasm SyncClient on the owner's own /sync session; resolves once the server
 * lists their documents. */
async function addCollections(page, portfolioId, collections) {
  return page.evaluate(async ({ portfolioId, collections }) => {
    const folio = await import('/__e2e/pkg/folio_wasm.js');
    await folio.default({ module_or_path: '/__e2e/pkg/folio_wasm_bg.wasm' });
    const me = await (await fetch('/api/me')).json();
    const pf = (await (await fetch('/api/portfolios')).json()).find((p) => p.id === portfolioId);
    const client = new folio.SyncClient('e2e-owner', `user:${me.id}`, crypto.getRandomValues(new Uint8Array(16)));
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/sync`);
    ws.binaryType = 'arraybuffer';
    const events = [];
    const send = (answer) => {
      if (answer.type !== 'success') throw new Error(answer.error.message);
      for (const f of answer.value.send ?? answer.value) ws.send(f);
      events.push(...(answer.value.events ?? []));
    };
    ws.onmessage = (m) => send(client.receive(new Uint8Array(m.data)));
    const until = async (ok, what) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!ok()) throw new Error(`${what} did not happen; events: ${JSON.stringify(events.map((e) => e.type))}`);
    };
    await new Promise((r) => { ws.onopen = r; });
    ws.send(client.join());
    await until(() => events.some((e) => e.type === 'connected'), 'connecting');
    send(client.find(pf.url));
    await until(() => client.status(pf.url) === 'ready', 'loading the portfolio');
    for (const [id, title] of collections) {
      const document = folio.newDocumentId(crypto.getRandomValues(new Uint8Array(16))).value;
      const r = client.edit(pf.url, { op: 'add_collection', id, title, document });
      send({ type: 'success', value: { send: r.value.send } });
    }
    const listed = async () => (await (await fetch(`/api/portfolios/${encodeURIComponent(portfolioId)}/documents`)).json())
      .filter((d) => d.role === 'collection').length;
    for (let i = 0; i < 100 && (await listed()) < collections.length; i++) await new Promise((r) => setTimeout(r, 100));
    const n = await listed();
    ws.close();
    if (events.some((e) => e.type === 'rejected')) throw new Error('the server refused the collections');
    return n;
  }, { portfolioId, collections });
}

/** The owner invites an external to the selected collections; returns the mailed secret. */
async function invite(page, { name, email, nodes }) {
  await page.click('#open-share');
  await page.waitForSelector('#share-title');
  await page.fill('#inv-name', name);
  await page.fill('#inv-email', email);
  await page.fill('#inv-role', 'supervisor');
  await page.selectOption('#inv-level', 'comment');
  await page.check('#inv-scope-some');
  for (const n of nodes) await page.check(`#inv-nodes input[data-node="${n}"]`);
  await page.click('#inv-submit');
  await page.waitForSelector(`[role=status]:has-text("${email}")`);
  const mail = await sink.waitFor((m) => m.to.includes(email) && m.body.includes('/invite/'));
  return /\/invite\/(fi_[A-Za-z0-9_-]+)/.exec(mail.body)[1];
}

/** The external signs in with the mailed code in a browser context of their own. */
function externalSession(secret, email) {
  return externalSignIn({ browser, server, sink, secret, email });
}

const ids = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.dataset.node).sort());

test('"view as" shows the owner exactly what the person sees, and "why?" names the grant', { timeout: 60_000 }, async () => {
  const page = await openApp(owner, server);
  await page.waitForSelector('#mine-title');
  const id = await createPortfolio(page, 'Placement year');
  assert.equal(await addCollections(page, id, [['col-internship', 'Internship'], ['col-private', 'Private']]), 2);
  await page.reload();
  await page.waitForSelector('#pf-title');
  const secret = await invite(page, { name: 'Sam Supervisor', email: 'sam@hospital.example', nodes: ['col-internship'] });

  // What Sam really sees, signed in as Sam.
  const sam = await externalSession(secret, 'sam@hospital.example');
  await sam.page.waitForSelector('nav.outline li[data-kind=collection]');
  const samSees = await ids(sam.page, 'nav.outline li[data-kind=collection], nav.outline li[data-kind=page]');
  const samDocs = await sam.page.evaluate(async (p) => (await (await fetch(`/api/portfolios/${encodeURIComponent(p)}/documents`)).json()).map((d) => d.node).sort(), id);
  assert.deepEqual(samSees, ['col-internship']);
  assert.deepEqual(samDocs, ['col-internship'], 'not the portfolio document, not the other collection');

  // The owner views the portfolio as Sam.
  await page.goto(`${server.url}/#/p/${encodeURIComponent(id)}`);
  await page.click('#open-view-as');
  await page.waitForSelector('#viewas-title');
  const option = await page.$eval('#viewas-who', (s) => [...s.options].find((o) => o.textContent.includes('Sam Supervisor'))?.value);
  assert.match(option, /^user=\d+$/);
  await page.selectOption('#viewas-who', option);
  await page.click('#viewas-show');
  await page.waitForSelector('#viewas-result nav.outline');
  assert.match(await page.textContent('#viewas-result-h'), /Sam Supervisor/);
  const viewed = await ids(page, '#viewas-result li[data-visible=true]');
  assert.deepEqual(viewed, samSees, 'view-as shows exactly what Sam sees');
  assert.deepEqual(viewed, samDocs);
  assert.equal(await page.getAttribute(`#viewas-result li[data-node="${id}"]`, 'data-visible'), 'false', 'the portfolio is only the way there');
  assert.equal(await page.$('#viewas-result li[data-node="col-private"]'), null, 'the other collection is not even named');
  assert.equal(await page.getAttribute('#viewas-result li[data-node="col-internship"]', 'data-level'), 'comment');
  await screenshot(page, 'app-view-as');

  // "Why?" by keyboard on the shared collection: the engine's reason, naming the grant.
  const access = await page.evaluate(async (p) => (await fetch(`/api/portfolios/${encodeURIComponent(p)}/access`)).json(), id);
  const grant = access.grants.find((g) => g.node === 'col-internship' && g.subject.type === 'user');
  await page.focus('#viewas-result li[data-node="col-internship"] > .why-button');
  await page.keyboard.press('Enter');
  const panel = '#viewas-result li[data-node="col-internship"] > .why';
  await page.waitForSelector(`${panel}:visible`);
  assert.equal(await page.getAttribute('#viewas-result li[data-node="col-internship"] > .why-button', 'aria-expanded'), 'true');
  const why = await page.textContent(panel);
  assert.match(why, /^Yes: Sam Supervisor may open collection “Internship”\. Their level here: Comment\./);
  assert.ok(why.includes(`Grant #${grant.id} gives Comment to Sam Supervisor on collection “Internship”.`), why);
  await screenshot(page, 'app-view-as-why');

  // Asking about editing: denied, with the same grant as the reason for the level.
  await page.selectOption('#viewas-action', 'write');
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent?.startsWith('No:'), panel);
  assert.match(await page.textContent(panel), /may not edit collection “Internship”/);

  // In Dutch.
  await page.selectOption('#lang', 'nl');
  await page.waitForSelector('#viewas-title:has-text("Bekijken als")');
  await page.click('#viewas-result li[data-node="col-internship"] > .why-button');
  await page.waitForSelector(`${panel}:visible`);
  assert.ok((await page.textContent(panel)).includes(`Recht #${grant.id} geeft Reageren aan Sam Supervisor`));
  await screenshot(page, 'app-view-as-why-nl');
  await page.selectOption('#lang', 'en');
  await page.waitForSelector('#viewas-title:has-text("View as")');
  await page.waitForSelector('#viewas-result');

  // The same screen at phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'app-view-as-390');
  await page.setViewportSize({ width: 1280, height: 900 });

  // A person the portfolio is not shared with is refused by the server, in words.
  await page.goto(`${server.url}/#/p/${encodeURIComponent(id)}/view-as?user=999`);
  await page.waitForSelector('#viewas-title');
  await page.waitForSelector('[role=alert]:has-text("access")');
  await sam.ctx.close();
  await page.close();
});

test('"view as" a public link shows what its visitor sees without signing in', { timeout: 60_000 }, async () => {
  const page = await openApp(owner, server);
  await page.waitForSelector('#mine-title');
  const id = await createPortfolio(page, 'Open day portfolio');
  assert.equal(await addCollections(page, id, [['col-showcase', 'Showcase'], ['col-drafts', 'Drafts']]), 2);
  await page.goto(`${server.url}/#/p/${encodeURIComponent(id)}/share?node=col-showcase`);
  await page.waitForSelector('#share-title');
  await page.selectOption('#link-level', '4');
  await page.fill('#link-label', 'Open day');
  await page.click('#link-submit');
  const url = await page.inputValue('#link-url');

  // The visitor's own view, in a context without any session.
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const v = await visitor.newPage();
  v.setDefaultTimeout(15_000);
  await v.goto(`${server.url}${new URL(url, server.url).pathname}`);
  await v.waitForSelector('[data-read-only="true"] nav.outline li');
  const visitorSees = await ids(v, 'nav.outline li');

  await page.goto(`${server.url}/#/p/${encodeURIComponent(id)}/view-as`);
  await page.waitForSelector('#viewas-title');
  await page.selectOption('#viewas-who', { label: 'the share link “Open day”' });
  await page.focus('#viewas-show');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#viewas-result nav.outline');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'viewas-result-h', 'focus moves to the answer');
  assert.deepEqual(await ids(page, '#viewas-result li[data-visible=true]'), visitorSees);
  assert.deepEqual(visitorSees, ['col-showcase']);
  await page.click('#viewas-result li[data-node="col-showcase"] > .why-button');
  const why = await page.textContent('#viewas-result li[data-node="col-showcase"] > .why');
  assert.match(why, /^Yes: the share link “Open day” may open collection “Showcase”\./);
  assert.match(why, /Grant #\d+ gives Read to the share link “Open day” on collection “Showcase”\./);
  await screenshot(page, 'app-view-as-link');
  await visitor.close();
  await page.close();
});
