import { expect, it } from 'vitest';
import { refusedText } from './refusal';

it('joins keystroke changes of one field and separates fields', () => {
  expect(refusedText([
    { node: 's', field: 'text', text: 'T' },
    { node: 's', field: 'text', text: 'yped' },
    { node: 's', field: 'title', text: 'Goals' },
    { node: null, field: null, text: '' },
  ])).toBe('Typed\n\nGoals');
});
