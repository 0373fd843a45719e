// Shared steps for the app-*.test.mjs browser tests.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { workspace } from './harness.mjs';

const run = promisify(execFile);

/** Runs `folio admin --data-dir D …args` against the server's data directory. */
export async function admin(server, ...args) {
  const bin = process.env.FOLIO_BIN ?? path.join(workspace, 'target/debug/folio');
  const { stdout } = await run(bin, ['admin', '--data-dir', server.dataDir, ...args], { timeout: 20_000 });
  return stdout;
}

/** A page that has booted the app at `hash`, bounded by 15 s per step. */
export async function openApp(context, server, hash = '#/') {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${server.url}/${hash}`);
  await page.waitForSelector('#app[data-ready="true"]');
  return page;
}

export async function signIn(page, email, password) {
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#mine-title');
}

/** Creates a portfolio through the dashboard form; returns its id (from the address). */
export async function createPortfolio(page, title) {
  await page.fill('#new-title', title);
  await page.click('form[aria-label="New portfolio"] button[type=submit], form[aria-label="Nieuw portfolio"] button[type=submit]');
  await page.waitForSelector(`#pf-title:has-text("${title}")`);
  return decodeURIComponent(/#\/p\/([^/?]+)/.exec(page.url())[1]);
}

/**
 * An external signs in through their invitation: opens the mailed link in a
 * browser context of their own, asks for a code, reads it from the SMTP sink
 * and types it. `onInvite(page)` runs on the invitation screen (screenshots).
 * Returns { ctx, page } on their portfolio.
 */
export async function externalSignIn({ browser, server, sink, secret, email, viewport = { width: 1280, height: 900 }, isMobile = false, onInvite }) {
  const ctx = await browser.newContext({ viewport, isMobile });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${server.url}/invite/${secret}`);
  await page.waitForSelector('#invite-title');
  if (onInvite) await onInvite(page);
  const since = sink.mails.length;
  await page.click('#send-code');
  await page.waitForSelector('#code');
  const mail = await sink.waitFor((m) => sink.mails.indexOf(m) >= since && m.to.includes(email) && /code|inlogcode/i.test(m.subject));
  await page.fill('#code', /\b(\d{6})\b/.exec(mail.subject + mail.body)[1]);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#pf-title');
  return { ctx, page };
}

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A 32×32 PNG in one colour (a stand-in organisation logo). */
export function logoPng([r, g, b]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(32, 0);
  ihdr.writeUInt32BE(32, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: 32 }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: 32 }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
