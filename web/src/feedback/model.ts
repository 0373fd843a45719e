// Feedback threads folded from feedback documents.
//
// A thread is stored as one document per (thread, author) (DESIGN.md); the
// panel shows it as one conversation. This module is the pure folding step:
// given the feedback documents this browser holds (the server sent only
// those the person may read — Read on the anchor and the hide-feedback rule),
// it groups them by thread, orders the entries, hangs replies under the
// entry they answer and folds the participants' resolve/reopen actions (the
// most recent wins, ties: resolved — as `Feedback::resolution` in core).
//
// It decides nothing about access: which documents are here is the server's
// decision, and the panel asks the engine what to offer.
import type { Entry, Evaluation, Feedback } from '../../pkg/folio_wasm.js';

/** One entry with who wrote it and which document holds it. */
export interface ThreadEntry {
  entry: Entry;
  /** The author's principal key (`user:7`). */
  author: string;
  /** The author's name as written in their document. */
  authorName: string;
  /** The document holding the entry. */
  doc: string;
  /** Replies to this entry, oldest first. */
  replies: ThreadEntry[];
}

export interface Thread {
  id: string;
  /** The anchor node. */
  node: string;
  /** Principal key of whoever opened it. */
  opener: string;
  resolved: boolean;
  /** Top-level entries (comments, evaluations, and replies whose entry is not here), oldest first. */
  entries: ThreadEntry[];
  /** When the thread last changed (for ordering threads: most recent first). */
  lastAt: number;
  /** The documents of the thread, by author principal key. */
  docs: Map<string, string>;
}

/** The evaluation carried by an entry, if it is one. */
export function evaluationOf(e: Entry): Evaluation | null {
  return e.kind.type === 'evaluation' ? { criterion: e.kind.criterion, level: e.kind.level, note: e.kind.note ?? null } : null;
}

function byTime(a: ThreadEntry, b: ThreadEntry): number {
  return a.entry.created_at - b.entry.created_at || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0);
}

/** Groups feedback documents (`[doc id, read document]`) into threads, most recently active first. */
export function foldThreads(docs: [string, Feedback][]): Thread[] {
  const threads = new Map<string, { docs: [string, Feedback][] }>();
  for (const [id, f] of docs) {
    const t = threads.get(f.thread) ?? { docs: [] };
    t.docs.push([id, f]);
    threads.set(f.thread, t);
  }
  const out: Thread[] = [];
  for (const [id, { docs: parts }] of threads) {
    const all: ThreadEntry[] = [];
    for (const [doc, f] of parts) {
      for (const entry of f.entries) all.push({ entry, author: f.author.principal, authorName: f.author.name, doc, replies: [] });
    }
    all.sort(byTime);
    const byId = new Map(all.map((e) => [e.entry.id, e] as [string, ThreadEntry]));
    const top: ThreadEntry[] = [];
    for (const e of all) {
      const to = e.entry.kind.type === 'reply' ? e.entry.kind.to : null;
      const parent = to ? byId.get(to) : undefined;
      if (parent && parent !== e) parent.replies.push(e);
      else top.push(e);
    }
    let resolution: { resolved: boolean; at: number } | null = null;
    for (const [, f] of parts) {
      const r = f.resolution;
      if (!r) continue;
      if (!resolution || r.at > resolution.at || (r.at === resolution.at && r.resolved)) resolution = { resolved: r.resolved, at: r.at };
    }
    const times = all.map((e) => Math.max(e.entry.created_at, e.entry.edited_at ?? 0));
    if (resolution) times.push(resolution.at);
    const first = parts[0][1];
    out.push({
      id,
      node: first.anchor.node,
      opener: first.opener,
      resolved: resolution?.resolved ?? false,
      entries: top,
      lastAt: times.length ? Math.max(...times) : 0,
      docs: new Map(parts.map(([doc, f]) => [f.author.principal, doc] as [string, string])),
    });
  }
  out.sort((a, b) => b.lastAt - a.lastAt || (a.id < b.id ? -1 : 1));
  return out;
}

/** The user id in a principal key (`user:7` → `7`), as the engine's feedback rule names people. */
export function userOf(principal: string): string {
  return principal.startsWith('user:') ? principal.slice(5) : principal;
}
