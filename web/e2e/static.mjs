// A tiny static file server on 127.0.0.1:0 for browser tests that need only the
// wasm package and a test page (no Folio server).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Serves `routes` (url path → file path, or a directory prefix ending in '/'). Resolves { url, close }. */
export async function serveStatic(routes) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    let file = routes[url];
    if (!file) {
      const prefix = Object.keys(routes)
        .filter((p) => p.length > 1 && p.endsWith('/') && url.startsWith(p))
        .sort((a, b) => b.length - a.length)[0];
      if (prefix) file = path.join(routes[prefix], url.slice(prefix.length));
    }
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
