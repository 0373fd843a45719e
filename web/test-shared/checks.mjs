// Assertions over the scenario reports of docs.mjs and sync.mjs (Node side;
// the Chromium tests run the scenarios in the page and check here).
import assert from 'node:assert/strict';

/** wasm-made documents read the same natively, every edit produced patches. */
export async function checkWasmMadeDocuments(made, native) {
  assert.deepEqual(Object.keys(made).sort(), ['collection', 'feedback', 'page', 'portfolio']);
  for (const [kind, doc] of Object.entries(made)) {
    assert.equal(doc.kind, kind);
    assert.ok(doc.everyEditPatched, `${kind}: every edit reports patches`);
    assert.equal(doc.heard, doc.edits, `${kind}: onChange heard every edit`);
    const loaded = await native({ cmd: 'load', hex: doc.hex });
    assert.equal(loaded.error, undefined, loaded.error);
    assert.equal(loaded.kind, kind);
    assert.deepEqual(loaded.view, doc.view, `${kind}: native reads what wasm wrote`);
  }
  const page = made.page.view;
  assert.equal(page.submitted_at, 1_700_000_001_000);
  assert.deepEqual(page.children.map((n) => n.id), ['r', 's']);
  const s = page.children[1];
  assert.deepEqual(s.children.map((n) => n.id), ['t', 's1']);
  assert.deepEqual(s.content.text.blocks[0].runs, [
    { text: 'Hello', bold: true },
    { text: ' ' },
    { text: 'world', link: 'https://example.org' },
    { text: ' 🌍, from wasm' },
  ]);
  assert.equal(s.children[0].title, 'My goals');
  assert.equal(s.children[0].content.text.blocks[0].block, 'heading');
  assert.deepEqual(made.portfolio.view.collections.map((c) => c.title), ['Year One', 'Foundation']);
  assert.deepEqual(made.collection.view.pages.map((p) => p.title), ['Projects', 'Intro']);
  const fb = made.feedback.view;
  assert.deepEqual(fb.entries.map((e) => [e.id, e.body, e.deleted, e.hidden]), [
    ['e1', 'Nice start!', false, false],
    ['e2', '', true, false],
    ['e3', 'Well argued', false, true],
  ]);
  assert.deepEqual(fb.resolution, { resolved: true, at: 15 });
}

/** A natively made document reads the same in wasm; failures are values. */
export function checkLoadedNative(loaded, fixture) {
  assert.equal(loaded.kind, 'page');
  assert.deepEqual(loaded.view, fixture.view, 'wasm reads what native wrote');
  assert.equal(loaded.node.content.type, 'file');
  assert.equal(loaded.node.content.size, 1234);
  assert.equal(loaded.missing, undefined);
  assert.equal(loaded.wrong.type, 'failure');
  assert.equal(loaded.wrong.error.kind, 'wrong_document');
  assert.match(loaded.wrong.error.message, /add_comment.*feedback document.*page document/);
  assert.equal(loaded.notFound.error.kind, 'not_found');
  assert.match(loaded.notFound.error.message, /`nope`/);
  assert.equal(loaded.bad.error.kind, 'edit');
  assert.match(loaded.bad.error.message, /fly/);
  assert.deepEqual(loaded.patches, [{ patch: 'textSpliced', node: 't', index: 0, text: '» ' }]);
  assert.equal(loaded.garbage.type, 'failure');
  assert.equal(loaded.garbage.error.kind, 'document');
  assert.equal(loaded.shortSession.error.kind, 'session');
}

export function checkMerge(merged) {
  assert.deepEqual(merged.a, merged.b, 'replicas converge');
  assert.deepEqual(merged.heads[0], merged.heads[1]);
  assert.deepEqual(merged.fromB, [{ patch: 'nodeChanged', node: 's', field: 'title' }]);
  assert.deepEqual(merged.remote, [{ patches: merged.fromB, origin: 'remote' }]);
  assert.equal(merged.a.children[0].title, 'Renamed by b');
}

/** The wasm peer and the native peer converge; a refused edit comes back intact. */
export function checkSyncSession(r) {
  assert.deepEqual(r.failures, []);
  assert.equal(r.notHeldYet.error.kind, 'unknown_document');
  assert.ok(r.connectEvents.includes('connected'), r.connectEvents.join());
  assert.ok(r.connectEvents.includes('policy'));
  assert.equal(r.loaded.kind, 'page');
  assert.equal(r.status, 'ready');
  assert.equal(r.policyLoad.type, 'success');
  assert.deepEqual(r.may, { writeS: true, writeT: false, readT: true });
  assert.deepEqual(r.firstRead.wasm, r.firstRead.native);

  assert.deepEqual(r.accepted.patches, [{ patch: 'textSpliced', node: 's', index: 4, text: ' and more' }]);
  assert.ok(!r.accepted.events.includes('rejected'));
  assert.equal(r.accepted.nativeS, 'in s and more');

  assert.deepEqual(r.remote.patches, [{ patch: 'nodeChanged', node: 't', field: 'title' }]);
  assert.equal(r.remoteNode.title, 'Olga’s T');

  const rej = r.rejected;
  assert.ok(rej, 'a rejected event');
  assert.ok(rej.reasons.length >= 1);
  assert.ok(rej.reasons.every((x) => typeof x.reason === 'string' && x.reason.length > 10 && /^[0-9a-f]{64}$/.test(x.hash)), JSON.stringify(rej.reasons));
  assert.deepEqual(rej.text, [{ node: 't', field: 'text', text: r.refusedText }], 'the refused text, intact');
  assert.deepEqual(rej.patches, [{ patch: 'textSpliced', node: 't', index: 0, text: r.refusedText }]);
  assert.equal(rej.changes.length, 1);
  assert.ok(r.changesAreBytes, 'refused changes are Uint8Arrays');
  const prevT = rej.previous.children.find((n) => n.id === 't');
  assert.equal(prevT.content.text.blocks[0].runs[0].text, `${r.refusedText}in t`);
  assert.deepEqual(r.afterReject.wasm, r.afterReject.native, 'reset to the server state');
  assert.ok(r.actorChanged, 'a fresh actor after the reset');

  assert.equal(r.final.nativeS, '> in s and more');
  assert.deepEqual(r.final.wasm, r.final.native, 'converged');
  assert.equal(r.refusedCount, 1);
  assert.equal(r.unknown.error.kind, 'document_id');
  assert.equal(r.unknownDoc.type, 'failure');
}
