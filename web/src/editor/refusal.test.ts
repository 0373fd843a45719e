import { expect, it } from 'vitest';
import { readableReasons, refusedText, refusedTitles } from './refusal';

it('joins keystroke changes of one field and separates fields', () => {
  expect(refusedText([
    { node: 's', field: 'text', text: 'T' },
    { node: 's', field: 'text', text: 'yped' },
    { node: 's', field: 'title', text: 'Goals' },
    { node: null, field: null, text: '' },
  ])).toBe('Typed\n\nGoals');
});

it('names nodes by their titles and gives each reason once', () => {
  const names = new Map([['4bRJ', 'Goals']]);
  expect(readableReasons(['you may not edit the text of `4bRJ`', 'you may not edit the text of `4bRJ`', 'it builds on change `ab12`'], names))
    .toEqual(['you may not edit the text of “Goals”', 'it builds on change `ab12`']);
});

it('leaves out block markers (U+FFFC) and changes that added no text', () => {
  expect(refusedText([{ node: 's', field: 'text', text: '\uFFFC' }, { node: 's', field: 'text', text: 'ok' }])).toBe('ok');
  expect(refusedText([{ node: 's', field: 'text', text: '\uFFFC' }])).toBe('');
});

it('finds the titles a refused outline edit had typed', () => {
  const previous = { kind: 'collection', pages: [{ id: 'a', title: 'Train notes' }, { id: 'b', title: 'Same' }, { id: 'c', title: 'New page' }] };
  const now = { kind: 'collection', pages: [{ id: 'a', title: 'Week 1' }, { id: 'b', title: 'Same' }] };
  expect(refusedTitles(previous, now)).toEqual([
    { node: 'a', field: 'title', text: 'Train notes' },
    { node: 'c', field: 'title', text: 'New page' },
  ]);
  expect(refusedTitles(null, now)).toEqual([]);
});
