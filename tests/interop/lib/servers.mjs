// The stock automerge-repo sync server, as published by the automerge team
// (automerge-repo-sync-server): Repo + WebSocketServerAdapter (a.k.a. NodeWSServerAdapter)
// + NodeFSStorageAdapter, sharePolicy () => false (it never announces documents,
// it only answers requests and relays).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WebSocketServer } from "ws";
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";

/**
 * Start a reference sync server on 127.0.0.1:`port` (0 = any free port).
 * Returns { url, port, repo, wss, dataDir, close() }. `url` ends in `/sync`
 * (the stock adapter ignores the path and query; Folio serves `/sync`).
 */
export async function startReferenceServer({ port = 0, host = "127.0.0.1", dataDir, peerId = "sync-server", keepAliveInterval } = {}) {
  const ownDir = !dataDir;
  dataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "folio-ref-server-"));
  const wss = new WebSocketServer({ host, port });
  await new Promise((resolve, reject) => { wss.once("listening", resolve); wss.once("error", reject); });
  const adapter = new NodeWSServerAdapter(wss, keepAliveInterval);
  const repo = new Repo({
    network: [adapter],
    storage: new NodeFSStorageAdapter(dataDir),
    peerId,
    sharePolicy: async () => false,
  });
  // The adapter only attaches its "connection" listener once the Repo has resolved its
  // peer metadata (storage id), asynchronously; a client connecting before that would
  // be ignored. Wait for it before announcing the port.
  for (let i = 0; !adapter.peerId; i++) {
    if (i > 500) throw new Error("server adapter never connected");
    await new Promise(r => setTimeout(r, 10));
  }
  const actualPort = wss.address().port;
  return {
    url: `ws://${host}:${actualPort}/sync`,
    port: actualPort,
    repo,
    wss,
    dataDir,
    async close() {
      await repo.shutdown().catch(() => {});
      for (const c of wss.clients) c.terminate();
      await new Promise(resolve => wss.close(() => resolve()));
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
