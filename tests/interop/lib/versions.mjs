import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Installed versions of the packages that define the wire format. */
export function installedVersions() {
  const out = { node: process.versions.node };
  for (const name of ["@automerge/automerge-repo", "@automerge/automerge-repo-network-websocket",
    "@automerge/automerge-repo-storage-nodefs", "@automerge/automerge", "cbor-x", "ws"]) {
    const pj = path.join(here, "..", "node_modules", ...name.split("/"), "package.json");
    try { out[name] = JSON.parse(fs.readFileSync(pj, "utf8")).version; } catch { out[name] = null; }
  }
  return out;
}
export { require };
