// One rich text (a section's or a text resource's) bound to its Automerge
// text through typed edits.
//
// The browser never edits the DOM itself: every `beforeinput` is cancelled
// and turned into a `splice_text`, `format` or `set_block` edit; the box is
// then drawn again from the document and the caret put back by position.
// Remote changes are drawn the same way, the local caret mapped through the
// splice patches in characters (live/richtext.ts `mapCaret`), so it stays
// on the character where the person was typing even when someone splits or
// joins paragraphs above it.
//
// Every redraw puts back the selection the person has *now*: it is read from
// the DOM at redraw time (mapped through the patches when the change is
// remote), never from the last one stored, and with its direction (anchor
// and focus), so a Shift+Arrow after a redraw goes on extending the same end.
// A remote change that arrives while the box is not focused (the link field
// is open, say) moves the stored selection through the patches too, so the
// formatting applies to the characters that were selected.
//
// IME composition is the one input the browser performs itself; at
// `compositionend` the composed text becomes one splice and the box is
// redrawn from the document.
//
// The text's length (to know whether the first paragraph has a marker) comes
// from the document (`SyncClient.textLength`, in the units of every position).
import type { BlockKind, DocId, DocPatch, Format, RichText } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h, uid } from '../dom';
import type { Live } from '../live/connection';
import {
  blockAt, cpLength, endsOf, layout, mapSelection, markerIndex, rangeAll, runAt, selectionOf, wordEnd, wordStart,
  type Layout, type TextSelection,
} from '../live/richtext';
import { drawBlocks, indexOf, pointOf } from './richdom';
import { toolbar, type Toolbar } from './toolbar';

export interface Cursor { index: number; name: string; color: string }

export interface TextBoxOptions {
  live: Live;
  doc: DocId;
  node: string;
  label: string;
  editable: boolean;
  /** A failed edit (shown by the page, nothing lost: the text stays as it
   * was), or null after one that worked (the message goes away). */
  onError(message: string | null): void;
  /** The local caret moved (null: left the box). */
  onCaret(index: number | null): void;
}

function textLength(live: Live, doc: DocId, node: string): number | null {
  return live.client.textLength(doc, node) ?? null;
}

function readText(live: Live, doc: DocId, node: string): RichText {
  const n = live.client.readNode(doc, node) as { content?: { text?: RichText } } | undefined;
  return n?.content?.text ?? { blocks: [] };
}

export class TextBox {
  readonly el: HTMLElement;
  readonly area: HTMLDivElement;
  private l: Layout;
  private readonly cursorLayer: HTMLElement;
  private cursors = new Map<string, Cursor>();
  private sel: TextSelection | null = null;
  private composingFrom: { start: number; end: number } | null = null;
  private bar: Toolbar | null = null;

  constructor(private readonly ctx: Ctx, private readonly o: TextBoxOptions) {
    const id = uid('text');
    this.area = h('div', {
      class: 'rich', id, role: 'textbox', 'aria-multiline': 'true', 'aria-label': o.label,
      contenteditable: o.editable ? 'true' : undefined, 'aria-readonly': o.editable ? undefined : 'true',
      spellcheck: 'true', 'data-node': o.node,
    });
    this.cursorLayer = h('div', { class: 'cursors', 'aria-hidden': 'true' });
    this.l = layout({ blocks: [] }, 0);
    let bar: Toolbar | null = null;
    if (o.editable) {
      bar = toolbar(ctx, id, {
        bold: () => this.toggle({ format: 'bold' }),
        italic: () => this.toggle({ format: 'italic' }),
        block: (k) => this.setBlock(k),
        link: (href) => {
          this.link(href);
          this.area.focus();
        },
        currentLink: () => (this.sel ? (runAt(this.l, this.sel.end)?.link ?? '') : ''),
      });
      this.bar = bar;
      this.area.addEventListener('beforeinput', (ev) => this.onBeforeInput(ev as InputEvent));
      this.area.addEventListener('keydown', (ev) => this.onKey(ev));
      this.area.addEventListener('compositionstart', () => { this.composingFrom = this.domSelection(); });
      this.area.addEventListener('compositionend', (ev) => this.onCompositionEnd(ev));
    }
    this.area.addEventListener('focus', () => this.reportCaret());
    this.area.addEventListener('blur', () => o.onCaret(null));
    document.addEventListener('selectionchange', this.onSelectionChange);
    this.el = h('div', { class: 'rich-wrap' }, bar?.el, h('div', { class: 'rich-stage' }, this.area, this.cursorLayer));
    this.render();
  }

  /** Stops listening (the box left the page). */
  dispose(): void {
    document.removeEventListener('selectionchange', this.onSelectionChange);
  }

  /** Remote (or reset) changes: redraw, keeping the selection on the characters it was on. */
  remote(patches: DocPatch[] | null): void {
    // Mid-composition (IME) the browser owns the DOM: redraw when it ends.
    if (this.composingFrom) return;
    // The person's selection as it is now (the DOM's, while focused), not
    // the last one stored: keys may have moved it since.
    const focused = document.activeElement === this.area;
    const now = focused ? this.domSelection() : this.sel;
    const old = this.l;
    this.render();
    if (now) {
      const moved = mapSelection(old, this.l, now, patches, this.o.node);
      if (focused) this.place(moved);
      else this.sel = moved;
    }
    this.drawCursors();
  }

  /** The last known selection in the text (positions). */
  get selection(): TextSelection | null {
    return this.sel;
  }

  /** The selection now (from the DOM while focused), else the last known one. */
  currentSelection(): TextSelection {
    return this.domSelection() ?? this.sel ?? { start: this.l.length, end: this.l.length };
  }

  /** Focuses the box with this selection (its direction kept). */
  focusAt(sel: TextSelection): void {
    this.area.focus();
    const n = this.l.length;
    this.place({ ...sel, start: Math.min(sel.start, n), end: Math.min(sel.end, n) });
  }

  /** Remote cursors: exactly these peers' (others are removed). */
  setCursors(cursors: Map<string, Cursor>): void {
    this.cursors = new Map(cursors);
    this.drawCursors();
  }

  private render(): void {
    this.l = layout(readText(this.o.live, this.o.doc, this.o.node), textLength(this.o.live, this.o.doc, this.o.node));
    this.area.replaceChildren(...drawBlocks(this.l));
    this.syncToolbar();
  }

  // ---- positions ----------------------------------------------------------

  private toIndex(node: Node, offset: number): number {
    return indexOf(this.area, node, offset);
  }

  private toPoint(index: number): [Node, number] {
    return pointOf(this.area, index);
  }

  private domSelection(): TextSelection | null {
    const s = document.getSelection();
    if (!s || s.rangeCount === 0 || !this.area.contains(s.anchorNode) || !this.area.contains(s.focusNode)) return null;
    return selectionOf(this.toIndex(s.anchorNode!, s.anchorOffset), this.toIndex(s.focusNode!, s.focusOffset));
  }

  /** Selects `sel` in the DOM, anchor and focus where its direction says. */
  private place(sel: TextSelection): void {
    const s = document.getSelection();
    if (!s) return;
    const { anchor, focus } = endsOf(sel);
    const [an, ao] = this.toPoint(anchor);
    const [fn, fo] = this.toPoint(focus);
    s.setBaseAndExtent(an, ao, fn, fo);
    this.sel = sel.start < sel.end && sel.backward ? { start: sel.start, end: sel.end, backward: true } : { start: sel.start, end: sel.end };
  }

  private readonly onSelectionChange = (): void => {
    if (document.activeElement !== this.area) return;
    const s = this.domSelection();
    if (s) {
      this.sel = s;
      this.syncToolbar();
      this.reportCaret();
    }
  };

  private reportCaret(): void {
    const s = this.domSelection();
    if (s) this.o.onCaret(s.end);
  }

  private syncToolbar(): void {
    const at = this.sel ? blockAt(this.l, this.sel.start) : 0;
    this.bar?.showBlock(this.l.blocks[at]!.kind);
  }

  // ---- edits ---------------------------------------------------------------

  private apply(edit: Parameters<Live['edit']>[1]): boolean {
    const r = this.o.live.edit(this.o.doc, edit);
    this.o.onError(r.ok ? null : r.message);
    return r.ok;
  }

  private after(start: number, end = start, backward = false): void {
    this.render();
    this.place({ start, end, backward });
    this.reportCaret();
    this.drawCursors();
  }

  private replace(sel: { start: number; end: number }, text: string): void {
    const ok = this.apply({ op: 'splice_text', node: this.o.node, index: sel.start, delete: sel.end - sel.start, insert: text });
    const at = ok ? sel.start + cpLength(text) : sel.start;
    this.after(at);
  }

  private remove(start: number, end: number): void {
    if (end <= start) return;
    this.apply({ op: 'splice_text', node: this.o.node, index: start, delete: end - start, insert: '' });
    this.after(start);
  }

  private split(sel: { start: number; end: number }): void {
    if (sel.end > sel.start && !this.apply({ op: 'splice_text', node: this.o.node, index: sel.start, delete: sel.end - sel.start, insert: '' })) return this.after(sel.start);
    if (sel.end > sel.start) this.render();
    const p = sel.start;
    const l = this.l;
    const i = blockAt(l, p);
    const b = l.blocks[i]!;
    const isList = b.kind.block === 'unordered-list-item' || b.kind.block === 'ordered-list-item';
    const next: BlockKind = isList ? b.kind : { block: 'paragraph' };
    const node = this.o.node;
    if (isList && b.length === 0) {
      // Enter in an empty list item ends the list.
      const m = markerIndex(l, i);
      this.apply({ op: 'set_block', node, index: m ?? 0, kind: { block: 'paragraph' } });
      return this.after(m === null ? p + 1 : p);
    }
    if (i === 0 && l.implicitFirst && p === 0) {
      // Give the first paragraph its marker, then split after it.
      if (!this.apply({ op: 'set_block', node, index: 0, kind: { block: 'paragraph' } })) return this.after(p);
      this.apply({ op: 'set_block', node, index: 1, kind: { block: 'paragraph' } });
      return this.after(2);
    }
    const atEnd = p === b.start + b.length;
    const nextBlock = l.blocks[i + 1];
    if (atEnd && nextBlock) {
      // A marker follows: split the next block's text off, then make the
      // marker at `p` the new (empty) block.
      if (nextBlock.length === 0) return this.after(nextBlock.start);
      if (!this.apply({ op: 'set_block', node, index: p + 1, kind: nextBlock.kind })) return this.after(p);
      this.apply({ op: 'set_block', node, index: p, kind: next });
      return this.after(p + 1);
    }
    const kind = p === b.start && b.length > 0 ? b.kind : next;
    this.apply({ op: 'set_block', node, index: p, kind });
    this.after(p + 1);
  }

  private setBlock(kind: BlockKind): void {
    const sel = this.sel ?? { start: 0, end: 0 };
    const i = blockAt(this.l, sel.start);
    const m = markerIndex(this.l, i);
    if (!this.apply({ op: 'set_block', node: this.o.node, index: m ?? 0, kind })) return this.after(sel.start, sel.end);
    const shift = m === null ? 1 : 0;
    this.after(sel.start + shift, sel.end + shift, sel.backward);
    this.area.focus();
  }

  private toggle(format: Format): void {
    const sel = this.sel;
    if (!sel || sel.end <= sel.start) return;
    const has = format.format === 'bold' ? (r: { bold?: boolean }) => !!r.bold : (r: { italic?: boolean }) => !!r.italic;
    const on = !rangeAll(this.l, sel.start, sel.end, has);
    this.apply({ op: 'format', node: this.o.node, start: sel.start, end: sel.end, format, on });
    this.after(sel.start, sel.end, sel.backward);
  }

  private link(href: string): void {
    const sel = this.sel;
    if (!sel || sel.end <= sel.start) return this.o.onError(this.ctx.t('selectTextFirst'));
    if (href === '') {
      const old = runAt(this.l, sel.end)?.link;
      if (old) this.apply({ op: 'format', node: this.o.node, start: sel.start, end: sel.end, format: { format: 'link', href: old }, on: false });
    } else {
      this.apply({ op: 'format', node: this.o.node, start: sel.start, end: sel.end, format: { format: 'link', href }, on: true });
    }
    this.after(sel.start, sel.end, sel.backward);
  }

  private onKey(ev: KeyboardEvent): void {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
    const k = ev.key.toLowerCase();
    if (k === 'b' || k === 'i') {
      ev.preventDefault();
      this.sel = this.domSelection() ?? this.sel;
      this.toggle({ format: k === 'b' ? 'bold' : 'italic' });
    } else if (k === 'k') {
      ev.preventDefault();
      this.sel = this.domSelection() ?? this.sel;
      this.bar?.openLink();
    } else if (k === 'z' || k === 'y') {
      ev.preventDefault(); // the browser's undo would edit the DOM behind the document's back
    }
  }

  private onBeforeInput(ev: InputEvent): void {
    if (ev.inputType === 'insertCompositionText') return; // see compositionend
    ev.preventDefault();
    const sel = this.domSelection() ?? this.sel ?? { start: this.l.length, end: this.l.length };
    const collapsed = sel.start === sel.end;
    switch (ev.inputType) {
      case 'insertText':
      case 'insertReplacementText':
      case 'insertFromPaste':
      case 'insertFromDrop':
      case 'insertFromYank': {
        const text = ev.data ?? ev.dataTransfer?.getData('text/plain') ?? '';
        if (text.includes('\n')) return this.pasteLines(sel, text);
        return this.replace(sel, text);
      }
      case 'insertParagraph':
      case 'insertLineBreak':
        return this.split(sel);
      case 'deleteContentBackward':
        return collapsed ? this.remove(Math.max(0, sel.start - 1), sel.start) : this.remove(sel.start, sel.end);
      case 'deleteContentForward':
        return collapsed ? this.remove(sel.start, Math.min(this.l.length, sel.start + 1)) : this.remove(sel.start, sel.end);
      case 'deleteWordBackward':
        return collapsed ? this.remove(sel.start === this.l.blocks[blockAt(this.l, sel.start)]!.start ? Math.max(0, sel.start - 1) : wordStart(this.l, sel.start), sel.start) : this.remove(sel.start, sel.end);
      case 'deleteWordForward':
        return collapsed ? this.remove(sel.start, Math.max(wordEnd(this.l, sel.start), Math.min(this.l.length, sel.start + 1))) : this.remove(sel.start, sel.end);
      case 'deleteByCut':
      case 'deleteByDrag':
      case 'deleteContent':
      case 'deleteSoftLineBackward':
      case 'deleteHardLineBackward':
        return this.remove(sel.start, sel.end);
      case 'formatBold':
        this.sel = sel;
        return this.toggle({ format: 'bold' });
      case 'formatItalic':
        this.sel = sel;
        return this.toggle({ format: 'italic' });
      default:
        return; // anything else would change the DOM behind the document's back
    }
  }

  /** Pasted lines: the first replaces the selection, each further one is a new block. */
  private pasteLines(sel: { start: number; end: number }, text: string): void {
    const lines = text.replace(/\r\n?/g, '\n').split('\n');
    this.replace(sel, lines[0]!);
    let at = sel.start + cpLength(lines[0]!);
    for (const line of lines.slice(1)) {
      this.split({ start: at, end: at });
      at = this.sel?.start ?? at;
      this.replace({ start: at, end: at }, line);
      at += cpLength(line);
    }
  }

  private onCompositionEnd(ev: CompositionEvent): void {
    const from = this.composingFrom ?? this.sel ?? { start: 0, end: 0 };
    this.composingFrom = null;
    this.replace(from, ev.data ?? '');
  }

  private drawCursors(): void {
    this.cursorLayer.replaceChildren();
    const stage = this.cursorLayer.parentElement;
    if (!stage || this.cursors.size === 0) return;
    const base = stage.getBoundingClientRect();
    for (const c of this.cursors.values()) {
      const [n, o] = this.toPoint(Math.min(c.index, this.l.length));
      const r = document.createRange();
      r.setStart(n, o);
      r.collapse(true);
      let rect = r.getBoundingClientRect();
      if (rect.height === 0 && n instanceof HTMLElement) rect = n.getBoundingClientRect();
      const mark = h('span', { class: 'remote-caret', title: c.name },
        h('span', { class: 'remote-name' }, c.name));
      mark.style.left = `${rect.left - base.left}px`;
      mark.style.top = `${rect.top - base.top}px`;
      mark.style.height = `${Math.max(rect.height, 16)}px`;
      mark.style.setProperty('--who', c.color);
      this.cursorLayer.append(mark);
    }
  }
}
