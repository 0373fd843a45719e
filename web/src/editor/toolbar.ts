// The formatting toolbar of a rich text box: bold, italic, link (with its
// address field), paragraph style. Buttons keep the text's selection (no
// focus on mouse down); every control is labelled; shortcuts are in titles.
import type { BlockKind } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h } from '../dom';
import type { Key } from '../i18n';

const BLOCK_CHOICES: [string, BlockKind][] = [
  ['paragraph', { block: 'paragraph' }],
  ['h1', { block: 'heading', level: 1 }],
  ['h2', { block: 'heading', level: 2 }],
  ['h3', { block: 'heading', level: 3 }],
  ['ul', { block: 'unordered-list-item' }],
  ['ol', { block: 'ordered-list-item' }],
  ['quote', { block: 'blockquote' }],
];

function choiceOf(k: BlockKind): string {
  if (k.block === 'heading') return `h${Math.min(k.level, 3)}`;
  if (k.block === 'unordered-list-item') return 'ul';
  if (k.block === 'ordered-list-item') return 'ol';
  if (k.block === 'blockquote') return 'quote';
  return 'paragraph';
}

export interface ToolbarActions {
  bold(): void;
  italic(): void;
  block(kind: BlockKind): void;
  /** Apply a link to the selection ('' removes it). */
  link(href: string): void;
  /** The link at the selection, to edit. */
  currentLink(): string;
}

export interface Toolbar {
  el: HTMLElement;
  /** Show the paragraph style where the caret is. */
  showBlock(kind: BlockKind): void;
  /** Open (or close) the link field (Ctrl+K). */
  openLink(): void;
}

export function toolbar(ctx: Ctx, controls: string, act: ToolbarActions): Toolbar {
  const { t } = ctx;
  const btn = (label: string, key: string, cls: string, run: () => void) => {
    const b = h('button', { type: 'button', class: `tool ${cls}`, 'aria-label': label, title: `${label} (${key})`, 'aria-controls': controls }, label.slice(0, 1));
    b.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep the text's selection
    b.addEventListener('click', run);
    return b;
  };
  const select = h('select', { 'aria-label': t('blockType'), class: 'block-type', 'aria-controls': controls },
    ...BLOCK_CHOICES.map(([v]) => h('option', { value: v }, t(`block_${v}` as Key))));
  select.addEventListener('change', () => {
    const k = BLOCK_CHOICES.find(([v]) => v === select.value)?.[1];
    if (k) act.block(k);
  });
  const linkInput = h('input', { type: 'url', placeholder: 'https://…', 'aria-label': t('linkAddress'), class: 'link-input' });
  const linkForm = h('form', { class: 'link-form', hidden: true }, linkInput, h('button', { type: 'submit' }, t('applyLink')));
  linkForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    linkForm.hidden = true;
    act.link(linkInput.value.trim());
  });
  const openLink = () => {
    linkForm.hidden = !linkForm.hidden;
    if (!linkForm.hidden) {
      linkInput.value = act.currentLink();
      linkInput.focus();
    }
  };
  const el = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('formatting') },
    btn(t('bold'), 'Ctrl+B', 'bold', act.bold),
    btn(t('italic'), 'Ctrl+I', 'italic', act.italic),
    btn(t('link'), 'Ctrl+K', 'tool-link', openLink),
    select, linkForm);
  return { el, openLink, showBlock: (k) => { select.value = choiceOf(k); } };
}
