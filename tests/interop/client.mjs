#!/usr/bin/env node
// An UNMODIFIED @automerge/automerge-repo 2.x client for interop tests (e.g. from Rust).
// The Repo and BrowserWebSocketClientAdapter are used exactly as published; this script
// only *observes* the frames the adapter receives (to print messages the stock client
// ignores, such as Folio's `rejected` / `policy`). See README.md for the full contract.
//
//   node client.mjs --url ws://127.0.0.1:PORT/sync?token=T --doc automerge:XXXX [--expect-read]
//   node client.mjs --url ... --doc automerge:XXXX --write '[{"op":"set","path":["title"],"value":"x"}]'
//
// Exit codes: 0 ok · 1 internal error · 2 usage · 3 connection failed · 4 document
// unavailable · 5 write refused · 6 timed out without a conclusive answer.
import { parseArgs } from "node:util";
import * as A from "@automerge/automerge";
import { Repo, isValidAutomergeUrl, parseAutomergeUrl } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { parseCbor, toJson } from "./lib/cbor-diag.mjs";

export const EXIT = { OK: 0, INTERNAL: 1, USAGE: 2, CONNECT: 3, UNAVAILABLE: 4, REFUSED: 5, TIMEOUT: 6 };
const KNOWN_TYPES = new Set(["peer", "error", "sync", "request", "ephemeral", "doc-unavailable",
  "remote-subscription-change", "remote-heads-changed"]);

const USAGE = `usage: node client.mjs --url WS_URL --doc automerge:ID [--expect-read] [--write PATCH]
       [--timeout MS] [--quiet-ms MS] [--reject-type TYPE] [--peer-id ID] [--verbose]`;

const out = line => process.stdout.write(line + "\n");
let verbose = false;
const log = (...a) => { if (verbose) console.error("[client]", ...a); };
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Apply a JSON patch description inside handle.change(). See README.md. */
export function applyPatch(doc, spec) {
  const ops = Array.isArray(spec) ? spec
    : spec && typeof spec === "object" && "op" in spec ? [spec]
    : Object.entries(spec ?? {}).map(([k, value]) => ({ op: "set", path: [k], value }));
  for (const op of ops) {
    const path = Array.isArray(op.path) ? op.path : String(op.path ?? "").split(".").filter(Boolean);
    if (path.length === 0 && op.op !== "splice") throw new Error(`op ${JSON.stringify(op)} needs a path`);
    let parent = doc;
    for (const key of path.slice(0, -1)) {
      if (parent[key] === undefined && op.op === "set") parent[key] = {};
      parent = parent[key];
      if (parent === undefined || parent === null) throw new Error(`path ${JSON.stringify(path)} does not exist`);
    }
    const last = path.at(-1);
    switch (op.op) {
      case "set": parent[last] = op.value; break;
      case "del": if (Array.isArray(parent)) parent.splice(last, 1); else delete parent[last]; break;
      case "push": parent[last].push(op.value); break;
      case "insert": parent.splice(last, 0, op.value); break;
      case "splice": A.splice(doc, path, op.index ?? 0, op.delete ?? 0, op.insert ?? ""); break;
      default: throw new Error(`unknown op ${JSON.stringify(op.op)}`);
    }
  }
}

/** Is every hash in `ours` equal to or an ancestor of the heads `theirs`, in `doc`? */
function coveredBy(doc, ours, theirs) {
  if (!A.hasHeads(doc, theirs) || !A.hasHeads(doc, ours)) return false;
  const after = new Set(A.getChangesSince(doc, theirs).map(c => A.decodeChange(c).hash));
  return ours.every(h => !after.has(h));
}

/** Start a stock Repo on `url` and an observer of every frame its adapter receives. */
function openRepo(url, peerId, onFrame) {
  const adapter = new BrowserWebSocketClientAdapter(url, 60_000);
  const originalReceive = adapter.receiveMessage.bind(adapter);
  adapter.receiveMessage = bytes => { try { onFrame(new Uint8Array(bytes)); } catch (e) { log("tap:", e.message); } originalReceive(bytes); };
  const originalClose = adapter.onClose;
  const closed = { value: null };
  adapter.onClose = ev => { closed.value = { code: ev?.code, reason: String(ev?.reason ?? "") }; originalClose(ev); };
  const repo = new Repo({ network: [adapter], ...(peerId ? { peerId } : {}) });
  return { repo, adapter, closed };
}

async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { const v = pred(); if (v) return v; await sleep(20); }
  return pred();
}

/** Find the document in a repo; resolves to {handle} or {unavailable:true} or {timeout:true}. */
async function findDoc(repo, url, ms) {
  let timer;
  const timeout = new Promise(r => { timer = setTimeout(() => r({ timeout: true }), ms); });
  const found = repo.find(url).then(handle => ({ handle }), e => (/unavailable/i.test(String(e)) ? { unavailable: true } : Promise.reject(e)));
  try { return await Promise.race([found, timeout]); } finally { clearTimeout(timer); }
}

export async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: {
      url: { type: "string" }, doc: { type: "string" }, "expect-read": { type: "boolean" },
      write: { type: "string" }, timeout: { type: "string", default: "10000" },
      "quiet-ms": { type: "string", default: "1500" }, "reject-type": { type: "string", default: "rejected" },
      "peer-id": { type: "string" }, verbose: { type: "boolean" }, help: { type: "boolean" },
    } }));
  } catch (e) { console.error(e.message + "\n" + USAGE); return EXIT.USAGE; }
  if (values.help) { out(USAGE); return EXIT.OK; }
  verbose = !!values.verbose;
  if (!values.url || !values.doc) { console.error(USAGE); return EXIT.USAGE; }
  const docUrl = values.doc.startsWith("automerge:") ? values.doc : `automerge:${values.doc}`;
  if (!isValidAutomergeUrl(docUrl)) { console.error(`not a valid automerge URL: ${values.doc}`); return EXIT.USAGE; }
  const { documentId } = parseAutomergeUrl(docUrl);
  let patch = null;
  if (values.write !== undefined) {
    try { patch = JSON.parse(values.write); } catch (e) { console.error(`--write is not JSON: ${e.message}`); return EXIT.USAGE; }
  }
  const timeoutMs = Number(values.timeout);
  const quietMs = Number(values["quiet-ms"]);
  const rejectType = values["reject-type"];

  // Everything the server sends us, as seen on the wire.
  const state = { peer: null, errors: [], unknown: [], serverSyncs: [], lastFrameAt: 0 };
  const onFrame = bytes => {
    state.lastFrameAt = Date.now();
    let msg;
    try { msg = toJson(parseCbor(bytes)); } catch (e) { out(`UNDECODABLE ${Buffer.from(bytes).toString("hex")}`); return; }
    log("recv", msg?.type, msg?.documentId ?? "");
    if (msg?.type === "peer") state.peer = msg;
    else if (msg?.type === "error") { state.errors.push(msg); out(`ERROR ${JSON.stringify(msg)}`); }
    else if (!KNOWN_TYPES.has(msg?.type)) { state.unknown.push(msg); out(`UNKNOWN ${JSON.stringify(msg)}`); }
    else if (msg.type === "sync" && msg.documentId === documentId) {
      const decoded = A.decodeSyncMessage(Buffer.from(msg.data, "hex"));
      state.serverSyncs.push({ at: Date.now(), heads: decoded.heads });
    }
  };

  const { repo, adapter, closed } = openRepo(values.url, values["peer-id"], onFrame);
  const repos = [repo];
  const finish = async code => {
    await Promise.race([Promise.all(repos.map(r => r.shutdown().catch(() => {}))), sleep(500)]);
    return code;
  };

  // 1. connect: the server must answer our `join` with `peer`
  const peer = await waitFor(() => state.peer || state.errors.length || (closed.value && !state.peer), timeoutMs);
  if (!state.peer) {
    out(`CONNECT_FAILED ${JSON.stringify({ errors: state.errors, closed: closed.value })}`);
    return finish(EXIT.CONNECT);
  }
  void peer; void adapter;
  out(`CONNECTED ${state.peer.senderId} ${JSON.stringify(state.peer.peerMetadata ?? null)}`);

  // 2. find the document
  const found = await findDoc(repo, docUrl, timeoutMs);
  if (found.timeout) { out(`TIMEOUT find ${documentId}`); return finish(EXIT.TIMEOUT); }
  if (found.unavailable) { out(`UNAVAILABLE ${documentId}`); return finish(EXIT.UNAVAILABLE); }
  const handle = found.handle;
  if (values["expect-read"] || patch === null) out(`DOC ${JSON.stringify(handle.doc())}`);
  if (patch === null) return finish(EXIT.OK);

  // 3. write and wait for the server's verdict
  const before = state.serverSyncs.length;
  const unknownBefore = state.unknown.length;
  const errorsBefore = state.errors.length;
  try { handle.change(d => applyPatch(d, patch)); } catch (e) { console.error(`cannot apply --write: ${e.message}`); return finish(EXIT.USAGE); }
  const ourHeads = A.getHeads(handle.doc());
  out(`HEADS ${JSON.stringify(ourHeads)}`);
  const deadline = Date.now() + timeoutMs;
  let verdict = null;
  while (!verdict && Date.now() < deadline) {
    const rejection = state.unknown.slice(unknownBefore).find(m => m.type === rejectType);
    if (rejection) { verdict = { code: EXIT.REFUSED, line: `REJECTED ${JSON.stringify({ detectedBy: "message", message: rejection })}` }; break; }
    const err = state.errors.slice(errorsBefore)[0];
    if (err) { verdict = { code: EXIT.REFUSED, line: `REJECTED ${JSON.stringify({ detectedBy: "error", message: err })}` }; break; }
    const answers = state.serverSyncs.slice(before);
    const ack = answers.find(s => coveredBy(handle.doc(), ourHeads, s.heads));
    if (ack) { verdict = { code: EXIT.OK, line: `ACCEPTED ${JSON.stringify({ detectedBy: "sync", heads: ourHeads, serverHeads: ack.heads })}` }; break; }
    // The server answered but without our change, and has been quiet since: check by reloading.
    if (answers.length && Date.now() - state.lastFrameAt > quietMs) break;
    await sleep(20);
  }
  if (verdict) { out(verdict.line); return finish(verdict.code); }

  // 4. no conclusive message: reload in a fresh repo and look for the change
  log("no conclusive answer; reloading in a fresh repo");
  const fresh = openRepo(values.url, undefined, () => {});
  repos.push(fresh.repo);
  const freshFound = await findDoc(fresh.repo, docUrl, timeoutMs);
  if (freshFound.handle) {
    const present = A.hasHeads(freshFound.handle.doc(), ourHeads);
    out(`DOC_AFTER_RELOAD ${JSON.stringify(freshFound.handle.doc())}`);
    if (present) { out(`ACCEPTED ${JSON.stringify({ detectedBy: "reload", heads: ourHeads })}`); return finish(EXIT.OK); }
    out(`REJECTED ${JSON.stringify({ detectedBy: "reload", heads: ourHeads, serverHeads: A.getHeads(freshFound.handle.doc()) })}`);
    return finish(EXIT.REFUSED);
  }
  out(`TIMEOUT write ${JSON.stringify({ reload: freshFound.unavailable ? "unavailable" : "timeout" })}`);
  return finish(EXIT.TIMEOUT);
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  process.on("uncaughtException", e => { out(`CONNECT_FAILED ${JSON.stringify({ error: String(e?.message ?? e) })}`); process.exit(EXIT.CONNECT); });
  main(process.argv.slice(2)).then(code => process.exit(code), e => { console.error(e); process.exit(EXIT.INTERNAL); });
}
