// Document scenarios run identically in Node and in Chromium: `folio` is the
// folio-wasm module, `native(request)` answers like tests/src/bin/native-peer.rs.
import { fromHex, toHex } from './hex.mjs';

const session = (n) => new Uint8Array(16).fill(n);
const ok = (answer, what) => {
  if (answer?.type !== 'success') throw new Error(`${what}: ${JSON.stringify(answer)}`);
  return answer.value;
};
const DOC = (n) => `automerge:${n}`;

/** Makes one document of each kind in wasm, with every edit of its kind. */
export function wasmMadeDocuments(folio) {
  const docId = (n) => ok(folio.newDocumentId(new Uint8Array(16).fill(n)), 'newDocumentId');
  const hash = 'cd'.repeat(32);
  const scripts = {
    portfolio: [{ kind: 'portfolio', node: 'pf', title: 'Ada' }, [
      { op: 'set_metadata', title: 'Ada’s portfolio', description: 'Made in wasm' },
      { op: 'add_collection', id: 'c1', title: 'Year 1', document: docId(1) },
      { op: 'add_collection', id: 'c0', title: 'Foundation', document: docId(2), index: 0 },
      { op: 'add_collection', id: 'cx', title: 'Scrap', document: docId(3) },
      { op: 'rename_collection', id: 'c1', title: 'Year One' },
      { op: 'move_collection', id: 'c1', index: 0 },
      { op: 'delete_collection', id: 'cx' },
    ]],
    collection: [{ kind: 'collection', node: 'c1', portfolio: 'pf' }, [
      { op: 'add_page', id: 'p1', title: 'Intro', document: docId(4) },
      { op: 'add_page', id: 'p2', title: 'Work', document: docId(5) },
      { op: 'add_page', id: 'px', title: 'Scrap', document: docId(6), index: 0 },
      { op: 'rename_page', id: 'p2', title: 'Projects' },
      { op: 'move_page', id: 'p2', index: 0 },
      { op: 'delete_page', id: 'px' },
    ]],
    page: [{ kind: 'page', node: 'pg', collection: 'c1' }, [
      { op: 'add_section', parent: 'pg', id: 's', title: 'About me' },
      { op: 'add_section', parent: 'pg', id: 't', title: 'Goals' },
      { op: 'add_section', parent: 's', id: 's1', title: 'Nested' },
      { op: 'add_node', parent: 'pg', id: 'r', title: 'Notes', spec: { type: 'text' }, index: 0 },
      { op: 'attach_file', parent: 's1', id: 'f', file: { hash, name: 'cv.pdf', mime: 'application/pdf', size: 4321 } },
      { op: 'add_node', parent: 's', id: 'f2', title: 'Photo', spec: { type: 'file', hash, name: 'me.png', mime: 'image/png', size: 10 } },
      { op: 'splice_text', node: 's', index: 0, insert: 'Hello wörld 🌍, from wasm' },
      { op: 'splice_text', node: 's', index: 6, delete: 5, insert: 'world' },
      { op: 'format', node: 's', start: 0, end: 5, format: { format: 'bold' }, on: true },
      { op: 'format', node: 's', start: 6, end: 11, format: { format: 'link', href: 'https://example.org' }, on: true },
      { op: 'splice_text', node: 't', index: 0, insert: 'Learn\nShip' },
      { op: 'set_block', node: 't', index: 0, kind: { block: 'heading', level: 2 } },
      { op: 'rename', node: 't', title: 'My goals' },
      { op: 'move_node', node: 't', parent: 's', index: 0 },
      { op: 'replace_file', node: 'f2', file: { hash: 'ef'.repeat(32), name: 'me2.png', mime: 'image/png', size: 11 } },
      { op: 'delete_node', node: 'f2' },
      { op: 'submit', now: 1_700_000_000_000 },
      { op: 'withdraw' },
      { op: 'submit', now: 1_700_000_001_000 },
    ]],
    feedback: [{
      kind: 'feedback', thread: 'th1', anchor: { doc: docId(4), node: 's' }, opener: 'user:ada',
      author: { principal: 'user:tom', name: 'Tom', role: 'teacher', organisation: null },
    }, [
      { op: 'add_comment', id: 'e1', body: 'Nice start', now: 10 },
      { op: 'reply', id: 'e2', to: 'e0', body: 'Thanks', now: 11 },
      { op: 'evaluate', id: 'e3', evaluation: { criterion: 'writing', level: 'good', note: 'clear' }, body: 'Well argued', now: 12 },
      { op: 'edit_entry', id: 'e1', body: 'Nice start!', now: 13 },
      { op: 'delete_entry', id: 'e2', now: 14 },
      { op: 'hide_entry', id: 'e3', hidden: true },
      { op: 'resolve', resolved: true, now: 15 },
    ]],
  };
  const out = {};
  for (const [kind, [spec, edits]] of Object.entries(scripts)) {
    const doc = ok(folio.FolioDoc.create(spec, 'user:tom', session(3)), `create ${kind}`);
    const heard = [];
    doc.onChange((patches, origin) => heard.push({ n: patches.length, origin }));
    const patches = edits.map((e) => ok(doc.apply(e), `${kind} ${e.op}`));
    out[kind] = {
      hex: toHex(doc.save()),
      view: doc.read(),
      kind: doc.kind,
      edits: edits.length,
      everyEditPatched: patches.every((p) => p.length > 0),
      heard: heard.length,
    };
  }
  return out;
}

/** Loads natively made bytes in wasm, edits them, and checks failures come back as values. */
export function loadNative(folio, fixture) {
  const doc = ok(folio.FolioDoc.load(fromHex(fixture.hex), 'user:ada', session(9)), 'load');
  const view = doc.read();
  const node = doc.readNode('f');
  const missing = doc.readNode('nope');
  const wrong = doc.apply({ op: 'add_comment', id: 'x', body: 'no', now: 1 });
  const notFound = doc.apply({ op: 'rename', node: 'nope', title: 'x' });
  const bad = doc.apply({ op: 'fly' });
  const patches = ok(doc.apply({ op: 'splice_text', node: 't', index: 0, insert: '» ' }), 'splice');
  const garbage = folio.FolioDoc.load(new Uint8Array([1, 2, 3]), 'user:ada', session(9));
  const shortSession = folio.FolioDoc.load(fromHex(fixture.hex), 'user:ada', new Uint8Array(3));
  return { kind: doc.kind, view, node, missing, wrong, notFound, bad, patches, garbage, shortSession };
}

/** Two FolioDocs edit concurrently and merge each other's saves. */
export function mergeTwoReplicas(folio) {
  const a = ok(folio.FolioDoc.create({ kind: 'page', node: 'pg', collection: 'c1' }, 'user:ada', session(1)), 'a');
  ok(a.apply({ op: 'add_section', parent: 'pg', id: 's', title: 'S' }), 'add');
  const b = ok(folio.FolioDoc.load(a.save(), 'user:bob', session(2)), 'b');
  ok(a.apply({ op: 'splice_text', node: 's', index: 0, insert: 'from a' }), 'a edit');
  ok(b.apply({ op: 'rename', node: 's', title: 'Renamed by b' }), 'b edit');
  const remote = [];
  a.onChange((patches, origin) => remote.push({ patches, origin }));
  const fromB = ok(a.merge(b.save()), 'merge b into a');
  ok(b.merge(a.save()), 'merge a into b');
  return { a: a.read(), b: b.read(), fromB, remote, heads: [a.heads(), b.heads()] };
}

export { DOC };
