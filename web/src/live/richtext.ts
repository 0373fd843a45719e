// Positions in a rich text, as the document counts them.
//
// A text is one Automerge text object: characters, plus one block marker at
// the start of every block (heading, list item, …). Text before the first
// marker is an implicit paragraph (core/src/doc/rich.rs). Positions count
// Unicode code points, a marker counting as one. `read()` gives blocks and
// runs, which do not say whether the first paragraph has a marker; the text's
// length does, so `layout` takes it.
import type { Block, BlockKind, DocPatch, RichText, Run } from '../../pkg/folio_wasm.js';

export function cpLength(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/** The UTF-16 offset of code point `cp` in `s` (clamped to its end). */
export function cpToUtf16(s: string, cp: number): number {
  let u = 0;
  let n = 0;
  for (const ch of s) {
    if (n >= cp) break;
    u += ch.length;
    n += 1;
  }
  return u;
}

export interface BlockLayout {
  kind: BlockKind;
  runs: Run[];
  /** Position of the block's first character (after its marker). */
  start: number;
  /** Its characters, in code points. */
  length: number;
}

export interface Layout {
  blocks: BlockLayout[];
  /** The whole text's length, markers included. */
  length: number;
  /** The first block has no marker. */
  implicitFirst: boolean;
}

function kindOf(b: Block): BlockKind {
  switch (b.block) {
    case 'heading': return { block: 'heading', level: b.level };
    default: return { block: b.block } as BlockKind;
  }
}

/** Lays out a text read from a document; `total` is its length (null: unknown, assume markers). */
export function layout(text: RichText, total: number | null): Layout {
  const lens = text.blocks.map((b) => b.runs.reduce((n, r) => n + cpLength(r.text), 0));
  const sum = lens.reduce((a, b) => a + b, 0);
  if (text.blocks.length === 0) {
    return { blocks: [{ kind: { block: 'paragraph' }, runs: [], start: 0, length: 0 }], length: 0, implicitFirst: true };
  }
  const implicitFirst = text.blocks[0]!.block === 'paragraph' && total === sum + text.blocks.length - 1;
  const blocks: BlockLayout[] = [];
  let pos = 0;
  text.blocks.forEach((b, i) => {
    if (i > 0 || !implicitFirst) pos += 1; // the marker
    blocks.push({ kind: kindOf(b), runs: b.runs, start: pos, length: lens[i]! });
    pos += lens[i]!;
  });
  return { blocks, length: pos, implicitFirst };
}

/** The block holding position `index` (a block's range includes its end). */
export function blockAt(l: Layout, index: number): number {
  let found = 0;
  l.blocks.forEach((b, i) => {
    if (b.start <= index) found = i;
  });
  return found;
}

/** Where block `i`'s marker is, or null for an implicit first paragraph. */
export function markerIndex(l: Layout, i: number): number | null {
  if (i === 0 && l.implicitFirst) return null;
  return l.blocks[i]!.start - 1;
}

/** Does every character of `start..end` satisfy `test`? (False for an empty range.) */
export function rangeAll(l: Layout, start: number, end: number, test: (r: Run) => boolean): boolean {
  let any = false;
  for (const b of l.blocks) {
    let pos = b.start;
    for (const r of b.runs) {
      const len = cpLength(r.text);
      const from = Math.max(pos, start);
      const to = Math.min(pos + len, end);
      if (from < to) {
        any = true;
        if (!test(r)) return false;
      }
      pos += len;
    }
  }
  return any;
}

/** The run at a position (the one before it, as typing there continues it). */
export function runAt(l: Layout, index: number): Run | null {
  const b = l.blocks[blockAt(l, index)]!;
  let pos = b.start;
  for (const r of b.runs) {
    const len = cpLength(r.text);
    if (index > pos && index <= pos + len) return r;
    pos += len;
  }
  return b.runs[0] ?? null;
}

/** Start of the word before `index` inside its block (for Ctrl+Backspace). */
export function wordStart(l: Layout, index: number): number {
  const b = l.blocks[blockAt(l, index)]!;
  const chars = [...b.runs.map((r) => r.text).join('')];
  let k = index - b.start;
  while (k > 0 && /\s/u.test(chars[k - 1]!)) k -= 1;
  while (k > 0 && !/\s/u.test(chars[k - 1]!)) k -= 1;
  return b.start + k;
}

/** End of the word after `index` inside its block (for Ctrl+Delete). */
export function wordEnd(l: Layout, index: number): number {
  const b = l.blocks[blockAt(l, index)]!;
  const chars = [...b.runs.map((r) => r.text).join('')];
  let k = index - b.start;
  while (k < chars.length && /\s/u.test(chars[k]!)) k += 1;
  while (k < chars.length && !/\s/u.test(chars[k]!)) k += 1;
  return b.start + k;
}

/** Markers at positions before `index`. */
function markersBefore(l: Layout, index: number): number {
  let n = 0;
  l.blocks.forEach((b, i) => {
    if ((i > 0 || !l.implicitFirst) && b.start - 1 < index) n += 1;
  });
  return n;
}

/** The position of the `chars`-th character (markers not counted); at a
 * block boundary, the start of the next block when `preferNext`. */
function fromChars(l: Layout, chars: number, preferNext: boolean): number {
  let before = 0;
  for (let i = 0; i < l.blocks.length; i++) {
    const b = l.blocks[i]!;
    const end = before + b.length;
    const last = i === l.blocks.length - 1;
    if (chars < end || (chars === end && (last || !preferNext))) return b.start + Math.max(0, chars - before);
    before = end;
  }
  return l.length;
}

/**
 * Moves a local caret through a remote change: like `mapIndex`, but in
 * characters, so block markers inserted or removed elsewhere (someone pressed
 * Enter above, joined two paragraphs) do not shift it either. `before` and
 * `after` are the layouts around the change.
 */
export function mapCaret(before: Layout, after: Layout, index: number, patches: DocPatch[], node: string): number {
  let chars = index - markersBefore(before, index);
  const b = before.blocks[blockAt(before, index)]!;
  const atBlockStart = index === b.start && index > 0;
  for (const p of patches) {
    if (p.patch === 'textSpliced' && p.node === node) {
      const at = p.index - markersBefore(after, p.index);
      const added = cpLength(p.text.replace(/\uFFFC/g, ''));
      if (at < chars) chars += added;
    } else if (p.patch === 'textDeleted' && p.node === node) {
      const at = p.index - markersBefore(before, p.index);
      const gone = p.length - (markersBefore(before, p.index + p.length) - markersBefore(before, p.index));
      if (at < chars) chars -= Math.min(gone, chars - at);
    }
  }
  return fromChars(after, chars, atBlockStart);
}

/**
 * A selection in a text: the range, and which end the person is moving.
 * `backward`: the focus (the end that Shift+Arrow moves) is at `start`, as
 * after Shift+ArrowLeft; otherwise it is at `end`. A redraw must keep the
 * direction, or the next Shift+Arrow shrinks the selection from the wrong end.
 */
export interface TextSelection { start: number; end: number; backward?: boolean }

/** A selection from its two DOM ends as positions (anchor: where it began). */
export function selectionOf(anchor: number, focus: number): TextSelection {
  return focus < anchor ? { start: focus, end: anchor, backward: true } : { start: anchor, end: focus };
}

/** Its anchor and focus positions (for `Selection.setBaseAndExtent`). */
export function endsOf(s: TextSelection): { anchor: number; focus: number } {
  return s.backward ? { anchor: s.end, focus: s.start } : { anchor: s.start, focus: s.end };
}

/**
 * Moves a selection through a change to its text: each end as `mapCaret`
 * moves a caret (`patches` null: the text was replaced wholesale, so the ends
 * are only kept inside it). The direction is kept; a selection whose text was
 * deleted collapses.
 */
export function mapSelection(before: Layout, after: Layout, sel: TextSelection, patches: DocPatch[] | null, node: string): TextSelection {
  const map = (i: number) => (patches ? mapCaret(before, after, i, patches, node) : Math.min(i, after.length));
  const start = map(sel.start);
  const end = Math.max(start, map(sel.end));
  return start < end && sel.backward ? { start, end, backward: true } : { start, end };
}
