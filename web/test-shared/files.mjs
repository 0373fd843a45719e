// Node-side: reads the decision fixtures the native tests use (for the Node and Chromium wasm suites).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function decisionFiles() {
  const dir = path.join(workspace, 'core/fixtures/access');
  const read = (d) => Object.fromEntries(fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => [f, fs.readFileSync(path.join(d, f), 'utf8')]));
  return {
    corpus: read(dir),
    snapshots: read(path.join(dir, 'snapshots')),
    digest: fs.readFileSync(path.join(dir, 'random_digest_seed42_n10000.txt'), 'utf8').trim(),
  };
}
