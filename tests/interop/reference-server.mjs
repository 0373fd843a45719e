#!/usr/bin/env node
// The stock automerge-repo sync server, for benchmarks and interop checks:
// Repo + NodeWSServerAdapter (ws on 127.0.0.1) + NodeFSStorageAdapter in a temp dir,
// sharePolicy () => false (like automerge-repo-sync-server).
//
//   node reference-server.mjs [PORT] [--host 127.0.0.1] [--data DIR] [--keep]
//
// Prints `listening on ws://HOST:PORT/sync` on stdout once connections are accepted
// (the adapter ignores the path and query, so any path works). SIGINT/SIGTERM stop it;
// the temp data dir is removed unless --data or --keep is given.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startReferenceServer } from "./lib/servers.mjs";

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  host: { type: "string", default: "127.0.0.1" }, data: { type: "string" }, keep: { type: "boolean" },
} });
const port = Number(positionals[0] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error("usage: node reference-server.mjs [PORT] [--host H] [--data DIR] [--keep]"); process.exit(2); }
const dataDir = values.data ?? fs.mkdtempSync(path.join(os.tmpdir(), "folio-ref-server-"));
fs.mkdirSync(dataDir, { recursive: true });
const server = await startReferenceServer({ port, host: values.host, dataDir });
console.log(`listening on ${server.url}`);
console.error(`data dir ${dataDir}`);
const stop = async () => {
  await server.close();
  if (!values.data && !values.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
