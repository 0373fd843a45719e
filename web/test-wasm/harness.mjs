// Loads the Node build of folio-wasm (built by `cargo xtask wasm` into target-wasm/pkg-node,
// with the feature `testing`: the corpus and parity runners).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const workspace = path.resolve(here, '../..');
const pkgDir = path.resolve(process.env.FOLIO_WASM_NODE_PKG ?? path.join(workspace, 'target-wasm/pkg-node'));

/** The folio-wasm module, instantiated for Node. */
export const folio = createRequire(import.meta.url)(path.join(pkgDir, 'folio_wasm.js'));
