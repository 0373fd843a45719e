#!/usr/bin/env bash
# Sync server benchmark: Folio's `folio` binary vs the stock automerge-repo
# sync server (tests/interop/reference-server.mjs), same load, one run, ratios.
#
#   scripts/bench-sync.sh [folio-load flags…]
#   e.g. scripts/bench-sync.sh --editors 100 --rate 5 --seconds 15 --idle 10000
#        scripts/bench-sync.sh --thin   (editors without replicas: see
#        tests/src/bin/folio-load/thin.rs and README "Sync server")
#
# Builds release binaries, installs the interop kit's npm packages if needed
# (`npm install`, not `npm ci`: see tests/interop/README.md), raises the open
# file limit to the hard limit (10,000 idle sockets need as many descriptors
# on each side), and runs tests/src/bin/folio-load/. Loopback only; every
# phase has a fixed duration (the saturating one, with `--edits N`, a fixed
# amount of work).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" || true
if [ ! -d tests/interop/node_modules/@automerge/automerge-repo ]; then
  (cd tests/interop && npm install)
fi
cargo build --release -p folio-server --bin folio -p folio-tests --bin folio-load
target_dir="${CARGO_TARGET_DIR:-target}"
exec "$target_dir/release/folio-load" \
  --folio-bin "$target_dir/release/folio" \
  --interop tests/interop \
  "$@"
