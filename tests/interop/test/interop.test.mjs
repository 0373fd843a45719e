// Self-check of the interop kit against the stock automerge-repo sync server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { isDeepStrictEqual } from "node:util";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as A from "@automerge/automerge";
import { Repo } from "@automerge/automerge-repo";
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { Encoder, decode } from "cbor-x";
import { runCapture, DEFAULT_OUT } from "../capture.mjs";
import { startRecordingProxy } from "../lib/proxy.mjs";
import { parseCbor, toJson } from "../lib/cbor-diag.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Run a script in this package; resolves to { code, stdout, stderr }. */
function run(script, args, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, script), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", d => (stdout += d));
    child.stderr.on("data", d => (stderr += d));
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${script} timed out\n${stdout}\n${stderr}`)); }, timeoutMs);
    child.on("exit", code => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}
const line = (stdout, tag) => stdout.split("\n").find(l => l.startsWith(tag + " "))?.slice(tag.length + 1);

let server, serverUrl;
before(async () => {
  server = spawn(process.execPath, [path.join(root, "reference-server.mjs"), "0"], { stdio: ["ignore", "pipe", "pipe"] });
  serverUrl = await new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`reference server did not start: ${buf}`)), 15_000);
    server.stdout.on("data", d => {
      buf += d;
      const m = buf.match(/listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on("exit", code => reject(new Error(`reference server exited ${code}`)));
  });
});
after(() => { server?.kill("SIGTERM"); });

/** Create a document on the server with a stock client; returns its automerge URL. */
async function seed(url, content) {
  const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)] });
  try {
    for (let i = 0; !repo.peers.length; i++) { if (i > 500) throw new Error("no peer"); await sleep(20); }
    const handle = repo.create(content);
    // wait until the server has it: a fresh stock client can find it (a Repo caches
    // "unavailable", so every attempt uses a new one)
    for (let i = 0; ; i++) {
      await sleep(150);
      const check = new Repo({ network: [new BrowserWebSocketClientAdapter(url)] });
      try {
        const found = await check.find(handle.url).catch(() => null);
        if (found && isDeepStrictEqual(JSON.parse(JSON.stringify(found.doc())), content)) break;
      } finally { await check.shutdown(); }
      if (i > 40) throw new Error("server never stored the seeded document");
    }
    return handle.url;
  } finally { await repo.shutdown(); }
}

test("capture scenario records every message type against the reference server", async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "folio-capture-test-"));
  try {
    const index = await runCapture({ outDir });
    const types = new Set(index.frames.map(f => `${f.direction.startsWith("server") ? "s2c" : "c2s"}:${f.type}`));
    for (const t of ["c2s:join", "s2c:peer", "c2s:sync", "s2c:sync", "c2s:request", "c2s:ephemeral", "s2c:ephemeral", "s2c:doc-unavailable", "s2c:error"]) {
      assert.ok(types.has(t), `missing ${t}: ${[...types]}`);
    }
    for (const f of index.frames) {
      const bytes = fs.readFileSync(path.join(outDir, f.file));
      assert.equal(bytes.length, f.length);
      assert.equal(f.opcode, "binary");
      assert.deepEqual(toJson(parseCbor(bytes)), f.message);
      assert.equal(f.wireTypes.type, "text");
      if ("documentId" in f.message) assert.equal(f.wireTypes.documentId, "text");
      if ("data" in f.message) assert.equal(f.wireTypes.data, "bytes");
    }
    const join = index.frames.find(f => f.type === "join");
    assert.deepEqual(join.message.supportedProtocolVersions, ["1"]);
    assert.equal(index.frames.find(f => f.type === "peer").message.selectedProtocolVersion, "1");
  } finally { fs.rmSync(outDir, { recursive: true, force: true }); }
});

test("committed fixtures decode to their index entries", { skip: !fs.existsSync(path.join(DEFAULT_OUT, "index.json")) }, () => {
  const index = JSON.parse(fs.readFileSync(path.join(DEFAULT_OUT, "index.json"), "utf8"));
  assert.ok(index.frames.length > 10);
  for (const f of index.frames) {
    const bytes = fs.readFileSync(path.join(DEFAULT_OUT, f.file));
    assert.deepEqual(toJson(parseCbor(bytes)), f.message, f.file);
    assert.equal(decode(bytes).type, f.type, f.file); // cbor-x (what the stock client uses) agrees
  }
});

test("client.mjs reads, writes and reports unavailable documents", async () => {
  const content = { title: "Folio", items: ["one"], text: "hello" };
  const docUrl = await seed(serverUrl, content);

  const read = await run("client.mjs", ["--url", `${serverUrl}?token=T`, "--doc", docUrl, "--expect-read"]);
  assert.equal(read.code, 0, read.stdout + read.stderr);
  assert.deepEqual(JSON.parse(line(read.stdout, "DOC")), content);
  assert.match(line(read.stdout, "CONNECTED"), /^sync-server /);

  const patch = [{ op: "set", path: ["title"], value: "Folio 2" }, { op: "push", path: ["items"], value: "two" },
    { op: "splice", path: ["text"], index: 5, delete: 0, insert: " world" }, { op: "set", path: ["meta", "n"], value: 1 }];
  const write = await run("client.mjs", ["--url", serverUrl, "--doc", docUrl, "--write", JSON.stringify(patch)]);
  assert.equal(write.code, 0, write.stdout + write.stderr);
  assert.ok(line(write.stdout, "ACCEPTED"));

  const reread = await run("client.mjs", ["--url", serverUrl, "--doc", docUrl]);
  assert.equal(reread.code, 0);
  assert.deepEqual(JSON.parse(line(reread.stdout, "DOC")), { title: "Folio 2", items: ["one", "two"], text: "hello world", meta: { n: 1 } });

  const missing = await run("client.mjs", ["--url", serverUrl, "--doc", "automerge:2QQVowYqcC9cqpkdqKqYepdBcGN6"]);
  assert.equal(missing.code, 4, missing.stdout);
  assert.ok(line(missing.stdout, "UNAVAILABLE"));

  const refused = await run("client.mjs", ["--url", "ws://127.0.0.1:9/sync", "--doc", docUrl, "--timeout", "2000"]);
  assert.equal(refused.code, 3, refused.stdout);

  const usage = await run("client.mjs", ["--url", serverUrl]);
  assert.equal(usage.code, 2);
});

/** A proxy in front of the reference server that refuses every client change. */
async function refusingProxy(mode) {
  const enc = new Encoder({ tagUint8Array: false, useRecords: false });
  return startRecordingProxy({
    target: serverUrl,
    filter(frame, { sendToClient }) {
      if (!frame.direction.endsWith("-to-server")) return true;
      const msg = decode(frame.bytes);
      if (msg.type !== "sync") return true;
      const sync = A.decodeSyncMessage(msg.data);
      if (sync.changes.length === 0) return true;
      if (mode === "message") {
        sendToClient(enc.encode({ type: "rejected", senderId: "sync-server", targetId: msg.senderId, documentId: msg.documentId,
          changes: sync.changes.map(c => { try { return A.decodeChange(c).hash; } catch { return null; } }), reasons: ["forbidden"], heads: [] }));
      }
      return false; // drop the change
    },
  });
}

test("client.mjs detects a refusal by an unknown message and by reload", async () => {
  const docUrl = await seed(serverUrl, { title: "locked" });
  for (const [mode, detectedBy] of [["message", "message"], ["silent", "reload"]]) {
    const proxy = await refusingProxy(mode);
    try {
      const res = await run("client.mjs", ["--url", `${proxy.url}/sync`, "--doc", docUrl, "--write", '{"title":"hacked"}', "--timeout", "3000", "--quiet-ms", "500"]);
      assert.equal(res.code, 5, `${mode}: ${res.stdout}${res.stderr}`);
      assert.equal(JSON.parse(line(res.stdout, "REJECTED")).detectedBy, detectedBy);
      if (mode === "message") assert.equal(JSON.parse(line(res.stdout, "UNKNOWN")).type, "rejected");
    } finally { await proxy.close(); }
  }
  const after = await run("client.mjs", ["--url", serverUrl, "--doc", docUrl]);
  assert.deepEqual(JSON.parse(line(after.stdout, "DOC")), { title: "locked" });
});
