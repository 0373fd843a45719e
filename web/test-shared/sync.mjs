// A sync session between the wasm SyncClient and the guarded native peer
// (tests/src/native_peer.rs), run identically in Node and in Chromium.
// `native(request)` resolves the peer's JSON answer; frames travel as hex.
import { fromHex, toHex } from './hex.mjs';

const NOW = 1_735_689_600_000;

function textOf(view, node) {
  const find = (nodes) => {
    for (const n of nodes) {
      if (n.id === node) return n;
      const inner = find(n.children);
      if (inner) return inner;
    }
    return undefined;
  };
  const n = find(view.children);
  return n.content.text.blocks.map((b) => b.runs.map((r) => r.text).join('')).join('\n');
}

export async function syncSession(folio, native) {
  const hello = await native({ cmd: 'hello' });
  const client = new folio.SyncClient('wasm-peer', hello.principal, crypto.getRandomValues(new Uint8Array(16)));
  const events = [];
  const failures = [];

  /** Sends frames to the native peer and feeds its answers back until both are quiet. */
  async function pump(frames) {
    let outgoing = [...frames];
    const heard = [];
    for (let round = 0; outgoing.length > 0; round++) {
      if (round > 50) throw new Error('the session did not settle');
      const incoming = [];
      for (const f of outgoing) incoming.push(...(await native({ cmd: 'frame', hex: toHex(f) })).frames);
      outgoing = [];
      for (const hex of incoming) {
        const r = client.receive(fromHex(hex));
        if (r.type !== 'success') {
          failures.push(r.error);
          continue;
        }
        outgoing.push(...r.value.send);
        heard.push(...r.value.events);
      }
    }
    events.push(...heard);
    return heard;
  }
  const edit = async (e) => {
    const r = client.edit(hello.document, e);
    if (r.type !== 'success') throw new Error(JSON.stringify(r.error));
    return { patches: r.value.patches, heard: await pump(r.value.send) };
  };
  const nativeRead = async () => (await native({ cmd: 'read' })).view;

  const report = {};
  const actorBefore = client.actor;
  report.notHeldYet = client.edit(hello.document, { op: 'rename', node: 's', title: 'x' });
  const connect = await pump([client.join(), ...client.find(hello.document).value]);
  report.connectEvents = connect.map((e) => e.type);
  report.loaded = connect.find((e) => e.type === 'loaded');
  report.status = client.status(hello.document);

  // The policy snapshot feeds a PolicyEngine.
  const policy = connect.find((e) => e.type === 'policy');
  const engine = new folio.PolicyEngine();
  report.policyLoad = engine.load(policy.snapshot);
  report.may = { writeS: engine.can('write', 's', NOW), writeT: engine.can('write', 't', NOW), readT: engine.can('read', 't', NOW) };
  report.firstRead = { wasm: client.read(hello.document), native: await nativeRead() };

  // Accepted: Rita writes in `s`.
  const accepted = await edit({ op: 'splice_text', node: 's', index: 4, insert: ' and more' });
  report.accepted = { patches: accepted.patches, events: accepted.heard.map((e) => e.type), nativeS: textOf(await nativeRead(), 's') };

  // The native owner edits; the wasm peer gets patches.
  const remote = await native({ cmd: 'edit', edit: { op: 'rename', node: 't', title: 'Olga’s T' } });
  const remoteEvents = [];
  const back = [];
  for (const hex of remote.frames) {
    const r = client.receive(fromHex(hex));
    back.push(...r.value.send);
    remoteEvents.push(...r.value.events);
  }
  await pump(back);
  report.remote = remoteEvents.find((e) => e.type === 'changed');
  report.remoteNode = client.readNode(hello.document, 't');

  // Refused: Rita may only read `t`. The edit is handed back intact.
  const refusedText = 'Rita was here — ünïcödé 🌍. ';
  const refused = await edit({ op: 'splice_text', node: 't', index: 0, insert: refusedText });
  report.refusedText = refusedText;
  report.rejected = refused.heard.find((e) => e.type === 'rejected');
  report.changesAreBytes = report.rejected?.changes.every((c) => c instanceof Uint8Array && c.length > 0);
  report.afterReject = { wasm: client.read(hello.document), native: await nativeRead() };
  report.actorChanged = client.actor !== actorBefore;

  // Work goes on under the new actor.
  await edit({ op: 'splice_text', node: 's', index: 0, insert: '> ' });
  report.final = { wasm: client.read(hello.document), native: await nativeRead(), nativeS: textOf(await nativeRead(), 's') };
  report.refusedCount = (await native({ cmd: 'read' })).refused;
  report.failures = failures;
  report.unknown = client.edit('automerge:nonsense', { op: 'withdraw' });
  report.unknownDoc = client.edit(hello.document.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')), { op: 'withdraw' });
  return report;
}
