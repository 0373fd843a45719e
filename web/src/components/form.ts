// Labelled form controls and small shared pieces.
import { h, uid } from '../dom';

/** A label + control pair; returns [wrapper, control]. */
export function field<K extends 'input' | 'select' | 'textarea'>(
  label: string, tag: K, attrs: Record<string, string | boolean | undefined> = {}, help?: string,
): [HTMLElement, HTMLElementTagNameMap[K]] {
  const id = (attrs.id as string | undefined) ?? uid('f');
  const helpId = help ? `${id}-help` : undefined;
  const control = h(tag, { ...attrs, id, 'aria-describedby': helpId }) as HTMLElementTagNameMap[K];
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), control, help ? h('small', { id: helpId }, help) : null);
  return [wrap, control];
}

/** A checkbox with its label after it. */
export function checkbox(label: string, attrs: Record<string, string | boolean | undefined> = {}): [HTMLElement, HTMLInputElement] {
  const id = (attrs.id as string | undefined) ?? uid('c');
  const box = h('input', { ...attrs, type: 'checkbox', id });
  return [h('div', { class: 'check' }, box, h('label', { for: id }, label)), box];
}

export function options(select: HTMLSelectElement, items: [string, string][], value?: string): void {
  // `selected` as an attribute, so a form reset returns to this default.
  select.replaceChildren(...items.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
}

/** An element that announces errors (role=alert) and successes (role=status). */
export function messageArea(): { el: HTMLElement; error(text: string): void; ok(text: string): void; clear(): void } {
  const el = h('div', { class: 'messages' });
  const err = h('p', { role: 'alert', class: 'error' });
  const ok = h('p', { role: 'status', class: 'ok' });
  el.append(err, ok);
  return {
    el,
    error(text) { ok.textContent = ''; err.textContent = text; },
    ok(text) { err.textContent = ''; ok.textContent = text; },
    clear() { err.textContent = ''; ok.textContent = ''; },
  };
}

/** A table with a caption and header row; rows are arrays of cells. */
export function table(caption: string, heads: string[], rows: (Node | string)[][], cls = ''): HTMLElement {
  return h('div', { class: 'table-wrap' },
    h('table', { class: cls },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...heads.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { 'data-label': heads[i] ?? '' }, c)))))));
}

/** Runs an async action from a button, disabling it meanwhile. */
export async function busy(button: HTMLButtonElement, f: () => Promise<void>): Promise<void> {
  button.disabled = true;
  try { await f(); } finally { button.disabled = false; }
}
