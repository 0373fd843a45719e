import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { folio, workspace } from './harness.mjs';

test('the wasm module reports the version of the rules it was built from', () => {
  const manifest = fs.readFileSync(path.join(workspace, 'Cargo.toml'), 'utf8');
  const version = /\[workspace\.package\][^[]*?version = "([^"]+)"/s.exec(manifest)[1];
  assert.equal(folio.version(), version);
});
