#!/usr/bin/env node
// Wire capture: runs unmodified automerge-repo 2.x client Repos against a sync server
// through a recording websocket proxy and writes every frame as golden fixtures.
//
//   node capture.mjs [--out DIR] [--target ws://HOST:PORT/sync?token=T] [--quiet]
//
// Without --target an in-process reference server (lib/servers.mjs: the stock
// automerge-repo sync server) is started on 127.0.0.1:0. Default --out is
// ../../core/fixtures/sync/captured (relative to this file).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import * as A from "@automerge/automerge";
import { Repo, generateAutomergeUrl, parseAutomergeUrl } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { Encoder } from "cbor-x";
import { startReferenceServer } from "./lib/servers.mjs";
import { startRecordingProxy } from "./lib/proxy.mjs";
import { parseCbor, diag, toJson, wireTypes } from "./lib/cbor-diag.mjs";
import { installedVersions } from "./lib/versions.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = path.resolve(here, "../../core/fixtures/sync/captured");

const hex = u8 => Buffer.from(u8).toString("hex");
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Wait until no frame has been seen for `quietMs` (bounded by `maxMs`). */
async function settle(proxy, quietMs = 300, maxMs = 10_000) {
  const start = Date.now();
  for (;;) {
    const last = proxy.frames.at(-1)?.at ?? 0;
    const idle = Date.now() - Math.max(last, start);
    if (idle >= quietMs) return;
    if (Date.now() - start > maxMs) throw new Error("wire never went quiet");
    await sleep(25);
  }
}

async function until(pred, what, maxMs = 10_000) {
  const start = Date.now();
  while (!(await pred())) {
    if (Date.now() - start > maxMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function describeSyncData(bytes) {
  const m = A.decodeSyncMessage(bytes);
  return {
    messageTypeByte: bytes[0], // 0x42 = sync message v1, 0x43 = v2 (with capabilities)
    heads: m.heads,
    need: m.need,
    have: m.have.map(h => ({ lastSync: h.lastSync, bloomBytes: h.bloom.length })),
    // Each entry is an automerge storage chunk: magic 856f4a83, 4-byte checksum, chunk
    // type (0 = whole document, 1 = change, 2 = deflated change), LEB128 length, body.
    changes: m.changes.map(c => {
      const chunkType = { 0: "document", 1: "change", 2: "compressed-change" }[c[8]] ?? `unknown(${c[8]})`;
      if (chunkType === "document") {
        const doc = A.load(c);
        return { chunkType, bytes: c.length, heads: A.getHeads(doc), content: JSON.parse(JSON.stringify(doc)) };
      }
      const d = A.decodeChange(c);
      return { chunkType, hash: d.hash, actor: d.actor, seq: d.seq, startOp: d.startOp, deps: d.deps, time: d.time, message: d.message, ops: d.ops.length, bytes: c.length };
    }),
  };
}

/** Build the index entry for one recorded frame. */
function describeFrame(frame, fileName) {
  const node = parseCbor(frame.bytes);
  const message = toJson(node);
  const entry = {
    seq: frame.seq,
    file: fileName,
    connection: frame.connection,
    direction: frame.direction,
    opcode: frame.binary ? "binary" : "text",
    length: frame.bytes.length,
    type: message?.type ?? null,
    message,
    wireTypes: wireTypes(node),
    diag: diag(node),
  };
  if ((message.type === "sync" || message.type === "request") && typeof message.data === "string") {
    entry.syncData = describeSyncData(Buffer.from(message.data, "hex"));
  }
  if (message.type === "ephemeral" && typeof message.data === "string") {
    entry.ephemeralData = { diag: diag(parseCbor(Buffer.from(message.data, "hex"))), json: toJson(parseCbor(Buffer.from(message.data, "hex"))) };
  }
  if (typeof message.documentId === "string") {
    const bin = parseAutomergeUrl(`automerge:${message.documentId}`).binaryDocumentId;
    entry.documentIdBinary = hex(bin);
  }
  return entry;
}

export async function runCapture({ outDir = DEFAULT_OUT, target, log = () => {} } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "folio-capture-"));
  const server = target ? null : await startReferenceServer({ dataDir: path.join(tmp, "server") });
  const proxy = await startRecordingProxy({
    target: target ?? server.url,
    onFrame: f => log(`#${f.seq} ${f.direction} ${f.bytes.length}B`),
  });
  const proxyUrl = (() => {
    const t = new URL(target ?? server.url);
    return `${proxy.url}${t.pathname}${t.search}`;
  })();
  const steps = [];
  const mark = name => steps.push({ step: name, firstSeq: proxy.frames.length + 1 });
  const repos = [];
  try {
    // 1. client 1 (no storage: isEphemeral true, storageId undefined) joins
    mark("c1 joins (Repo without storage)");
    proxy.labelNext("c1");
    const a1 = new BrowserWebSocketClientAdapter(proxyUrl);
    const repo1 = new Repo({ network: [a1], peerId: "client-1" });
    repos.push(repo1);
    await until(() => repo1.peers.length > 0, "c1 peer");
    await settle(proxy);

    // 2. client 1 creates a document; its default sharePolicy announces it with `sync`
    mark("c1 creates a document (repo.create)");
    const h1 = repo1.create({ title: "Folio", items: [] });
    await settle(proxy);

    // 3. client 1 changes it
    mark("c1 changes the document (handle.change)");
    h1.change(d => { d.title = "Folio portfolio"; d.items.push("first entry"); });
    await settle(proxy);

    // 4. client 2 (with storage: storageId set, isEphemeral false) joins and finds it by id
    mark("c2 joins (Repo with NodeFS storage)");
    proxy.labelNext("c2");
    const a2 = new BrowserWebSocketClientAdapter(proxyUrl);
    const repo2 = new Repo({ network: [a2], peerId: "client-2", storage: new NodeFSStorageAdapter(path.join(tmp, "c2")) });
    repos.push(repo2);
    await until(() => repo2.peers.length > 0, "c2 peer");
    await settle(proxy);
    mark("c2 finds the document by id (request → sync)");
    const h2 = await repo2.find(h1.url);
    await settle(proxy);
    const got = JSON.stringify(h2.doc());
    if (got !== JSON.stringify(h1.doc())) throw new Error(`c2 got ${got}`);

    // 5. client 2 changes it; the server relays to client 1
    mark("c2 changes the document; server relays to c1");
    h2.change(d => { d.items.push("second entry"); });
    await until(() => h1.doc().items.length === 2, "c1 to see c2's change");
    await settle(proxy);

    // 6. ephemeral broadcast from client 1, relayed to client 2
    mark("c1 broadcasts an ephemeral message (handle.broadcast)");
    let ephemeralSeen = null;
    h2.on("ephemeral-message", e => { ephemeralSeen = e.message; });
    h1.broadcast({ presence: { user: "alice", cursor: 3 } });
    await until(() => ephemeralSeen !== null, "c2 to receive the ephemeral message");
    await settle(proxy);

    // 7. client 2 requests a document that does not exist → doc-unavailable
    mark("c2 requests a document that does not exist (doc-unavailable)");
    const missing = generateAutomergeUrl();
    let unavailable = false;
    try { await repo2.find(missing); } catch (e) { unavailable = /unavailable/.test(String(e)); }
    if (!unavailable) throw new Error("missing document was not reported unavailable");
    await settle(proxy);

    // 8. a raw client offering an unsupported protocol version → error (synthetic client:
    //    the stock client always offers ["1"]; this captures the server's `error` shape)
    mark("raw client joins offering protocol version \"99\" (error)");
    proxy.labelNext("c3");
    await new Promise((resolve, reject) => {
      const ws = new WebSocket(proxyUrl);
      ws.on("open", () => {
        const enc = new Encoder({ tagUint8Array: false, useRecords: false });
        ws.send(enc.encode({ type: "join", senderId: "client-3", peerMetadata: { isEphemeral: true }, supportedProtocolVersions: ["99"] }));
      });
      ws.on("close", resolve);
      ws.on("error", reject);
      setTimeout(() => { ws.terminate(); resolve(); }, 3000);
    });
    await settle(proxy);

    // write fixtures
    fs.mkdirSync(outDir, { recursive: true });
    for (const f of fs.readdirSync(outDir)) if (f.endsWith(".cbor") || f === "index.json") fs.rmSync(path.join(outDir, f));
    const frames = proxy.frames.map(frame => {
      const type = (() => { try { return toJson(parseCbor(frame.bytes)).type ?? "unknown"; } catch { return "undecodable"; } })();
      const file = `${String(frame.seq).padStart(3, "0")}-${frame.direction}-${type}.cbor`;
      fs.writeFileSync(path.join(outDir, file), frame.bytes);
      return describeFrame(frame, file);
    });
    const index = {
      description: "Frames recorded between unmodified automerge-repo clients and a sync server; see README.md",
      command: target ? `node tests/interop/capture.mjs --target ${target}` : "node tests/interop/capture.mjs",
      server: target ?? "in-process reference server (tests/interop/lib/servers.mjs)",
      versions: installedVersions(),
      documents: {
        [h1.documentId]: { url: h1.url, binaryHex: hex(parseAutomergeUrl(h1.url).binaryDocumentId), finalContent: h1.doc() },
        [parseAutomergeUrl(missing).documentId]: { url: missing, binaryHex: hex(parseAutomergeUrl(missing).binaryDocumentId), finalContent: null },
      },
      steps,
      frames,
    };
    fs.writeFileSync(path.join(outDir, "index.json"), JSON.stringify(index, null, 2) + "\n");
    return index;
  } finally {
    for (const r of repos) await r.shutdown().catch(() => {});
    await proxy.close();
    if (server) await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? "")) {
  const { values } = parseArgs({ options: { out: { type: "string" }, target: { type: "string" }, quiet: { type: "boolean" } } });
  runCapture({ outDir: values.out ? path.resolve(values.out) : DEFAULT_OUT, target: values.target, log: values.quiet ? () => {} : m => console.error(m) })
    .then(index => {
      console.log(`wrote ${index.frames.length} frames to ${values.out ?? DEFAULT_OUT}`);
      for (const f of index.frames) console.log(`${f.file}\t${f.length}B`);
      process.exit(0);
    })
    .catch(e => { console.error(e); process.exit(1); });
}
