import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { folio, workspace } from './harness.mjs';
import { runDecisionSuite } from '../test-shared/decisions.mjs';
import { decisionFiles } from '../test-shared/files.mjs';

test('the decision corpus, the golden snapshots and 10,000 generated cases decide in wasm as natively', () => {
  const report = runDecisionSuite(folio, decisionFiles());
  assert.deepEqual(report.failures, []);
  assert.ok(Object.keys(report.corpus).length >= 3);
  assert.ok(Object.keys(report.snapshots).length >= 50);
  assert.equal(report.parity.cases, 10_000);
  fs.mkdirSync(path.join(workspace, 'target-wasm'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'target-wasm/decisions-node.json'), JSON.stringify(report));
});

test('bad input comes back as a failure value with a kind, never a throw', () => {
  const corpus = folio.runCorpus('{ not json');
  assert.equal(corpus.type, 'failure');
  assert.equal(corpus.error.kind, 'corpus');
  assert.match(corpus.error.message, /not valid/);

  const spec = folio.parseShareSpec('student,teacher,teacher,7,12,Ask@en');
  assert.equal(spec.type, 'failure');
  assert.equal(spec.error.kind, 'share_spec');
  assert.match(spec.error.message, /level/);

  const engine = new folio.PolicyEngine();
  const loaded = engine.load({ nonsense: true });
  assert.equal(loaded.type, 'failure');
  assert.equal(loaded.error.kind, 'snapshot');
  assert.equal(engine.can('read', 'anything', 0), false);
  assert.equal(engine.explain('fly', 'anything', 0).error.kind, 'action');
});

test('share specs parse into what the sharing dialog shows, and print canonically', () => {
  const answer = folio.parseShareSpec('student,supervisor,yves.lacoste@airfrance.com,3,12,Request an Assessment@en/Beoordeling vragen@nl');
  assert.equal(answer.type, 'success');
  const [share] = answer.value.shares;
  assert.equal(share.level, 3);
  assert.equal(share.validityHours, 12);
  assert.deepEqual(share.labels.map((l) => l.lang), ['en', 'nl']);
  assert.equal(share.asksForEmail, false);
  assert.equal(folio.parseShareSpec('student,all,?,4,unlimited,Share@en').value.shares[0].asksForEmail, true);
  assert.equal(folio.parseShareSpec(answer.value.canonical).value.canonical, answer.value.canonical);
});
