/// <reference types="node" />
// The words of "why?" over real answers of the wasm engine (the Node process
// loads web/pkg synchronously), in both languages.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initSync, PolicyEngine } from '../../pkg/folio_wasm.js';
import { translator, type Lang } from '../i18n';
import { explanationWords, fill, reasonWords, subjectWords, type Explanation, type Names } from './words';

const NOW = 1_735_689_600_000;
const DAY = 86_400_000;

/** A snapshot as the server sends it for user 7: a comment grant on c1 and an ended write grant. */
const snapshot = {
  revision: 3,
  principal: { type: 'user', id: '7' },
  issued_at: NOW,
  nodes: [
    { id: 'pf', kind: 'portfolio', owner: '1', title: 'My year', readable: false },
    { id: 'c1', kind: 'collection', parent: 'pf', title: 'Internship', readable: true },
    { id: 'p1', kind: 'page', parent: 'c1', title: 'Week 1', readable: true },
  ],
  grants: [
    { id: 4, node: 'c1', subject: { type: 'user', id: '7' }, level: 'comment' },
    { id: 5, node: 'c1', subject: { type: 'user', id: '7' }, level: 'write', end: NOW - DAY },
  ],
};

function names(lang: Lang): Names {
  const byId = new Map(snapshot.nodes.map((n) => [n.id, n]));
  return {
    t: translator(lang),
    person: (id) => (id === '7' ? 'Sam Supervisor' : null),
    node: (id) => { const n = byId.get(id); return n ? { kind: n.kind, title: n.title } : null; },
    link: () => null,
    date: (ms) => new Date(ms).toISOString().slice(0, 10),
  };
}

let engine: PolicyEngine;
beforeAll(() => {
  initSync({ module: readFileSync(new URL('../../pkg/folio_wasm_bg.wasm', import.meta.url)) });
  engine = new PolicyEngine();
  expect(engine.load(snapshot).type).toBe('success');
});

function explain(action: string, node: string): Explanation {
  const answer = engine.explain(action, node, NOW);
  if (answer.type !== 'success') throw new Error(answer.error.message);
  return answer.value as Explanation;
}

describe('why, in words', () => {
  it('names the grant, the person, the level and the node it is attached to', () => {
    const words = explanationWords(explain('read', 'p1'), 'Sam', names('en'));
    expect(words.verdict).toBe('Yes: Sam may open page “Week 1”. Their level here: Comment.');
    expect(words.reasons).toEqual(['Grant #4 gives Comment to Sam Supervisor on collection “Internship”, and so on everything inside it.']);
  });

  it('says what was denied and which grant no longer counts, in Dutch too', () => {
    const en = explanationWords(explain('write', 'c1'), 'Sam', names('en'));
    expect(en.verdict).toBe('No: Sam may not edit collection “Internship”. Their level here: Comment.');
    expect(en.reasons).toContain('Grant #5 gave Write to Sam Supervisor on collection “Internship”, but it ended on 2024-12-31.');
    const nl = explanationWords(explain('write', 'c1'), 'Sam', names('nl'));
    expect(nl.verdict).toBe('Nee: Sam mag collectie “Internship” niet bewerken. Hun niveau hier: Reageren.');
    expect(nl.reasons).toContain('Recht #5 gaf Schrijven aan Sam Supervisor op collectie “Internship”, maar is geëindigd op 2024-12-31.');
  });

  it('explains a path-only ancestor as giving nothing', () => {
    const words = explanationWords(explain('read', 'pf'), 'Sam', names('en'));
    expect(words.verdict.startsWith('No: ')).toBe(true);
    expect(words.reasons).toEqual([translator('en')('va_r_no_grant')]);
  });

  it('words every kind of subject and falls back to the engine’s text for unknown reasons', () => {
    const n = names('en');
    expect(subjectWords({ type: 'role', role: 'teacher' }, n)).toBe('everyone with the role “teacher”');
    expect(subjectWords({ type: 'org', org: '3', role: 'staff' }, n)).toBe('every “staff” of organisation #3');
    expect(subjectWords({ type: 'user', id: '9' }, n)).toBe('person #9');
    expect(subjectWords({ type: 'public' }, n)).toBe('everyone');
    expect(reasonWords({ reason: 'something_new' } as never, n)).toBeNull();
    const ex = { ...explain('read', 'c1'), reasons: [{ reason: 'something_new' }] } as unknown as Explanation;
    expect(explanationWords(ex, 'Sam', n).reasons).toEqual([ex.text]);
    expect(fill('{a} and {b}', { a: '1' })).toBe('1 and {b}');
  });
});
