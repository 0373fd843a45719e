// Shared set-up for browser tests: a real `folio` server on port 0 with a fresh
// data directory, and Debian's headless Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const workspace = path.resolve(here, '../..');
export const artifacts = path.join(workspace, 'web/test-results');

/**
 * Starts `folio serve` on 127.0.0.1:0 and resolves once it prints its address.
 * Returns { url, firstLogin: { email, password }, dataDir, stop() }.
 */
export async function startServer({ env = {} } = {}) {
  const bin = process.env.FOLIO_BIN ?? path.join(workspace, 'target/debug/folio');
  const webDir = process.env.FOLIO_WEB_DIST ?? path.join(workspace, 'web/dist');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-e2e-'));
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--web-dir', webDir], {
    env: { ...process.env, FOLIO_LOG: process.env.FOLIO_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`folio did not start within 30 s:\n${out}`)), 30_000);
    const onData = (chunk) => {
      out += chunk;
      const url = /folio listening on (http:\/\/\S+)/.exec(out)?.[1];
      const login = /first sign-in: (\S+) \/ (\S+)/.exec(out);
      if (url && login) {
        clearTimeout(timer);
        resolve({ url, firstLogin: { email: login[1], password: login[2] } });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`folio exited with ${code}:\n${out}`)));
  });
  const info = await ready;
  return {
    ...info,
    dataDir,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Launches Debian's Chromium headless with the flags this closed network needs.
 * Playwright gives every launch a fresh, temporary profile of its own.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Saves a screenshot of a key screen under web/test-results/. */
export async function screenshot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}
