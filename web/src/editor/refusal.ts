// When the server refuses an edit: a notice that says why, with the refused
// text offered back (copy it, or keep it as a private note in this browser).
// Private notes never leave the browser (localStorage, per portfolio).
import type { RefusedText } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h, uid } from '../dom';

export interface Note { id: string; node: string | null; text: string; at: number }

const key = (portfolio: string) => `folio.notes.${portfolio}`;

export function loadNotes(portfolio: string): Note[] {
  try {
    const v = JSON.parse(localStorage.getItem(key(portfolio)) ?? '[]');
    return Array.isArray(v) ? v.filter((n) => n && typeof n.text === 'string') : [];
  } catch {
    return [];
  }
}

function saveNotes(portfolio: string, notes: Note[]): void {
  localStorage.setItem(key(portfolio), JSON.stringify(notes));
}

async function copyText(text: string, fallback: HTMLTextAreaElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    fallback.focus();
    fallback.select();
    return document.execCommand('copy');
  }
}

/** The private notes panel: kept texts, each removable. */
export class Notes {
  readonly el: HTMLElement;
  constructor(private readonly ctx: Ctx, private readonly portfolio: string) {
    this.el = h('section', { class: 'notes', id: 'private-notes', 'aria-labelledby': 'notes-title' });
    this.draw();
  }

  add(node: string | null, text: string): void {
    const notes = loadNotes(this.portfolio);
    notes.push({ id: crypto.randomUUID(), node, text, at: Date.now() });
    saveNotes(this.portfolio, notes);
    this.draw();
  }

  private draw(): void {
    const { t } = this.ctx;
    const notes = loadNotes(this.portfolio);
    this.el.hidden = notes.length === 0;
    this.el.replaceChildren(
      h('h3', { id: 'notes-title' }, t('privateNotes')),
      h('p', { class: 'muted' }, t('privateNotesHelp')),
      h('ul', {}, ...notes.map((n) => {
        const del = h('button', { type: 'button', class: 'link-button', 'aria-label': `${t('deleteNote')}: ${n.text.slice(0, 40)}` }, t('deleteNote'));
        del.addEventListener('click', () => {
          saveNotes(this.portfolio, loadNotes(this.portfolio).filter((x) => x.id !== n.id));
          this.draw();
        });
        return h('li', { class: 'note' }, h('pre', {}, n.text), h('small', {}, new Date(n.at).toLocaleString(this.ctx.lang)), ' ', del);
      })));
  }
}

type Titled = { id: string; title: string };
export type OutlineDoc = { kind: string; collections?: Titled[]; pages?: Titled[] } | null | undefined;

/** Titles a refused outline edit had typed (a rename, a new collection or
 * page): those in the document as it was that the server's state lacks. */
export function refusedTitles(previous: OutlineDoc, now: OutlineDoc): RefusedText[] {
  const items = (d: OutlineDoc) => d?.collections ?? d?.pages ?? [];
  const current = new Map(items(now).map((x) => [x.id, x.title]));
  return items(previous)
    .filter((x) => x.title && current.get(x.id) !== x.title)
    .map((x) => ({ node: x.id, field: 'title', text: x.title }));
}

/** The server's reasons once each, node ids named by their titles where known. */
export function readableReasons(reasons: string[], names: Map<string, string>): string[] {
  const named = reasons.map((r) => r.replace(/`([A-Za-z0-9_:.-]{1,64})`/g, (all, id: string) => {
    const title = names.get(id);
    return title ? `“${title}”` : all;
  }));
  return [...new Set(named)];
}

function reasonList(ctx: Ctx, reasons: string[], names: Map<string, string>): HTMLElement {
  const all = readableReasons(reasons.length ? reasons : [ctx.t('err_unknown')], names);
  const shown = all.slice(0, 2);
  const rest = all.slice(2);
  const list = h('ul', { class: 'reasons' }, ...shown.map((r) => h('li', {}, r)));
  if (rest.length === 0) return list;
  return h('div', {}, list, h('details', {}, h('summary', {}, `${ctx.t('moreReasons')} (${rest.length})`),
    h('ul', { class: 'reasons more' }, ...rest.map((r) => h('li', {}, r)))));
}

/** The refused text for people: each change's text, in order, one
 * paragraph per node and field (typing comes back one change per keystroke). */
export function refusedText(texts: RefusedText[]): string {
  const groups: { key: string; text: string }[] = [];
  for (const x of texts) {
    const text = x.text.replace(/\uFFFC/g, ''); // block markers read as U+FFFC
    if (!text) continue;
    const key = `${x.node ?? ''}/${x.field ?? ''}`;
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.text += text;
    else groups.push({ key, text });
  }
  return groups.map((g) => g.text).join('\n\n');
}

/** A refusal notice: the reasons, and the refused text with copy / keep / dismiss. */
export function refusalNotice(ctx: Ctx, reasons: string[], texts: RefusedText[], notes: Notes, names: Map<string, string>): HTMLElement {
  const { t } = ctx;
  const text = refusedText(texts);
  const status = h('p', { role: 'status', class: 'ok' });
  const titleId = uid('refusal');
  const box = h('section', { class: 'refusal', role: 'alert', 'aria-labelledby': titleId });
  const area = h('textarea', { readonly: true, rows: '4', class: 'refused-text', 'aria-label': t('refusedText') });
  area.value = text;
  const copy = h('button', { type: 'button', class: 'refusal-copy' }, t('copy'));
  copy.addEventListener('click', async () => {
    status.textContent = (await copyText(text, area)) ? t('copied') : t('copyFailed');
  });
  const keep = h('button', { type: 'button', class: 'refusal-keep' }, t('keepAsNote'));
  keep.addEventListener('click', () => {
    notes.add(texts.find((x) => x.node)?.node ?? null, text);
    keep.disabled = true;
    status.textContent = t('keptAsNote');
  });
  const dismiss = h('button', { type: 'button', class: 'refusal-dismiss' }, t('dismiss'));
  dismiss.addEventListener('click', () => {
    if (text && !keep.disabled && !confirm(t('confirmDiscardRefused'))) return;
    box.remove();
  });
  box.append(
    h('h3', { id: titleId }, t('editRefused')),
    reasonList(ctx, reasons, names));
  if (text) box.append(h('p', {}, t('refusedTextHelp')), area);
  box.append(h('div', { class: 'actions' }, text ? copy : null, text ? keep : null, dismiss), status);
  return box;
}
