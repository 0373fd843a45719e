// Organisation logos, for administrators, in real Chromium against a real
// server: the administrator opens the screen from the dashboard, sees every
// organisation and whether it has a logo; a file that is too big and an SVG
// are refused with the server's reason in words; a PNG is uploaded (with the
// keyboard) and shown as the preview; the logo is removed again. At 390 px
// the screen fits; in Dutch it speaks Dutch; someone who is not an
// administrator is neither offered the screen nor shown it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, logoPng, openApp, signIn } from './app-helpers.mjs';

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

const card = (page, name) => page.locator('.org-card', { has: page.locator('h2', { hasText: name }) });

test('an administrator uploads an organisation’s logo, sees it, is told why a big file and an SVG are refused, and removes it', { timeout: 60_000 }, async () => {
  const northside = /organisation (\d+)/.exec(await admin(server, 'org', 'create', '--name', 'Northside Hospital'))[1];
  await admin(server, 'org', 'create', '--name', 'Harbour Clinic');

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(context, server);
  page.on('dialog', (d) => d.accept());
  await signIn(page, server.firstLogin.email, server.firstLogin.password);
  await page.click('#open-orgs');
  await page.waitForSelector('#orgs-title');
  const north = card(page, 'Northside Hospital');
  await north.waitFor();
  assert.equal(await page.locator('.org-card').count(), 2);
  await north.locator('.org-no-logo').waitFor();
  await card(page, 'Harbour Clinic').locator('.org-no-logo').waitFor();
  // The file field is labelled with the organisation's name.
  const file = page.getByLabel('Image file for the logo (Northside Hospital)');
  assert.equal(await file.count(), 1);

  // Nothing chosen: said so, nothing sent.
  await north.locator('.logo-upload').click();
  await north.locator('[role=alert]:has-text("Choose an image file first")').waitFor();

  // Too big (a real PNG, padded past 256 KiB): the server's 413, in words.
  const png = logoPng([20, 90, 160]);
  const big = Buffer.concat([png, Buffer.alloc(300 * 1024 - png.length)]);
  await file.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: big });
  await north.locator('.logo-upload').click();
  await north.locator('[role=alert]:has-text("too big")').waitFor();
  // An SVG: refused by type.
  await file.setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') });
  await north.locator('.logo-upload').click();
  await north.locator('[role=alert]:has-text("SVG is not accepted")').waitFor();
  // Bytes that are not what the type says.
  await file.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a not a png') });
  await north.locator('.logo-upload').click();
  await north.locator('[role=alert]:has-text("not the image its type says")').waitFor();
  let orgs = await page.evaluate(() => fetch('/api/admin/orgs').then((r) => r.json()));
  assert.equal(orgs.find((o) => String(o.id) === northside).logo, null, 'nothing refused was stored');
  await screenshot(page, 'app-orgs-refused');

  // A PNG, uploaded with the keyboard: the preview is the stored logo.
  await file.setInputFiles({ name: 'northside.png', mimeType: 'image/png', buffer: png });
  await north.locator('.logo-upload').focus();
  await page.keyboard.press('Enter');
  await north.locator('[role=status]:has-text("Logo saved for Northside Hospital")').waitFor();
  const img = north.locator('img.org-logo');
  await img.waitFor();
  assert.equal(await img.getAttribute('alt'), 'Logo of Northside Hospital');
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 32, await img.elementHandle());
  assert.equal(await north.locator('[role=alert]').textContent(), '', 'the earlier refusal went away');
  assert.equal(await card(page, 'Harbour Clinic').locator('img.org-logo').count(), 0);
  // The keyboard stays on this organisation's file field after the redraw.
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('logo-file') && document.activeElement.closest('.org-card')?.querySelector('h2')?.textContent), 'Northside Hospital');
  orgs = await page.evaluate(() => fetch('/api/admin/orgs').then((r) => r.json()));
  assert.equal(orgs.find((o) => String(o.id) === northside).logo.content_type, 'image/png');
  await north.locator('.logo-upload:has-text("Replace logo")').waitFor();
  await screenshot(page, 'app-orgs');

  // At 390 px wide nothing sticks out sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391).map((e) => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 8));
  assert.deepEqual(wide, [], 'no horizontal scrolling at 390 px');
  await screenshot(page, 'app-orgs-390');
  // In Dutch.
  await page.selectOption('#lang', 'nl');
  await page.waitForSelector('#orgs-title:has-text("Logo’s van organisaties")');
  await north.locator('.logo-remove:has-text("Logo verwijderen")').waitFor();
  await page.selectOption('#lang', 'en');
  await page.waitForSelector('#orgs-title:has-text("Organisation logos")');

  // Remove it.
  await north.locator('.logo-remove').click();
  await north.locator('[role=status]:has-text("Logo removed for Northside Hospital")').waitFor();
  await north.locator('.org-no-logo').waitFor();
  orgs = await page.evaluate(() => fetch('/api/admin/orgs').then((r) => r.json()));
  assert.equal(orgs.find((o) => String(o.id) === northside).logo, null);
  await context.close();

  // Someone who is not an administrator: no link, and the screen says no.
  await admin(server, 'user', 'create', '--email', 'pia@school.example', '--name', 'Pia Peer', '--password', 'correct horse battery staple');
  const other = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const peer = await openApp(other, server);
  await signIn(peer, 'pia@school.example', 'correct horse battery staple');
  assert.equal(await peer.locator('#open-orgs').count(), 0);
  await peer.goto(`${server.url}/#/admin/orgs`);
  await peer.waitForSelector('#orgs-title');
  await peer.waitForSelector('[role=alert]');
  assert.equal(await peer.locator('.org-card').count(), 0);
  assert.equal(await peer.evaluate(() => fetch('/api/admin/orgs').then((r) => r.status)), 403);
  await other.close();
});
