import { after, before, test } from 'node:test';
import { folio } from './harness.mjs';
import { startNativePeer } from './native-peer.mjs';
import { loadNative, mergeTwoReplicas, wasmMadeDocuments } from '../test-shared/docs.mjs';
import { checkLoadedNative, checkMerge, checkWasmMadeDocuments } from '../test-shared/checks.mjs';

let peer;
before(() => {
  peer = startNativePeer();
});
after(() => peer.close());

test('every document kind edited in wasm with every edit, saved, reads the same when loaded natively', async () => {
  await checkWasmMadeDocuments(wasmMadeDocuments(folio), peer.request);
});

test('a document made natively loads in wasm and reads the same; bad edits come back as failures', async () => {
  const fixture = await peer.request({ cmd: 'fixture' });
  checkLoadedNative(loadNative(folio, fixture), fixture);
});

test('two replicas edited concurrently in wasm merge to the same document, with remote patches', () => {
  checkMerge(mergeTwoReplicas(folio));
});
