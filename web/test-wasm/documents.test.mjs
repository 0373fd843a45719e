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

test('textLength reads a text’s length in the units of its positions: code points, a block marker counting one', async () => {
  const { default: assert } = await import('node:assert/strict');
  const ok = (answer, what) => {
    if (answer?.type !== 'success') throw new Error(`${what}: ${JSON.stringify(answer)}`);
    return answer.value;
  };
  const session = new Uint8Array(16).fill(7);
  const doc = ok(folio.FolioDoc.create({ kind: 'page', node: 'pg', collection: 'c1' }, 'user:ada', session), 'create');
  ok(doc.apply({ op: 'add_section', parent: 'pg', id: 's', title: 'S' }), 'add_section');
  assert.equal(doc.textLength('s'), 0);
  // "😀" is one code point but two UTF-16 units: positions count code points.
  ok(doc.apply({ op: 'splice_text', node: 's', index: 0, delete: 0, insert: 'é😀b' }), 'splice');
  assert.equal(doc.textLength('s'), 3);
  assert.equal('é😀b'.length, 4, 'JavaScript’s own length differs');
  ok(doc.apply({ op: 'set_block', node: 's', index: 0, kind: { block: 'heading', level: 2 } }), 'set_block');
  assert.equal(doc.textLength('s'), 4);
  // Exactly as far as a splice may reach.
  ok(doc.apply({ op: 'splice_text', node: 's', index: 4, delete: 0, insert: '!' }), 'splice at the end');
  assert.equal(doc.apply({ op: 'splice_text', node: 's', index: 6, delete: 0, insert: '?' }).type, 'failure');
  assert.equal(doc.textLength('s'), 5);
  assert.equal(doc.textLength('nope'), undefined);

  // The same read on the sync client's held documents (what the editor uses).
  const client = new folio.SyncClient('peer-ada', 'user:ada', session);
  const id = ok(folio.newDocumentId(new Uint8Array(16).fill(9)), 'newDocumentId');
  ok(client.createDoc(id, { kind: 'page', node: 'pg2', collection: 'c1' }), 'createDoc');
  ok(client.edit(id, { op: 'add_section', parent: 'pg2', id: 't', title: '' }), 'add_section');
  ok(client.edit(id, { op: 'splice_text', node: 't', index: 0, delete: 0, insert: '🌍ü' }), 'splice');
  assert.equal(client.textLength(id, 't'), 2);
  assert.equal(client.textLength(id, 'nope'), undefined);
  assert.equal(client.textLength(ok(folio.newDocumentId(new Uint8Array(16).fill(10)), 'id'), 't'), undefined);
  client.free();
  doc.free();
});
