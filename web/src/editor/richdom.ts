// A rich text drawn as DOM, and positions between the two.
//
// Every block element carries `data-start` (the position of its first
// character) and `data-len` (its characters), so a DOM point maps to a text
// position by counting code points from its block's start, and back.
import { h } from '../dom';
import { cpLength, cpToUtf16, type Layout } from '../live/richtext';

/** The blocks as elements: paragraphs, headings (one level below the page's), list items grouped in lists, quotes. */
export function drawBlocks(l: Layout): HTMLElement[] {
  const out: HTMLElement[] = [];
  let list: HTMLElement | null = null;
  let listKind = '';
  for (const b of l.blocks) {
    const k = b.kind;
    const tag = k.block === 'heading' ? (`h${Math.min(k.level + 1, 6)}` as 'h2')
      : k.block === 'unordered-list-item' || k.block === 'ordered-list-item' ? 'li'
        : k.block === 'blockquote' ? 'blockquote' : 'p';
    const el = h(tag, { 'data-start': String(b.start), 'data-len': String(b.length), class: `blk blk-${k.block}` });
    for (const r of b.runs) {
      let node: Node = document.createTextNode(r.text);
      if (r.bold) node = h('strong', {}, node);
      if (r.italic) node = h('em', {}, node);
      if (r.link) node = h('a', { href: r.link, rel: 'noopener noreferrer', target: '_blank' }, node);
      el.append(node);
    }
    if (b.length === 0) el.append(h('br')); // somewhere for the caret
    if (tag === 'li') {
      if (!list || listKind !== k.block) {
        list = h(k.block === 'unordered-list-item' ? 'ul' : 'ol', {});
        listKind = k.block;
        out.push(list);
      }
      list.append(el);
    } else {
      list = null;
      out.push(el);
    }
  }
  return out;
}

/** The text position of a DOM point inside `area`. */
export function indexOf(area: HTMLElement, node: Node, offset: number): number {
  let target: Node = node;
  let off = offset;
  // A point between blocks (in the box or a list): take the block there.
  while (target instanceof HTMLElement && !target.dataset.start) {
    const kids = target.childNodes;
    if (kids.length === 0) break;
    const after = off >= kids.length;
    target = kids[Math.min(off, kids.length - 1)]!;
    off = after ? (target.nodeType === Node.TEXT_NODE ? (target as Text).length : target.childNodes.length) : 0;
    if (target instanceof HTMLElement && target.dataset.start) {
      const start = Number(target.dataset.start);
      return after ? start + Number(target.dataset.len) : start;
    }
  }
  let blockEl: HTMLElement | null = target instanceof HTMLElement ? target : target.parentElement;
  while (blockEl && !blockEl.dataset.start && blockEl !== area) blockEl = blockEl.parentElement;
  if (!blockEl || !blockEl.dataset.start) return 0;
  const r = document.createRange();
  r.setStart(blockEl, 0);
  r.setEnd(target, off);
  return Number(blockEl.dataset.start) + Math.min(cpLength(r.toString()), Number(blockEl.dataset.len));
}

/** The DOM point of a text position inside `area`. */
export function pointOf(area: HTMLElement, index: number): [Node, number] {
  const els = [...area.querySelectorAll<HTMLElement>('[data-start]')];
  let el = els[0]!;
  for (const e of els) if (Number(e.dataset.start) <= index) el = e;
  let rest = Math.max(0, Math.min(index - Number(el.dataset.start), Number(el.dataset.len)));
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
    const len = cpLength(n.data);
    if (rest <= len) return [n, cpToUtf16(n.data, rest)];
    rest -= len;
  }
  return [el, 0];
}
