// The page editor: a page document's sections and resources, each control
// offered only when the engine allows it (`create_child` on the parent to
// add, `write` on a node to rename or edit its text, `delete` to delete,
// `write` on the page to submit). Text is edited in TextBoxes; presence and
// remote cursors come from ephemeral messages; refused edits come back as a
// notice with the text (editor/refusal.ts).
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
    live.find(doc);
    if (live.client.read(doc)) this.draw();
  }

  /** The page's title lives in its collection document: the outline passes it on. */
  setTitle(title: string): void {
    if (this.heading.textContent !== title) this.heading.textContent = title;
  }

  dispose(): void {
    this.presence.dispose();
    for (const b of this.boxes.values()) b.dispose();
  }

  private can(action: string, node: string): boolean {
    return this.live.engine(this.portfolio).can(action, node, Date.now());
  }

  private fail(text: string): void {
    this.error.textContent = text;
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
        this.notices.append(refusalNotice(this.ctx, e.reasons.map((r) => r.reason), e.text, this.notes));
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
    // Keep the caret where it was across the redraw.
    const focused = [...this.boxes.entries()].find(([, b]) => document.activeElement === b.area);
    const keep = focused ? { node: focused[0], sel: focused[1].selection } : null;
    for (const b of this.boxes.values()) b.dispose();
    this.boxes = new Map();

    const mayWritePage = this.can('write', this.node);
    const state = h('p', { class: 'page-state', id: 'page-state' },
      view.submitted_at ? `${t('submittedOn')} ${new Date(view.submitted_at).toLocaleString(this.ctx.lang)}` : t('notSubmitted'));
    const actions = h('div', { class: 'actions' });
    if (mayWritePage) {
      const b = h('button', { type: 'button', id: view.submitted_at ? 'withdraw-page' : 'submit-page' }, view.submitted_at ? t('withdraw') : t('submitPage'));
      b.addEventListener('click', () => {
        const r = this.live.edit(this.doc, view.submitted_at ? { op: 'withdraw' } : { op: 'submit', now: Date.now() });
        if (!r.ok) this.fail(r.message);
      });
      actions.append(b);
    }
    const tree = h('div', { class: 'nodes' }, ...view.children.map((n) => this.nodeEl(n, this.node, 3)));
    const parts: (HTMLElement | null)[] = [state, actions, tree];
    if (view.children.length === 0) parts.push(h('p', { class: 'muted' }, t('emptyPage')));
    if (this.can('create_child', this.node)) parts.push(this.addSection(this.node, t('addSection')));
    this.body.replaceChildren(...parts.filter((x): x is HTMLElement => x !== null));
    if (keep?.sel) this.boxes.get(keep.node)?.focusAt(keep.sel.start, keep.sel.end);
    this.cursors(this.peers);
  }

  private titleInput(n: PageNode, label: string): HTMLElement {
    if (!this.can('write', n.id)) return h('span', { class: 'node-title' }, n.title || label);
    const input = h('input', { value: n.title, class: 'node-title', 'aria-label': `${this.ctx.t('title')} (${label})`, maxlength: '200' });
    input.addEventListener('change', () => {
      const r = this.live.edit(this.doc, { op: 'rename', node: n.id, title: input.value });
      if (!r.ok) this.fail(r.message);
    });
    return input;
  }

  private deleteButton(n: PageNode, label: string): HTMLElement | null {
    if (!this.can('delete', n.id)) return null;
    const b = h('button', { type: 'button', class: 'small delete', 'aria-label': `${this.ctx.t('delete')}: ${n.title || label}` }, this.ctx.t('delete'));
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

  private nodeEl(n: PageNode, parent: string, depth: number): HTMLElement {
    const { t } = this.ctx;
    const c = n.content;
    if (c.type === 'file') return this.fileEl(n, c, parent);
    const label = c.type === 'section' ? t('section') : t('resource');
    const head = h('div', { class: 'node-head' }, h('span', { class: 'kind' }, label), this.titleInput(n, label), this.deleteButton(n, label));
    const el = h('section', { class: `node node-${c.type}`, 'data-node': n.id, 'aria-label': n.title || label }, head,
      this.textBox(n, `${label}: ${n.title || t('untitled')}`));
    if (c.type === 'section') {
      el.append(...n.children.map((k) => this.nodeEl(k, n.id, depth + 1)));
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
    const b = h('button', { type: 'button', class: parent === this.node ? 'add-section' : 'small add-subsection', 'data-parent': parent }, text);
    b.addEventListener('click', () => {
      const id = newNodeId();
      const r = this.live.edit(this.doc, { op: 'add_section', parent, id, title: '' });
      if (!r.ok) this.fail(r.message);
      else this.focusTitle(id);
    });
    return b;
  }

  private focusTitle(id: string): void {
    queueMicrotask(() => this.body.querySelector<HTMLInputElement>(`[data-node="${CSS.escape(id)}"] input.node-title`)?.focus());
  }

  private addInto(parent: string): HTMLElement {
    const { t } = this.ctx;
    const text = h('button', { type: 'button', class: 'small add-text', 'data-parent': parent }, t('addText'));
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
      h('label', { for: fileId, class: 'button small', tabindex: '0', onkeydown: (ev: Event) => {
        const k = (ev as KeyboardEvent).key;
        if (k === 'Enter' || k === ' ') { ev.preventDefault(); input.click(); }
      } }, t('attachFile')), input);
  }
}
