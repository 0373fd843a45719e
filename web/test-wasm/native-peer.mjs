// Spawns tests/src/bin/native-peer.rs (building it if missing) and talks to it
// one JSON line at a time. Used by the Node tests and, through Playwright's
// exposeFunction, by the Chromium tests.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The native peer binary: FOLIO_NATIVE_PEER, or target/debug/native-peer (built if missing). */
export function nativePeerBinary() {
  const bin = process.env.FOLIO_NATIVE_PEER ?? path.join(workspace, 'target/debug/native-peer');
  if (!fs.existsSync(bin)) {
    const built = spawnSync('cargo', ['build', '-p', 'folio-tests', '--bin', 'native-peer'], { cwd: workspace, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('could not build the native peer');
  }
  return bin;
}

/** Starts a native peer; `request(obj)` resolves its answer; `close()` ends it. */
export function startNativePeer() {
  const child = spawn(nativePeerBinary(), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`native peer exited with ${code}`));
  });
  return {
    request(obj) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify(obj)}\n`);
      });
    },
    close() {
      child.stdin.end();
      return new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    },
  };
}
