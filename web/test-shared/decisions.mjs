// The decision suite that runs against folio-wasm in Node and in Chromium.
// It takes the wasm module and the fixture files' contents and returns a
// report; both test runners assert that every part passed and that Node and
// Chromium produced the same report. Native Rust pins the same answers (the
// corpus expectations, the golden snapshot decisions, the parity digest).

/** @param folio the folio-wasm module; @param files { corpus: {name: text}, snapshots: {name: text}, digest: string } */
export function runDecisionSuite(folio, files) {
  const report = { corpus: {}, snapshots: {}, parity: null, failures: [] };

  for (const [name, text] of Object.entries(files.corpus)) {
    const answer = folio.runCorpus(text);
    if (answer.type !== 'success') {
      report.failures.push(`${name}: ${answer.error.kind}: ${answer.error.message}`);
      continue;
    }
    report.corpus[name] = answer.value.decisions.map((d) => [d.name, d.allowed, d.level ?? null]);
    for (const d of answer.value.decisions) if (!d.pass) report.failures.push(`${name}/${d.name}: got ${d.allowed} ${d.level}`);
  }

  for (const [name, text] of Object.entries(files.snapshots)) {
    const golden = JSON.parse(text);
    const engine = new folio.PolicyEngine();
    const loaded = engine.load(golden.snapshot);
    if (loaded.type !== 'success') {
      report.failures.push(`${name}: ${loaded.error.message}`);
      continue;
    }
    let checked = 0;
    for (const d of golden.decisions) {
      if ('action' in d) {
        const got = engine.can(d.action, d.node, golden.now);
        if (got !== d.allowed) report.failures.push(`${name}: ${d.action} on ${d.node}: wasm ${got}, native ${d.allowed}`);
      } else {
        const got = engine.level(d.node, golden.now) ?? null;
        if (got !== d.level) report.failures.push(`${name}: level on ${d.node}: wasm ${got}, native ${d.level}`);
      }
      checked++;
    }
    engine.free();
    report.snapshots[name] = checked;
  }

  const parity = folio.randomCases(42, 10_000);
  report.parity = parity;
  if (parity.digest !== files.digest) report.failures.push(`parity digest: wasm ${parity.digest}, native ${files.digest}`);
  return report;
}
