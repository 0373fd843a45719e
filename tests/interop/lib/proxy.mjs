// A transparent websocket MITM: every accepted connection is relayed to `target`
// (same path and query string appended), and every frame in either direction is
// recorded with its connection label, direction, opcode (binary/text) and raw bytes.
import { WebSocketServer, WebSocket } from "ws";

// `filter(frame, { sendToClient, sendToServer })`, if given, is called for every frame
// after it is recorded; returning false drops it (used by tests to mimic a refusing server).
export async function startRecordingProxy({ target, host = "127.0.0.1", port = 0, onFrame, filter } = {}) {
  const frames = [];
  const sockets = new Set();
  let connections = 0;
  const labels = [];
  const wss = new WebSocketServer({ host, port });
  await new Promise((resolve, reject) => { wss.once("listening", resolve); wss.once("error", reject); });
  const base = new URL(target);

  wss.on("connection", (client, req) => {
    const label = labels.shift() ?? `c${++connections}`;
    const reqUrl = new URL(req.url, "ws://proxy");
    const upstreamUrl = new URL(base);
    // keep the client's query string (tokens) and, if the target has no path of its own, its path
    if (base.pathname === "/" || base.pathname === "") upstreamUrl.pathname = reqUrl.pathname;
    if (reqUrl.search) upstreamUrl.search = reqUrl.search;
    const upstream = new WebSocket(upstreamUrl, { headers: req.headers.cookie ? { cookie: req.headers.cookie } : {} });
    sockets.add(client); sockets.add(upstream);
    const pending = [];
    const record = (direction, data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? Buffer.from(data) : Buffer.concat(data);
      const frame = { seq: frames.length + 1, connection: label, direction, binary: isBinary, bytes, at: Date.now() };
      frames.push(frame);
      onFrame?.(frame);
      return !filter || filter(frame, {
        sendToClient: bytes => client.readyState === WebSocket.OPEN && client.send(bytes, { binary: true }),
        sendToServer: bytes => upstream.readyState === WebSocket.OPEN && upstream.send(bytes, { binary: true }),
      }) !== false;
    };
    client.on("message", (data, isBinary) => {
      if (!record(`${label}-to-server`, data, isBinary)) return;
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else pending.push([data, isBinary]);
    });
    upstream.on("open", () => { for (const [d, b] of pending.splice(0)) upstream.send(d, { binary: b }); });
    upstream.on("message", (data, isBinary) => {
      if (!record(`server-to-${label}`, data, isBinary)) return;
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    const closeBoth = (code, reason) => {
      const c = typeof code === "number" && code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000;
      if (client.readyState === WebSocket.OPEN) client.close(c, reason);
      if (upstream.readyState === WebSocket.OPEN) upstream.close(c, reason);
      if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
    };
    client.on("close", (code, reason) => closeBoth(code, reason));
    upstream.on("close", (code, reason) => closeBoth(code, reason));
    upstream.on("unexpected-response", (_req, res) => { client.close(1008, `upstream HTTP ${res.statusCode}`); });
    upstream.on("error", () => closeBoth(1011));
    client.on("error", () => closeBoth(1011));
  });

  return {
    url: `ws://${host}:${wss.address().port}`,
    frames,
    /** Name the next accepted connection (otherwise c1, c2, …). */
    labelNext(label) { labels.push(label); },
    async close() {
      for (const s of sockets) s.terminate();
      await new Promise(resolve => wss.close(() => resolve()));
    },
  };
}
