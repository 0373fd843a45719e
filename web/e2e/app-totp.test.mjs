// Sign-in with a TOTP second factor: the password step, then the code step
// the server asks for; and enrolling on the security screen (the server's QR
// code and URI, a wrong and a right code, the recovery codes shown once,
// signing in with one, turning it off). The codes are computed here (RFC
// 6238, SHA-1, 6 digits, 30 s).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, openApp, signIn } from './app-helpers.mjs';

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of s.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
function totp(secret, atMs) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const o = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

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

test('an enrolled account is asked for its code after the password, and a wrong code is explained', { timeout: 30_000 }, async () => {
  const email = 'tom@school.example';
  const password = 'correct horse battery staple';
  await admin(server, 'user', 'create', '--email', email, '--name', 'Tom Two-Step', '--password', password);
  const context = await browser.newContext();
  const page = await openApp(context, server);
  // Enrol through the API with the page's session (the app's own fetch rules: CSRF header).
  const secret = await page.evaluate(async ({ email, password }) => {
    const j = (r) => r.json();
    const me = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) }).then(j);
    const h = { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token };
    const enrol = await fetch('/api/account/totp', { method: 'POST', headers: h, body: '{}' }).then(j);
    return { secret: enrol.secret, csrf: me.csrf_token };
  }, { email, password });
  const confirmed = await page.evaluate(async ({ code, csrf }) => {
    const r = await fetch('/api/account/totp/confirm', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ code }) });
    await fetch('/api/session', { method: 'DELETE', headers: { 'x-csrf-token': csrf } });
    return r.status;
  }, { code: totp(secret.secret, Date.now()), csrf: secret.csrf });
  assert.equal(confirmed, 200);

  await page.reload();
  await page.waitForSelector('#signin-title');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#totp-title');
  await page.fill('#totp-code', '000000' === totp(secret.secret, Date.now() + 30_000) ? '111111' : '000000');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[role=alert]:not(:empty)');
  await screenshot(page, 'app-signin-totp');
  // The next step's code (the confirmed step is spent; one step of skew is allowed).
  await page.fill('#totp-code', totp(secret.secret, Date.now() + 30_000));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#mine-title');
  await context.close();
});

test('enrolling on the security screen: QR code and URI, a code from the app, recovery codes once; one signs in; turning it off', { timeout: 45_000 }, async () => {
  const email = 'vera@school.example';
  const password = 'correct horse battery staple';
  await admin(server, 'user', 'create', '--email', email, '--name', 'Vera Verified', '--password', password);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openApp(context, server);
  await signIn(page, email, password);
  await page.click('#open-security');
  await page.waitForSelector('#totp-state:has-text("off")');
  await page.click('#totp-start');

  // The QR image is the server's SVG and it loads; the URI and the key are beside it.
  await page.waitForSelector('#totp-qr');
  const qr = await page.$eval('#totp-qr', (img) => ({ w: img.naturalWidth, h: img.naturalHeight, done: img.complete, src: img.src.slice(0, 27) }));
  assert.equal(qr.src, 'data:image/svg+xml;charset=');
  assert.ok(qr.done && qr.w >= 240 && qr.w === qr.h, `the QR code renders: ${JSON.stringify(qr)}`);
  const uri = await page.textContent('#totp-uri');
  const secret = await page.textContent('#totp-secret');
  assert.match(uri, /^otpauth:\/\/totp\/Folio:vera%40school\.example\?/);
  assert.ok(uri.includes(`secret=${secret}`), uri);
  await screenshot(page, 'app-totp-enrol');

  // A wrong code is explained and changes nothing; the right one turns it on.
  const now = Date.now();
  const wrong = ['000000', '111111'].find((c) => c !== totp(secret, now) && c !== totp(secret, now - 30_000) && c !== totp(secret, now + 30_000));
  await page.fill('#totp-confirm-code', wrong);
  await page.click('#totp-verify');
  await page.waitForSelector('[role=alert]:has-text("not right")');
  await page.fill('#totp-confirm-code', totp(secret, Date.now()));
  await page.click('#totp-verify');
  await page.waitForSelector('#recovery-codes li');
  const codes = await page.$$eval('#recovery-codes li', (lis) => lis.map((li) => li.textContent.trim()));
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10, 'ten different codes');
  await screenshot(page, 'app-totp-recovery-codes');
  await page.click('#totp-done');
  await page.waitForSelector('#totp-state:has-text("is on")');
  assert.match(await page.textContent('#totp-panel'), /Recovery codes left: 10/);
  // Shown once: coming back shows no codes.
  await page.reload();
  await page.waitForSelector('#totp-state:has-text("is on")');
  assert.equal(await page.$('#recovery-codes'), null);

  // Signing in again asks for the second factor; a recovery code works.
  await page.click('#sign-out');
  await page.waitForSelector('#signin-title');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#totp-title');
  await page.getByText('Use a recovery code instead').click();
  await page.fill('#recovery-code', codes[0]);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#mine-title');

  // Turning it off needs a code; afterwards sign-in needs only the password.
  await page.click('#open-security');
  await page.waitForSelector('#totp-state:has-text("is on")');
  assert.match(await page.textContent('#totp-panel'), /Recovery codes left: 9/);
  await page.fill('#totp-off-code', codes[1]);
  await page.click('#totp-disable');
  await page.waitForSelector('[role=status]:has-text("now off")');
  await page.waitForSelector('#totp-state:has-text("off")');
  await context.close();
});
