// The page editor: a page document's sections and resources, each control
// offered only when the engine allows it (`create_child` on the parent to
// add, `write` on a node to rename or edit its text, `delete` to delete,
// `write` on the page to submit). Text is edited in TextBoxes; presence and
// remote cursors come from ephemeral messages; refused edits come back as a
// notice with the text (editor/refusal.ts).
//
// A node just created is not in the policy snapshot yet, so the engine does
// not offer editing it until the server's next push (within about a second);
// its title gets the focus then.
//
// Attachments are uploaded to the section (or page) that will hold them —
// that node's Write decides — and downloaded from there.
import type { DocId, DocPatch, FileRef, Page, PageNode, SyncEvent } from '../../pkg/folio_wasm.js';
import { filePaths, uploadFile } from '../api';
import type { Ctx } from '../app';
import { h, uid } from '../dom';
import { errorText } from '../errors';
import { formatBytes } from './files';
import { newNodeId, type Live, type Origin } from '../live/connection';
import { Presence, type PeerState } from './presence';
import { Notes, refusalNotice } from './refusal';
import { TextBox, type Cursor } from './textbox';
import { FeedbackPanel } from '../feedback/panel';

const STRUCTURE: DocPatch['patch'][] = ['nodeAdded', 'nodeRemoved', 'nodeChanged', 'documentChanged'];

export class PageEditor {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly notices: HTMLElement;
  private readonly error: HTMLElement;
  private readonly presence: Presence;
  private readonly heading: HTMLElement;
  private boxes = new Map<string, TextBox>();
  private caretNode: string | null = null;
  private peers = new Map<string, PeerState>();
  private pendingFocus: string | null = null;
  /** The feedback panel (web/src/feedback/): it follows the live connection itself. */
  private readonly feedback: FeedbackPanel;

  constructor(private readonly ctx: Ctx, private readonly live: Live, private readonly portfolio: string,
    private readonly node: string, private readonly doc: DocId, title: string,
    private readonly notes: Notes) {
    const { t } = ctx;
    this.body = h('div', { class: 'page-body' }, h('p', { role: 'status' }, t('loading')));
    this.notices = h('div', { class: 'notices' });
    this.error = h('p', { role: 'alert', class: 'error', id: 'page-error' });
    this.presence = new Presence(ctx, live, doc, (peers) => this.cursors(peers));
    this.heading = h('h2', { id: 'page-title' }, title);
    this.el = h('article', { class: 'page-editor', 'data-page': node, 'aria-labelledby': 'page-title' },
      this.heading, this.presence.el, this.notices, this.error, this.body);
    this.feedback = new FeedbackPanel(ctx, live, portfolio, node, doc, notes);
    this.el.append(this.feedback.el);
    live.find(doc);
    if (live.client.read(doc)) this.draw();
  }

  /** The page's title lives in its collection document: the outline passes it on. */
  setTitle(title: string): void {
    if (this.heading.textContent !== title) this.heading.textContent = title;
  }

  dispose(): void {
    this.feedback.dispose();
    this.presence.dispose();
    for (const b of this.boxes.values()) b.dispose();
  }

  private can(action: string, node: string): boolean {
    return this.live.engine(this.portfolio).can(action, node, Date.now());
  }

  private fail(text: string | null): void {
    this.error.textContent = text ?? '';
  }

  /** The page's document. */
  get docId(): DocId {
    return this.doc;
  }

  /** A sync event; answers false when the page can no longer be read. */
  handle(e: SyncEvent, origin: Origin): boolean {
    switch (e.type) {
      case 'loaded':
        if (e.docId === this.doc) this.draw();
        break;
      case 'changed':
        if (e.docId !== this.doc) break;
        if (e.patches.some((p) => STRUCTURE.includes(p.patch) && !(p.patch === 'nodeChanged' && p.field === 'text'))) this.draw();
        else if (origin === 'remote') this.textChanged(e.patches);
        break;
      case 'rejected':
        if (e.docId !== this.doc) break;
        this.notices.append(refusalNotice(this.ctx, e.reasons.map((r) => r.reason), e.text, this.notes, this.names(e.previous)));
        this.draw();
        break;
      case 'ephemeral':
        if (e.docId === this.doc) this.presence.heard(e.sender, e.data);
        break;
      case 'policy':
        this.draw();
        return this.can('read', this.node);
      case 'connected':
        this.presence.reconnected();
        break;
      case 'unavailable':
      case 'unreadable':
        if (e.docId === this.doc) return false;
        break;
    }
    return true;
  }

  /** Titles by node id (the page's, and its nodes' as they were), to name them in reasons. */
  private names(previous: unknown): Map<string, string> {
    const out = new Map<string, string>([[this.node, this.heading.textContent ?? '']]);
    const walk = (nodes: PageNode[]) => {
      for (const n of nodes) {
        out.set(n.id, n.title || this.ctx.t('untitled'));
        walk(n.children);
      }
    };
    const now = this.live.client.read(this.doc) as (Page & { kind: string }) | undefined;
    if (now?.kind === 'page') walk(now.children);
    const before = previous as (Page & { kind: string }) | null;
    if (before?.kind === 'page') walk(before.children);
    return out;
  }

  private textChanged(patches: DocPatch[]): void {
    const nodes = new Set(patches.flatMap((p) => ('node' in p ? [p.node] : [])));
    for (const n of nodes) this.boxes.get(n)?.remote(patches);
  }

  private cursors(peers: Map<string, PeerState>): void {
    this.peers = peers;
    for (const [node, box] of this.boxes) {
      const here = new Map<string, Cursor>();
      for (const [peer, p] of peers) if (p.node === node && p.index !== null) here.set(peer, { index: p.index, name: p.name, color: p.color });
      box.setCursors(here);
    }
  }

  draw(): void {
    const { t } = this.ctx;
    const view = this.live.client.read(this.doc) as (Page & { kind: string }) | undefined;
    if (!view || view.kind !== 'page') return;
    const restore = this.keepFocus();
    for (const b of this.boxes.values()) b.dispose();
    this.boxes = new Map();

    const mayWritePage = this.can('write', this.node);
    const state = h('p', { class: 'page-state', id: 'page-state' },
      view.submitted_at ? `${t('submittedOn')} ${new Date(view.submitted_at).toLocaleString(this.ctx.lang)}` : t('notSubmitted'));
    const actions = h('div', { class: 'actions' });
    if (mayWritePage) {
      const b = h('button', { type: 'button', id: view.submitted_at ? 'withdraw-page' : 'submit-page', 'data-focus-key': 'submit' }, view.submitted_at ? t('withdraw') : t('submitPage'));
      b.addEventListener('click', () => {
        const r = this.live.edit(this.doc, view.submitted_at ? { op: 'withdraw' } : { op: 'submit', now: Date.now() });
        if (!r.ok) this.fail(r.message);
      });
      actions.append(b);
    }
    const tree = h('div', { class: 'nodes' }, ...view.children.map((n) => this.nodeEl(n, this.node)));
    const parts: (HTMLElement | null)[] = [state, actions, tree];
    if (view.children.length === 0) parts.push(h('p', { class: 'muted' }, t('emptyPage')));
    if (this.can('create_child', this.node)) parts.push(this.addSection(this.node, t('addSection')));
    this.body.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
    restore();
    this.focusPending();
    this.cursors(this.peers);
  }

  /** Redraws must not take the caret (or a half-typed title) away: note where it is, put it back. */
  private keepFocus(): () => void {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !this.body.contains(active)) return () => undefined;
    const box = [...this.boxes.entries()].find(([, b]) => b.area === active);
    if (box) {
      const [node, b] = box;
      // The live selection, with its direction, read now (before the redraw).
      const s = b.currentSelection();
      return () => this.boxes.get(node)?.focusAt(s);
    }
    const key = active.dataset.focusKey;
    if (!key) return () => undefined;
    const input = active instanceof HTMLInputElement ? { value: active.value, start: active.selectionStart, end: active.selectionEnd } : null;
    return () => {
      const el = this.body.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
      if (!el) return;
      if (input && el instanceof HTMLInputElement && el.type !== 'file') {
        el.value = input.value;
        el.focus();
        el.setSelectionRange(input.start, input.end);
      } else el.focus();
    };
  }

  private titleInput(n: PageNode, label: string): HTMLElement {
    if (!this.can('write', n.id)) return h('span', { class: n.title ? 'node-title' : 'node-title muted' }, n.title || this.ctx.t('untitled'));
    const input = h('input', { value: n.title, class: 'node-title', 'aria-label': `${this.ctx.t('title')} (${label})`, maxlength: '200', 'data-focus-key': `title:${n.id}` });
    let timer: ReturnType<typeof setTimeout> | null = null;
    const save = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const now = this.live.client.readNode(this.doc, n.id) as PageNode | undefined;
      if (now && now.title === input.value) return;
      const r = this.live.edit(this.doc, { op: 'rename', node: n.id, title: input.value });
      if (!r.ok) this.fail(r.message);
    };
    input.addEventListener('input', () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 400);
    });
    input.addEventListener('change', save);
    return input;
  }

  private deleteButton(n: PageNode, label: string): HTMLElement | null {
    if (!this.can('delete', n.id)) return null;
    const b = h('button', { type: 'button', class: 'small delete', 'data-focus-key': `delete:${n.id}`, 'aria-label': `${this.ctx.t('delete')}: ${n.title || label}` }, this.ctx.t('delete'));
    b.addEventListener('click', () => {
      if (!confirm(`${this.ctx.t('confirmDelete')} ${n.title || label}`)) return;
      const r = this.live.edit(this.doc, { op: 'delete_node', node: n.id });
      if (!r.ok) this.fail(r.message);
    });
    return b;
  }

  private textBox(n: PageNode, label: string): HTMLElement {
    const box = new TextBox(this.ctx, {
      live: this.live, doc: this.doc, node: n.id, label, editable: this.can('write', n.id),
      onError: (m) => this.fail(m),
      onCaret: (index) => {
        if (index === null && this.caretNode !== n.id) return;
        this.caretNode = index === null ? null : n.id;
        this.presence.caret(index === null ? null : n.id, index);
      },
    });
    this.boxes.set(n.id, box);
    return box.el;
  }

  private nodeEl(n: PageNode, parent: string): HTMLElement {
    const { t } = this.ctx;
    const c = n.content;
    if (c.type === 'file') return this.fileEl(n, c, parent);
    const label = c.type === 'section' ? t('section') : t('resource');
    const head = h('div', { class: 'node-head' }, h('span', { class: 'kind' }, label), this.titleInput(n, label), this.deleteButton(n, label));
    const el = h('section', { class: `node node-${c.type}`, 'data-node': n.id, 'aria-label': n.title || label }, head,
      this.textBox(n, `${label}: ${n.title || t('untitled')}`));
    if (c.type === 'section') {
      el.append(...n.children.map((k) => this.nodeEl(k, n.id)));
      if (this.can('create_child', n.id)) el.append(this.addInto(n.id));
    }
    return el;
  }

  private fileEl(n: PageNode, f: FileRef & { type: 'file' }, parent: string): HTMLElement {
    const { t } = this.ctx;
    const url = filePaths.file(this.portfolio, parent, f.hash);
    const preview = f.mime.startsWith('image/') ? h('img', { src: url, alt: f.name, class: 'preview', loading: 'lazy' })
      : f.mime === 'application/pdf' ? h('object', { data: url, type: 'application/pdf', class: 'preview pdf', 'aria-label': f.name }, h('a', { href: url }, f.name))
        : null;
    return h('figure', { class: 'node node-file', 'data-node': n.id },
      preview,
      h('figcaption', {}, h('a', { href: url, download: f.name }, `${t('download')} ${f.name}`), ` (${formatBytes(f.size)})`, ' ',
        this.deleteButton(n, f.name)));
  }

  private addSection(parent: string, text: string): HTMLElement {
    const b = h('button', { type: 'button', class: parent === this.node ? 'add-section' : 'small add-subsection', 'data-parent': parent, 'data-focus-key': `add-section:${parent}` }, text);
    b.addEventListener('click', () => {
      const id = newNodeId();
      const r = this.live.edit(this.doc, { op: 'add_section', parent, id, title: '' });
      if (!r.ok) this.fail(r.message);
      else this.focusTitle(id);
    });
    return b;
  }

  /** Focus a new node's title once it is drawn editable (the engine knows a
   * new node from the server's next policy push, within about a second). */
  private focusTitle(id: string): void {
    this.pendingFocus = id;
    queueMicrotask(() => this.focusPending());
  }

  private focusPending(): void {
    if (!this.pendingFocus) return;
    const el = this.body.querySelector<HTMLInputElement>(`[data-node="${CSS.escape(this.pendingFocus)}"] input.node-title`);
    if (el) {
      this.pendingFocus = null;
      el.focus();
    }
  }

  private addInto(parent: string): HTMLElement {
    const { t } = this.ctx;
    const text = h('button', { type: 'button', class: 'small add-text', 'data-parent': parent, 'data-focus-key': `add-text:${parent}` }, t('addText'));
    text.addEventListener('click', () => {
      const id = newNodeId();
      const r = this.live.edit(this.doc, { op: 'add_node', parent, id, title: '', spec: { type: 'text' } });
      if (!r.ok) this.fail(r.message);
      else this.focusTitle(id);
    });
    const fileId = uid('file');
    const input = h('input', { type: 'file', id: fileId, class: 'visually-hidden' });
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      try {
        const up = await uploadFile(filePaths.upload(this.portfolio, parent), file);
        const r = this.live.edit(this.doc, { op: 'attach_file', parent, id: newNodeId(), file: { hash: up.hash, name: file.name, mime: up.content_type || file.type || 'application/octet-stream', size: up.size } });
        if (!r.ok) this.fail(r.message);
      } catch (e) {
        this.fail(errorText(e, t));
      }
      input.value = '';
    });
    return h('div', { class: 'add-into' }, text, this.addSection(parent, t('addSubsection')),
      h('label', { for: fileId, class: 'button small', tabindex: '0', role: 'button', onkeydown: (ev: Event) => {
        const k = (ev as KeyboardEvent).key;
        if (k === 'Enter' || k === ' ') { ev.preventDefault(); input.click(); }
      } }, t('attachFile')), input);
  }
}
