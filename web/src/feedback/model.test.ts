import { describe, expect, it } from 'vitest';
import type { Entry, Feedback } from '../../pkg/folio_wasm.js';
import { evaluationOf, foldThreads, userOf } from './model';

function entry(id: string, at: number, kind: Entry['kind'] = { type: 'comment' }, body = id): Entry {
  return { id, kind, body, created_at: at, edited_at: null, deleted: false, hidden: false };
}

function doc(thread: string, author: string, entries: Entry[], resolution: Feedback['resolution'] = null, opener = 'user:1'): Feedback {
  return {
    thread, anchor: { doc: 'automerge:x', node: 'page1' }, opener,
    author: { principal: author, name: author.toUpperCase(), role: null, organisation: null }, entries, resolution,
  };
}

describe('feedback threads', () => {
  it('folds the documents of a thread into one conversation, replies under their entry across documents', () => {
    const threads = foldThreads([
      ['d1', doc('t1', 'user:1', [entry('a', 10), entry('c', 30, { type: 'reply', to: 'b' })])],
      ['d2', doc('t1', 'user:2', [entry('b', 20, { type: 'reply', to: 'a' }), entry('d', 40)])],
    ]);
    expect(threads).toHaveLength(1);
    const [t] = threads;
    expect(t.entries.map((e) => e.entry.id)).toEqual(['a', 'd']);
    expect(t.entries[0].replies.map((e) => [e.entry.id, e.author, e.doc])).toEqual([['b', 'user:2', 'd2']]);
    expect(t.entries[0].replies[0].replies.map((e) => e.entry.id)).toEqual(['c']);
    expect(t.docs.get('user:2')).toBe('d2');
    expect(t.lastAt).toBe(40);
  });

  it('shows a reply whose entry is not here (not sent to this reader) at the top level', () => {
    const [t] = foldThreads([['d2', doc('t1', 'user:2', [entry('b', 20, { type: 'reply', to: 'gone' })])]]);
    expect(t.entries.map((e) => e.entry.id)).toEqual(['b']);
  });

  it('takes the most recent resolve or reopen of any participant; a tie resolves', () => {
    const fold = (a: Feedback['resolution'], b: Feedback['resolution']) =>
      foldThreads([['d1', doc('t', 'user:1', [entry('a', 1)], a)], ['d2', doc('t', 'user:2', [], b)]])[0].resolved;
    expect(fold({ resolved: true, at: 5 }, { resolved: false, at: 9 })).toBe(false);
    expect(fold({ resolved: true, at: 9 }, { resolved: false, at: 5 })).toBe(true);
    expect(fold({ resolved: false, at: 7 }, { resolved: true, at: 7 })).toBe(true);
    expect(fold(null, null)).toBe(false);
  });

  it('orders threads by their latest activity', () => {
    const threads = foldThreads([
      ['d1', doc('old', 'user:1', [entry('a', 10)])],
      ['d2', doc('new', 'user:1', [entry('b', 50)])],
    ]);
    expect(threads.map((t) => t.id)).toEqual(['new', 'old']);
  });

  it('reads evaluations and principal keys', () => {
    expect(evaluationOf(entry('e', 1, { type: 'evaluation', criterion: 'Reflection', level: 'proficient', note: null })))
      .toEqual({ criterion: 'Reflection', level: 'proficient', note: null });
    expect(evaluationOf(entry('c', 1))).toBeNull();
    expect(userOf('user:42')).toBe('42');
  });
});
