// Sign-in with a TOTP second factor: the password step, then the code step
// the server asks for. The account is enrolled through the API; the codes are
// computed here (RFC 6238, SHA-1, 6 digits, 30 s).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { launchBrowser, screenshot, startServer } from './harness.mjs';
import { admin, openApp } from './app-helpers.mjs';

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
