// The editable outline: the portfolio's collections and their pages, read
// live from the portfolio document and the collection documents, with add /
// rename / move up / move down / delete offered per node only when the
// engine says the person may (`create_child` on the parent to add, `write`
// on the node to rename, `write` on the parent to reorder, `delete` on the
// node to delete — the guard's own mapping). The server decides in the end.
//
// "Move to…" on a page lists the collections the engine's `mayMove` allows
// (Remove on the page, Write on the target) and asks the server
// (`POST …/pages/{page}/move`), which re-parents the page and edits the
// collection documents itself; the outline then follows those documents
// live. The form says that access inherited from the old collection ends.
//
// A person who may read a collection but not the portfolio root sees the
// collection documents the server lists for them, titled from the policy
// snapshot's skeleton (DESIGN.md: never from the portfolio document).
import type { Collection, CollectionEntry, DocId, PageEntry, Portfolio } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { ApiError, movePage } from '../api';
import { h, uid } from '../dom';
import { errorText } from '../errors';
import { shortId } from '../format';
import { newDocId, newNodeId, type Live } from '../live/connection';
import { href } from '../router';

export interface OutlineSource {
  portfolio: string;
  /** The portfolio document, when the person may read it. */
  portfolioDoc: DocId | null;
  /** Collection documents the server says the person may read (node → document). */
  collectionDocs: Map<string, DocId>;
  /** Titles from the policy snapshot, for nodes above what the person may read. */
  titles: () => Map<string, string>;
}

/** `movePage`, asked again a few times while the server answers
 * `no_document`: a collection or page created here a moment ago reaches the
 * server only once the edit naming it was accepted (and may need a fresh
 * connection, see `live/connection.ts`). */
async function movePageSoon(portfolio: string, page: string, collection: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await movePage(portfolio, page, collection);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'no_document') || attempt >= 6) throw e;
      await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
    }
  }
}

/** A page of the outline, as the page editor needs it. */
export interface PageRef { node: string; title: string; doc: DocId | null; collection: string }

export class OutlineView {
  readonly el: HTMLElement;
  private readonly found = new Set<DocId>();
  private editing: string | null = null;
  private adding: string | null = null;
  private message: string | null = null;
  private justOpened: string | null = null;
  private moving: string | null = null;
  /** The collection chosen in the open "Move to…" form (kept across redraws). */
  private moveChoice: string | null = null;
  /** A move request is under way (the form may be redrawn meanwhile). */
  private moveBusy = false;

  constructor(private readonly ctx: Ctx, private readonly live: Live, private readonly src: OutlineSource,
    private readonly selected: string | undefined) {
    this.el = h('nav', { class: 'outline editable', 'aria-label': ctx.t('outline'), id: 'outline' });
    this.draw();
  }

  private can(action: string, node: string): boolean {
    return this.live.engine(this.src.portfolio).can(action, node, Date.now());
  }

  /** Collections (other than its own) the engine lets the person move `page` to. */
  private moveTargets(page: string, from: string): CollectionEntry[] {
    const engine = this.live.engine(this.src.portfolio);
    const now = Date.now();
    return this.collections().map(({ entry }) => entry).filter((c) => c.id !== from && engine.mayMove(page, c.id, now));
  }

  private want(doc: DocId | null): void {
    if (doc && !this.found.has(doc)) {
      this.found.add(doc);
      this.live.find(doc);
    }
  }

  /** The documents this outline shows (to redraw when one of them changes). */
  shows(doc: DocId): boolean {
    return this.found.has(doc);
  }

  collections(): { entry: CollectionEntry; doc: DocId | null }[] {
    const p = this.src.portfolioDoc ? (this.live.client.read(this.src.portfolioDoc) as Portfolio & { kind: string } | undefined) : undefined;
    if (p && p.kind === 'portfolio') return p.collections.map((c) => ({ entry: c, doc: c.document ?? this.src.collectionDocs.get(c.id) ?? null }));
    const titles = this.src.titles();
    return [...this.src.collectionDocs].map(([node, doc]) => ({ entry: { id: node, title: titles.get(node) ?? shortId(node), document: doc }, doc }));
  }

  pages(doc: DocId | null): PageEntry[] {
    if (!doc) return [];
    const c = this.live.client.read(doc) as (Collection & { kind: string }) | undefined;
    return c && c.kind === 'collection' ? c.pages : [];
  }

  /** Titles by node id (collections and pages), to name them in messages. */
  names(): Map<string, string> {
    const out = new Map<string, string>();
    for (const { entry, doc } of this.collections()) {
      out.set(entry.id, entry.title);
      for (const p of this.pages(doc)) out.set(p.id, p.title);
    }
    return out;
  }

  /** Every document the outline needs has arrived (so a page it lacks is gone). */
  complete(): boolean {
    if (this.src.portfolioDoc && !this.live.client.read(this.src.portfolioDoc)) return false;
    return this.collections().every(({ doc }) => !doc || this.live.client.status(doc) === 'unavailable' || this.live.client.read(doc) !== undefined);
  }

  /** A page by node id, wherever it is in the outline. */
  page(node: string): PageRef | null {
    for (const { entry, doc } of this.collections()) {
      const p = this.pages(doc).find((x) => x.id === node);
      if (p) return { node, title: p.title, doc: p.document, collection: entry.id };
    }
    return null;
  }

  draw(): void {
    const { t } = this.ctx;
    this.want(this.src.portfolioDoc);
    const pid = this.src.portfolio;
    const cols = this.collections();
    const list = h('ul', { class: 'tree' });
    cols.forEach(({ entry, doc }, i) => {
      this.want(doc);
      const pages = this.pages(doc);
      const li = h('li', { class: 'node kind-collection', 'data-node': entry.id, 'data-kind': 'collection' },
        this.row('collection', entry.id, entry.title, pid, i, cols.length, this.src.portfolioDoc, doc ?? null, null));
      const sub = h('ul', {});
      pages.forEach((p, j) => {
        sub.append(h('li', { class: `node kind-page${p.id === this.selected ? ' selected' : ''}`, 'data-node': p.id, 'data-kind': 'page' },
          this.row('page', p.id, p.title, entry.id, j, pages.length, doc, p.document ?? null, href({ name: 'portfolio', id: pid, node: p.id }))));
      });
      if (doc && this.can('create_child', entry.id)) sub.append(h('li', { class: 'add' }, this.addForm('page', entry.id, doc)));
      if (sub.childNodes.length) li.append(sub);
      list.append(li);
    });
    const parts: (HTMLElement | null)[] = [h('h2', { class: 'outline-title' }, t('outline')), list];
    if (cols.length === 0) parts.push(h('p', { class: 'muted' }, t('noCollections')));
    if (this.src.portfolioDoc && this.can('create_child', pid)) parts.push(this.addForm('collection', pid, this.src.portfolioDoc));
    if (this.message) parts.push(h('p', { role: 'alert', class: 'error' }, this.message));
    // A redraw (someone else's change, a policy push) keeps focus and half-typed titles.
    const focused = document.activeElement;
    const focusKey = focused instanceof HTMLElement && this.el.contains(focused) ? focused.dataset.focusKey : undefined;
    const typed = focused instanceof HTMLInputElement ? focused.value : null;
    this.el.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
    if (focusKey) {
      const el = this.el.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (el instanceof HTMLInputElement && typed !== null) el.value = typed;
      el?.focus();
    }
  }

  private fail(text: string): void {
    this.message = text;
    this.draw();
  }

  /** One outline row: `parentDoc` names the node, `own` is the node's own document. */
  private row(kind: 'collection' | 'page', id: string, title: string, parent: string, i: number, n: number, parentDoc: DocId | null, own: DocId | null, link: string | null): HTMLElement {
    const { t } = this.ctx;
    const kindLabel = t(kind);
    if (this.editing === id && parentDoc) {
      const input = h('input', { value: title, 'aria-label': `${t('newTitle')} (${kindLabel})`, class: 'rename-input', required: true, maxlength: '200', 'data-focus-key': `rename-input:${id}` });
      const form = h('form', { class: 'rename' }, input,
        h('button', { type: 'submit' }, t('save')),
        h('button', { type: 'button', 'data-cancel': '' }, t('cancel')));
      form.querySelector('[data-cancel]')!.addEventListener('click', () => { this.editing = null; this.draw(); });
      input.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { this.editing = null; this.draw(); } });
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const value = input.value.trim();
        if (!value) return this.fail(t('titleRequired'));
        const r = this.live.edit(parentDoc, kind === 'collection' ? { op: 'rename_collection', id, title: value } : { op: 'rename_page', id, title: value });
        this.editing = null;
        this.message = r.ok ? null : r.message;
        this.draw();
      });
      if (this.justOpened === id) {
        this.justOpened = null;
        queueMicrotask(() => { input.focus(); input.select(); });
      }
      return form;
    }
    const label = link ? h('a', { href: link, class: 'title', 'aria-current': id === this.selected ? 'page' : undefined }, title) : h('span', { class: 'title' }, title);
    const tools = h('span', { class: 'node-tools' });
    const tool = (text: string, key: string, run: () => void) => {
      const b = h('button', { type: 'button', class: `small ${key}`, 'aria-label': `${text}: ${title}`, 'data-focus-key': `${key}:${id}` }, text);
      b.addEventListener('click', run);
      tools.append(b);
    };
    if (parentDoc && this.can('write', parent)) {
      const move = (to: number) => {
        const r = this.live.edit(parentDoc, kind === 'collection' ? { op: 'move_collection', id, index: to } : { op: 'move_page', id, index: to });
        this.message = r.ok ? null : r.message;
        this.draw();
      };
      if (i > 0) tool(t('moveUp'), 'move-up', () => move(i - 1));
      if (i < n - 1) tool(t('moveDown'), 'move-down', () => move(i + 1));
    }
    if (parentDoc && this.can('write', id)) tool(t('rename'), 'rename', () => { this.editing = id; this.justOpened = id; this.draw(); });
    if (parentDoc && this.can('delete', id)) {
      tool(t('delete'), 'delete', () => {
        if (!confirm(`${t('confirmDelete')} ${title}`)) return;
        const r = this.live.edit(parentDoc, kind === 'collection' ? { op: 'delete_collection', id } : { op: 'delete_page', id });
        if (r.ok && own) this.live.abandon(own);
        this.message = r.ok ? null : r.message;
        this.draw();
      });
    }
    const targets = kind === 'page' ? this.moveTargets(id, parent) : [];
    if (targets.length > 0) {
      tool(t('moveTo'), 'move-to', () => { this.moving = this.moving === id ? null : id; this.moveChoice = null; this.justOpened = `move:${id}`; this.draw(); });
    }
    const row = h('div', { class: 'row' }, h('span', { class: 'kind' }, kindLabel), ' ', label, tools);
    if (this.moving !== id || targets.length === 0) return row;
    return h('div', { class: 'row-moving' }, row, this.moveForm(id, title, targets));
  }

  /** The "Move to…" form of page `id`: a labelled choice of collection, its
   * consequence for access spelled out, Move and Cancel. */
  private moveForm(id: string, title: string, targets: CollectionEntry[]): HTMLElement {
    const { t } = this.ctx;
    const selectId = uid('move');
    const helpId = uid('move-help');
    const select = h('select', { id: selectId, class: 'move-target', 'aria-describedby': helpId, 'data-focus-key': `move-select:${id}` },
      ...targets.map((c) => h('option', { value: c.id }, c.title || shortId(c.id))));
    // Someone else's change redraws the outline: keep the choice (and, through
    // the focus keys, the focus) of the person using the form.
    if (this.moveChoice && targets.some((c) => c.id === this.moveChoice)) select.value = this.moveChoice;
    select.addEventListener('change', () => { this.moveChoice = select.value; });
    const submit = h('button', { type: 'submit', class: 'move-submit', 'data-focus-key': `move-submit:${id}` }, t('moveDo'));
    const cancel = h('button', { type: 'button', class: 'move-cancel', 'data-focus-key': `move-cancel:${id}` }, t('cancel'));
    const form = h('form', { class: 'move-form', 'aria-label': `${t('moveTo')} ${title}` },
      h('label', { for: selectId }, t('moveToCollection')), select, submit, cancel,
      h('p', { id: helpId, class: 'muted move-help' }, t('moveHelp')));
    if (this.moveBusy) submit.disabled = true;
    const close = () => { this.moving = null; this.moveChoice = null; this.draw(); };
    cancel.addEventListener('click', close);
    form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(); });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (this.moveBusy) return;
      this.moveBusy = true;
      submit.disabled = true;
      const to = select.value;
      movePageSoon(this.src.portfolio, id, to).then(
        () => { this.moveBusy = false; this.moving = null; this.moveChoice = null; this.message = null; this.draw(); },
        (e: unknown) => { this.moveBusy = false; this.fail(errorText(e, t)); },
      );
    });
    if (this.justOpened === `move:${id}`) {
      this.justOpened = null;
      queueMicrotask(() => select.focus());
    }
    return form;
  }

  private addForm(kind: 'collection' | 'page', parent: string, parentDoc: DocId): HTMLElement {
    const { t } = this.ctx;
    const key = `${kind}:${parent}`;
    if (kind === 'page' && this.adding !== key) {
      const b = h('button', { type: 'button', class: 'small add-page', 'data-focus-key': `add:${parent}` }, t('addPage'));
      b.addEventListener('click', () => { this.adding = key; this.justOpened = key; this.draw(); });
      return b;
    }
    const id = uid('add');
    const input = h('input', { id, required: true, maxlength: '200', class: `new-${kind}`, 'data-focus-key': `new:${key}` });
    const form = h('form', { class: `add-form add-${kind}` },
      h('label', { for: id }, kind === 'collection' ? t('newCollection') : t('newPage')), input,
      h('button', { type: 'submit' }, t('add')));
    if (kind === 'page') {
      if (this.justOpened === key) {
        this.justOpened = null;
        queueMicrotask(() => input.focus());
      }
      input.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { this.adding = null; this.draw(); } });
    }
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const title = input.value.trim();
      if (!title) return this.fail(t('titleRequired'));
      const node = newNodeId();
      const doc = newDocId();
      this.found.add(doc); // created below, not asked for
      // The parent names the document first; the server registers it when it accepts that.
      const named = this.live.edit(parentDoc, kind === 'collection'
        ? { op: 'add_collection', id: node, title, document: doc }
        : { op: 'add_page', id: node, title, document: doc });
      if (!named.ok) return this.fail(named.message);
      const made = this.live.create(doc, kind === 'collection' ? { kind: 'collection', node, portfolio: this.src.portfolio } : { kind: 'page', node, collection: parent });
      this.adding = null;
      this.message = made.ok ? null : made.message;
      this.draw();
    });
    return form;
  }
}
