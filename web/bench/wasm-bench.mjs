#!/usr/bin/env node
// folio-wasm budgets, measured in headless Chromium: `node web/bench/wasm-bench.mjs`
// (after `cargo xtask wasm`, which builds the optimised web/pkg, the app's module,
// and web/pkg-test, the same code plus the feature `testing`, which the page loads).
//
// 1. size: web/pkg/folio_wasm_bg.wasm (the app's module) gzipped at level 9 (budget ≤ 450 KB);
// 2. `can`: the access benchmark's generated world (core/benches/access.rs:
//    WorldSize::BENCH, seed 2024, questions seed 7) built inside the module;
//    timed (a) inside wasm over 200,000 questions, (b) one boundary crossing per
//    check, in batches of 1,000 (browser timers are too coarse for single calls;
//    p50 is over batch means), and (c) through the app's API, `PolicyEngine.can`
//    on a snapshot of the 1,000-node portfolio's owner (budget ≤ 2 µs p50 and
//    ≥ 500,000 checks/s); the wasm/native ratio uses core/README.md's p50;
// 3. load: a 200-page portfolio's outline (portfolio + 10 collections × 20
//    pages) and one 50-section page, loaded from saved bytes and read whole,
//    ready to render (budget ≤ 50 ms).
// Prints the figures and writes target-wasm/wasm-bench.json.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../e2e/harness.mjs';
import { serveStatic } from '../e2e/static.mjs';

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NATIVE_CHECK_P50_NS = 481; // core/README.md, "Performance": check p50, same world and questions

const wasmFile = path.join(workspace, 'web/pkg/folio_wasm_bg.wasm');
const raw = fs.readFileSync(wasmFile);
const size = { rawKB: raw.length / 1024, gzipKB: zlib.gzipSync(raw, { level: 9 }).length / 1024 };

const site = await serveStatic({ '/': path.join(workspace, 'web/bench/wasm-bench.html'), '/pkg/': path.join(workspace, 'web/pkg-test') });
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(site.url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });

  const access = await page.evaluate(() => {
    const { AccessBench, PolicyEngine } = window.folio;
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const N = 200_000;
    const t0 = performance.now();
    const bench = new AccessBench(2024, N);
    const buildMs = performance.now() - t0;
    bench.run(0, 20_000); // warm up
    // (a) inside wasm
    const inside = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      bench.run(0, N);
      inside.push(((performance.now() - t) * 1e6) / N);
    }
    // (b) one crossing per check, batches of 1,000
    const B = 1000;
    const batches = [];
    let allowed = 0;
    const tAll = performance.now();
    for (let i = 0; i < N; i += B) {
      const t = performance.now();
      for (let j = i; j < i + B; j++) allowed += bench.check(j) ? 1 : 0;
      batches.push(((performance.now() - t) * 1e6) / B);
    }
    const crossingSecs = (performance.now() - tAll) / 1000;
    // (c) the app's API on a snapshot: the owner of the 1,000-node portfolio
    const now = 500_000;
    const snapshot = bench.snapshot(0, now);
    const engine = new PolicyEngine();
    const loaded = engine.load(snapshot);
    const ids = snapshot.nodes.map((n) => n.id);
    const actions = ['read', 'comment', 'write', 'create_child', 'delete', 'share', 'manage'];
    const qs = Array.from({ length: 100_000 }, (_, i) => [actions[i % 7], ids[(i * 7919) % ids.length], (i * 104729) % 1_000_000]);
    for (const [a, n, t] of qs.slice(0, 10_000)) engine.can(a, n, t);
    const canBatches = [];
    let canAllowed = 0;
    const tCan = performance.now();
    for (let i = 0; i < qs.length; i += B) {
      const t = performance.now();
      for (let j = i; j < i + B; j++) canAllowed += engine.can(qs[j][0], qs[j][1], qs[j][2]) ? 1 : 0;
      canBatches.push(((performance.now() - t) * 1e6) / B);
    }
    const canSecs = (performance.now() - tCan) / 1000;
    return {
      nodes: bench.nodeCount,
      buildMs,
      insideNs: median(inside),
      crossing: { p50Ns: median(batches), checksPerSec: N / crossingSecs, allowed },
      policyEngine: { loaded: loaded.type, snapshotNodes: ids.length, p50Ns: median(canBatches), checksPerSec: qs.length / canSecs, allowed: canAllowed },
    };
  });

  const load = await page.evaluate(() => {
    const { FolioDoc, newDocumentId } = window.folio;
    const session = new Uint8Array(16).fill(5);
    const ok = (a) => {
      if (a.type !== 'success') throw new Error(JSON.stringify(a.error));
      return a.value;
    };
    const id = (n) => ok(newDocumentId(new Uint8Array(16).map((_, i) => (n * 31 + i) & 255)));
    const words = 'portfolio reflection evidence learning outcome project teamwork feedback growth practice'.split(' ');
    const prose = (n) => Array.from({ length: n }, (_, i) => words[(i * 7 + n) % words.length]).join(' ');
    // Build the documents (not timed), keep their saved bytes.
    const portfolio = ok(FolioDoc.create({ kind: 'portfolio', node: 'pf', title: 'A student portfolio' }, 'user:1', session));
    const collections = [];
    for (let c = 0; c < 10; c++) {
      ok(portfolio.apply({ op: 'add_collection', id: `c${c}`, title: `Year ${c + 1}: ${prose(4)}`, document: id(c) }));
      const coll = ok(FolioDoc.create({ kind: 'collection', node: `c${c}`, portfolio: 'pf' }, 'user:1', session));
      for (let p = 0; p < 20; p++) ok(coll.apply({ op: 'add_page', id: `p${c}_${p}`, title: `Page ${p + 1}: ${prose(5)}`, document: id(100 + c * 20 + p) }));
      collections.push(coll.save());
    }
    const page = ok(FolioDoc.create({ kind: 'page', node: 'p0_0', collection: 'c0' }, 'user:1', session));
    for (let s = 0; s < 50; s++) {
      const parent = s % 5 === 0 ? 'p0_0' : `s${s - (s % 5)}`;
      ok(page.apply({ op: 'add_section', parent, id: `s${s}`, title: `Section ${s + 1}`, index: null }));
      ok(page.apply({ op: 'splice_text', node: `s${s}`, index: 0, insert: `${prose(60)}\n${prose(40)}` }));
      ok(page.apply({ op: 'format', node: `s${s}`, start: 0, end: 20, format: { format: 'bold' }, on: true }));
      ok(page.apply({ op: 'set_block', node: `s${s}`, index: 0, kind: { block: 'heading', level: 3 } }));
    }
    const bytes = { portfolio: portfolio.save(), collections, page: page.save() };
    const totalKB = (bytes.portfolio.length + bytes.page.length + collections.reduce((n, c) => n + c.length, 0)) / 1024;
    // Timed: load everything from bytes and read it whole, ready to render.
    const runs = [];
    let pages = 0;
    let sections = 0;
    for (let r = 0; r < 21; r++) {
      const t = performance.now();
      const pf = ok(FolioDoc.load(bytes.portfolio, 'user:1', session)).read();
      const outline = bytes.collections.map((b) => ok(FolioDoc.load(b, 'user:1', session)).read());
      const pg = ok(FolioDoc.load(bytes.page, 'user:1', session)).read();
      runs.push(performance.now() - t);
      pages = outline.reduce((n, c) => n + c.pages.length, 0);
      const count = (ns) => ns.reduce((n, x) => n + 1 + count(x.children), 0);
      sections = count(pg.children);
      if (pf.collections.length !== 10) throw new Error('outline');
    }
    const sorted = [...runs.slice(1)].sort((a, b) => a - b);
    return { pages, sections, totalKB, p50Ms: sorted[Math.floor(sorted.length / 2)], maxMs: sorted.at(-1), firstMs: runs[0] };
  });

  const figures = {
    size,
    access: { ...access, nativeP50Ns: NATIVE_CHECK_P50_NS, ratioInside: access.insideNs / NATIVE_CHECK_P50_NS, ratioApi: access.policyEngine.p50Ns / NATIVE_CHECK_P50_NS },
    load,
    chromium: await browser.version(),
  };
  const pass = {
    size: size.gzipKB <= 450,
    canP50: access.policyEngine.p50Ns <= 2000 && access.crossing.p50Ns <= 2000,
    canRate: access.policyEngine.checksPerSec >= 500_000 && access.crossing.checksPerSec >= 500_000,
    load: load.p50Ms <= 50,
  };
  const f = (x, d = 0) => x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`folio-wasm budgets in headless Chromium ${figures.chromium}`);
  console.log(`  size            ${f(size.rawKB)} KB raw, ${f(size.gzipKB)} KB gzip -9            (≤ 450 KB)  ${pass.size ? 'ok' : 'OVER'}`);
  console.log(`  world           ${f(access.nodes)} nodes, built in ${f(access.buildMs)} ms`);
  console.log(`  check in wasm   ${f(access.insideNs)} ns/check (native p50 ${NATIVE_CHECK_P50_NS} ns: ×${f(figures.access.ratioInside, 2)})`);
  console.log(`  check from JS   p50 ${f(access.crossing.p50Ns)} ns, ${f(access.crossing.checksPerSec)} checks/s`);
  console.log(`  PolicyEngine.can p50 ${f(access.policyEngine.p50Ns)} ns, ${f(access.policyEngine.checksPerSec)} checks/s on a ${access.policyEngine.snapshotNodes}-node snapshot (×${f(figures.access.ratioApi, 2)} native)  (≤ 2 µs, ≥ 500,000/s)  ${pass.canP50 && pass.canRate ? 'ok' : 'OVER'}`);
  console.log(`  load            ${load.pages} pages outline + ${load.sections}-section page (${f(load.totalKB)} KB): p50 ${f(load.p50Ms, 1)} ms, max ${f(load.maxMs, 1)} ms, first ${f(load.firstMs, 1)} ms  (≤ 50 ms)  ${pass.load ? 'ok' : 'OVER'}`);
  fs.mkdirSync(path.join(workspace, 'target-wasm'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'target-wasm/wasm-bench.json'), JSON.stringify({ figures, pass }, null, 2));
  if (!Object.values(pass).every(Boolean)) process.exitCode = 1;
} finally {
  await browser.close();
  await site.close();
}
