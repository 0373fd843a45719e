import { describe, expect, it } from 'vitest';
import type { RichText } from '../../pkg/folio_wasm.js';
import { blockAt, cpToUtf16, endsOf, layout, mapCaret, mapSelection, markerIndex, rangeAll, selectionOf, wordStart } from './richtext';

const two: RichText = {
  blocks: [
    { block: 'heading', level: 2, runs: [{ text: 'Title' }] },
    { block: 'paragraph', runs: [{ text: 'Hi ' }, { text: 'bold', bold: true }] },
  ],
};

describe('layout', () => {
  it('counts a marker before every block when the text starts with one', () => {
    const l = layout(two, 1 + 5 + 1 + 7);
    expect(l.implicitFirst).toBe(false);
    expect(l.blocks.map((b) => [b.start, b.length])).toEqual([[1, 5], [7, 7]]);
    expect(markerIndex(l, 0)).toBe(0);
    expect(markerIndex(l, 1)).toBe(6);
  });

  it('sees an implicit first paragraph from the length', () => {
    const t: RichText = { blocks: [{ block: 'paragraph', runs: [{ text: 'ab' }] }, { block: 'paragraph', runs: [{ text: 'c' }] }] };
    const l = layout(t, 4);
    expect(l.implicitFirst).toBe(true);
    expect(l.blocks.map((b) => b.start)).toEqual([0, 3]);
    expect(markerIndex(l, 0)).toBeNull();
    expect(layout(t, 5).implicitFirst).toBe(false);
  });

  it('gives an empty text one empty paragraph at 0', () => {
    const l = layout({ blocks: [] }, 0);
    expect(l.blocks).toHaveLength(1);
    expect(l.blocks[0]!.start).toBe(0);
  });

  it('counts code points, not UTF-16 units', () => {
    const l = layout({ blocks: [{ block: 'paragraph', runs: [{ text: '🌍ü' }] }] }, 2);
    expect(l.blocks[0]!.length).toBe(2);
    expect(cpToUtf16('🌍ü', 1)).toBe(2);
  });
});

describe('positions', () => {
  const l = layout(two, 14);
  it('finds the block of a position', () => {
    expect(blockAt(l, 0)).toBe(0);
    expect(blockAt(l, 6)).toBe(0);
    expect(blockAt(l, 7)).toBe(1);
  });
  it('knows whether a range is all bold', () => {
    expect(rangeAll(l, 10, 14, (r) => !!r.bold)).toBe(true);
    expect(rangeAll(l, 9, 14, (r) => !!r.bold)).toBe(false);
    expect(rangeAll(l, 10, 10, (r) => !!r.bold)).toBe(false);
  });
  it('finds the start of the previous word', () => {
    expect(wordStart(l, 14)).toBe(10);
    expect(wordStart(l, 10)).toBe(7);
  });
});

describe('mapCaret', () => {
  const para = (...texts: string[]): RichText => ({ blocks: texts.map((t) => ({ block: 'paragraph', runs: [{ text: t }] })) });
  it('keeps the caret on its character when someone splits a paragraph above it', () => {
    // "abc|def" (implicit paragraph), caret after "abcd" → someone presses Enter after "ab".
    const before = layout(para('abcdef'), 6);
    const after = layout(para('ab', 'cdef'), 7);
    const caret = 4; // between d and e
    const moved = mapCaret(before, after, caret, [{ patch: 'textFormatted', node: 'n' }], 'n');
    expect(moved).toBe(5); // "ab" + marker + "cd"
  });
  it('follows typing before it and stays put for typing after it', () => {
    const before = layout(para('hello'), 5);
    const after = layout(para('XXhello!'), 8);
    const p = [{ patch: 'textSpliced', node: 'n', index: 0, text: 'XX' } as const, { patch: 'textSpliced', node: 'n', index: 7, text: '!' } as const];
    expect(mapCaret(before, after, 3, p, 'n')).toBe(5);
  });
  it('stays at the start of its block when the block before it is joined away', () => {
    const before = layout(para('ab', 'cd', 'ef'), 8); // implicit first; markers at 2 and 5
    const after = layout(para('abcd', 'ef'), 7); // the marker at 2 deleted
    const p = [{ patch: 'textDeleted', node: 'n', index: 2, length: 1 } as const];
    expect(mapCaret(before, after, 6, p, 'n')).toBe(5); // start of "ef"
  });
});

describe('selections through a redraw', () => {
  const para = (...texts: string[]): RichText => ({ blocks: texts.map((t) => ({ block: 'paragraph', runs: [{ text: t }] })) });
  it('knows the direction from the DOM ends and gives them back', () => {
    // Shift+ArrowLeft×3 from the end of "item two": anchor 8, focus 5.
    const s = selectionOf(8, 5);
    expect(s).toEqual({ start: 5, end: 8, backward: true });
    expect(endsOf(s)).toEqual({ anchor: 8, focus: 5 });
    expect(selectionOf(5, 8)).toEqual({ start: 5, end: 8 });
    expect(endsOf(selectionOf(5, 8))).toEqual({ anchor: 5, focus: 8 });
    expect(selectionOf(4, 4)).toEqual({ start: 4, end: 4 });
  });
  it('keeps a backward selection backward, on its characters, when text is typed before it', () => {
    // "alpha gamma", "ma" selected backward; someone types "X " at the start.
    const before = layout(para('alpha gamma'), 11);
    const after = layout(para('X alpha gamma'), 13);
    const p = [{ patch: 'textSpliced', node: 'n', index: 0, text: 'X ' } as const];
    const moved = mapSelection(before, after, selectionOf(11, 9), p, 'n');
    expect(moved).toEqual({ start: 11, end: 13, backward: true });
    // The anchor stays at the end, so one more Shift+ArrowLeft extends at the start.
    expect(endsOf(moved)).toEqual({ anchor: 13, focus: 11 });
  });
  it('is not moved by typing after it, nor by a change to another text', () => {
    const before = layout(para('alpha gamma'), 11);
    const after = layout(para('alpha gamma!'), 12);
    const sel = selectionOf(5, 0);
    expect(mapSelection(before, after, sel, [{ patch: 'textSpliced', node: 'n', index: 11, text: '!' }], 'n')).toEqual(sel);
    expect(mapSelection(before, before, sel, [{ patch: 'textSpliced', node: 'other', index: 0, text: 'zz' }], 'n')).toEqual(sel);
  });
  it('collapses when its characters are deleted, and stays inside a text replaced wholesale', () => {
    const before = layout(para('alpha gamma'), 11);
    const after = layout(para('alpha '), 6);
    const gone = mapSelection(before, after, selectionOf(11, 7), [{ patch: 'textDeleted', node: 'n', index: 6, length: 5 }], 'n');
    expect(gone).toEqual({ start: 6, end: 6 });
    expect(mapSelection(before, after, selectionOf(11, 3), null, 'n')).toEqual({ start: 3, end: 6, backward: true });
  });
});
