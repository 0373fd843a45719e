// Moving a page to another collection, end to end in real Chromium against a
// real server: the owner builds two collections with a page, opens "Move to…"
// on the page with the keyboard (offered because the engine's `mayMove`
// allows it), picks the other collection in the labelled list, reads that
// inherited access ends, moves it, and sees the page under the other
// collection — live, and again after a reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { createPortfolio, openApp, signIn } from './app-helpers.mjs';

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

/** The outline as { collection title: [page titles] }. */
function outlineOf() {
  const out = {};
  for (const c of document.querySelectorAll('li.kind-collection')) {
    const title = c.querySelector(':scope > .row .title, :scope > .row-moving > .row .title')?.textContent;
    out[title] = [...c.querySelectorAll('li.kind-page .title')].map((e) => e.textContent);
  }
  return out;
}

/** Waits until the outline is `expected` (documents arrive one by one, and a
 * document created here may be offered again on a fresh connection). */
async function outlineBecomes(page, expected) {
  const want = JSON.stringify(expected);
  try {
    await page.waitForFunction(`JSON.stringify((${outlineOf.toString()})()) === ${JSON.stringify(want)}`);
  } catch (e) {
    throw new Error(`the outline stayed ${JSON.stringify(await page.evaluate(outlineOf))}, expected ${want}: ${e.message}`);
  }
}

test('the owner moves a page to another collection with the keyboard, and it stays there after a reload', { timeout: 90_000 }, async () => {
  const page = await openApp(owner, server);
  await page.waitForSelector('#mine-title');
  const id = await createPortfolio(page, 'Moving portfolio');
  await page.waitForSelector('#live-status.live-online');
  for (const title of ['Internship', 'Reflections']) {
    // A redraw (the server's answer to the previous edit) may land in the
    // middle of typing; type again until the box says exactly the title.
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.fill('input.new-collection', title);
      await page.waitForTimeout(150);
      if ((await page.inputValue('input.new-collection')) === title) break;
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector(`li.kind-collection .title:has-text("${title}")`);
  }
  await page.click('li.kind-collection:has(.title:has-text("Internship")) button.add-page');
  await page.fill('input.new-page', 'Week 1');
  await page.keyboard.press('Enter');
  await outlineBecomes(page, { Internship: ['Week 1'], Reflections: [] });

  // "Move to…" is a labelled button on the page's row, reached with the keyboard.
  await page.focus('button.move-to[aria-label$="Week 1"]');
  await page.keyboard.press('Enter');
  const select = page.locator('form.move-form select.move-target');
  await select.waitFor();
  await page.waitForFunction(() => document.activeElement?.classList.contains('move-target'));
  // Only the other collection is offered, and the label and description say what happens.
  assert.deepEqual(await select.locator('option').allTextContents(), ['Reflections']);
  const label = await page.$eval('form.move-form select.move-target', (s) => s.labels[0]?.textContent);
  assert.equal(label, 'Move to collection');
  const help = await page.$eval('form.move-form select.move-target', (s) => document.getElementById(s.getAttribute('aria-describedby'))?.textContent);
  assert.match(help, /inherited from its current collection no longer applies/);
  await screenshot(page, 'app-move-dialog');
  await page.keyboard.press('Tab'); // to the Move button
  await page.waitForFunction(() => document.activeElement?.classList.contains('move-submit'));
  const moves = [];
  page.on('requestfinished', async (r) => { if (r.url().endsWith('/move')) moves.push((await r.response())?.status()); });
  await page.keyboard.press('Enter');

  // The outline follows the collection documents the server edited.
  await page.waitForFunction(() => !document.querySelector('form.move-form')).catch(async (e) => {
    throw new Error(`the form stayed open; move requests: ${JSON.stringify(moves)}; focus on ${await page.evaluate(() => document.activeElement?.outerHTML)}; ${e.message}`);
  });
  assert.equal(await page.$('.outline [role=alert]'), null, 'no error');
  await outlineBecomes(page, { Internship: [], Reflections: ['Week 1'] });
  await screenshot(page, 'app-move-1280');

  // A reload reads it back from the server.
  await page.reload();
  await page.waitForSelector('#app[data-ready="true"]');
  await outlineBecomes(page, { Internship: [], Reflections: ['Week 1'] });
  // The page opens from its new place.
  await page.click('li.kind-page a.title:has-text("Week 1")');
  await page.waitForSelector('#page-title:has-text("Week 1")');
  assert.ok(id);
  await screenshot(page, 'app-move-after-reload');
  await page.close();
});
