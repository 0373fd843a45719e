// The feedback panel beside the page editor: the threads about the page and
// its sections and resources, live.
//
// Decisions:
// - Which feedback is shown is decided by the server (it sends only the
//   feedback documents the person may read) and checked once more with the
//   engine's `feedbackVisible` (the same rule, the same code) — TypeScript
//   never filters by role or flag itself.
// - The hide-feedback notice: the panel asks the engine whether a stranger's
//   entry on this page would be visible to this person. If it would not
//   (while the page itself is readable), the hide-feedback rule is in force
//   for them, and the panel says so.
// - Controls follow the engine: starting a thread, replying, resolving and
//   evaluating need Comment on the anchor; editing and deleting an entry
//   also need it to be in one's own document (authorship is structural: the
//   server's guard refuses anything else).
// - Live: the panel listens to the tab's live connection. Changes to held
//   feedback documents redraw it; a new thread or participant arrives as an
//   ephemeral hint on the page document, and the panel asks the server for
//   the list again. Refused feedback comes back as the editor's refusal
//   notice, with the text to copy or keep.
// - Open forms (new thread, replies, edits) are kept across redraws.
import type { DocId, DocPatch, Page, PageNode, SyncEvent } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h } from '../dom';
import { errorText } from '../errors';
import type { EditResult, Live, Origin } from '../live/connection';
import { newNodeId } from '../live/connection';
import { type Notes, refusalNotice } from '../editor/refusal';
import { Composer, type Anchor } from './composer';
import { entryView, type EntryActions, type OpenForms } from './entry';
import { foldThreads, userOf, type Thread, type ThreadEntry } from './model';
import { FeedbackSource, isHint } from './source';
import './feedback.css';

/** A principal no real person has: asking the engine about "someone else's" entry. */
const STRANGER = 'someone-else';
const STRUCTURE: DocPatch['patch'][] = ['nodeAdded', 'nodeRemoved', 'nodeChanged', 'documentChanged'];

export class FeedbackPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly notices: HTMLElement;
  private readonly error: HTMLElement;
  private readonly composer: Composer;
  private readonly composerSlot: HTMLElement;
  private readonly source: FeedbackSource;
  private readonly forms: OpenForms = new Map();
  private readonly evalForms = new Map<string, Composer>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: Ctx, private readonly live: Live, private readonly portfolio: string,
    private readonly page: string, private readonly pageDoc: DocId, private readonly notes: Notes) {
    const { t } = ctx;
    this.source = new FeedbackSource(live, portfolio, pageDoc, () => new Set(this.anchors().map((a) => a.id)));
    this.list = h('div', { class: 'fb-threads', id: 'fb-threads' });
    this.notice = h('p', { class: 'fb-only-own', id: 'fb-only-own', role: 'note' });
    this.notices = h('div', { class: 'notices' });
    this.error = h('p', { class: 'error', role: 'alert', id: 'fb-error' });
    this.composer = new Composer(ctx, (c) => this.write(c.node, null, c.edit), { id: 'fb-new', title: t('fbNewThread') });
    this.composerSlot = h('div', { class: 'fb-new-slot' });
    this.el = h('aside', { class: 'feedback-panel', id: 'feedback-panel', 'aria-labelledby': 'fb-title' },
      h('h3', { id: 'fb-title' }, t('feedback')), this.notice, this.notices, this.error, this.composerSlot, this.list);
    this.unsubscribe = live.subscribe((e, origin) => this.handle(e, origin));
    this.draw();
    void this.refresh();
  }

  dispose(): void {
    this.unsubscribe();
  }

  private async refresh(): Promise<void> {
    try {
      await this.source.refresh();
    } catch (e) {
      this.error.textContent = errorText(e, this.ctx.t);
    }
    this.draw();
  }

  private now(): number {
    return Date.now();
  }

  private can(action: string, node: string): boolean {
    return this.live.engine(this.portfolio).can(action, node, this.now());
  }

  /** The page and its sections and resources (attached files by their name), in outline order. */
  private anchors(): Anchor[] {
    const { t } = this.ctx;
    const out: Anchor[] = [{ id: this.page, label: t('fbWholePage') }];
    const view = this.live.client.read(this.pageDoc) as (Page & { kind: string }) | undefined;
    const walk = (nodes: PageNode[], depth: number) => {
      for (const n of nodes) {
        const name = n.title || (n.content.type === 'file' ? n.content.name : '') || t('untitled');
        out.push({ id: n.id, label: `${'– '.repeat(depth)}${name}` });
        walk(n.children, depth + 1);
      }
    };
    if (view?.kind === 'page') walk(view.children, 1);
    return out;
  }

  private handle(e: SyncEvent, _origin: Origin): void {
    switch (e.type) {
      case 'loaded':
        if (this.source.docs.has(e.docId)) this.report(this.source.arrived(e.docId));
        if (this.source.docs.has(e.docId) || e.docId === this.pageDoc) this.draw();
        break;
      case 'changed':
        // The page matters only for its anchors (structure and titles), not for every keystroke in it.
        if (this.source.docs.has(e.docId) || (e.docId === this.pageDoc && e.patches.some((p) => STRUCTURE.includes(p.patch) && !(p.patch === 'nodeChanged' && p.field === 'text')))) this.draw();
        break;
      case 'ephemeral':
        if (e.docId === this.pageDoc && isHint(e.data)) void this.refresh();
        break;
      case 'policy':
        this.draw();
        break;
      case 'connected':
        void this.refresh();
        break;
      case 'unavailable':
        this.source.retry(e.docId);
        break;
      case 'rejected':
        if (!this.source.docs.has(e.docId)) break;
        this.notices.append(refusalNotice(this.ctx, e.reasons.map((r) => r.reason), e.text, this.notes, new Map()));
        this.draw();
        break;
    }
  }

  private report(results: EditResult[]): void {
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) this.error.textContent = failed.message;
  }

  private async write(node: string, thread: string | null, edit: Parameters<Live['edit']>[1]): Promise<string | null> {
    this.error.textContent = '';
    try {
      const r = await this.source.write(node, thread, edit);
      if (!r.ok) return r.message;
      // My first feedback here: the server now lists me among the authors (my role, my organisation).
      if (!this.source.authors.has(this.live.principal)) void this.refresh();
      else this.draw();
      return null;
    } catch (e) {
      return errorText(e, this.ctx.t);
    }
  }

  private visible(thread: Thread, author: string): boolean {
    const r = this.live.engine(this.portfolio).feedbackVisible(thread.node, { author: userOf(author), thread_starter: userOf(thread.opener) }, this.now());
    return r.type === 'success' && r.value;
  }

  draw(): void {
    const { t } = this.ctx;
    const engine = this.live.engine(this.portfolio);
    if (!this.live.hasPolicy(this.portfolio)) return;
    const restore = this.keepFocus();

    const stranger = engine.feedbackVisible(this.page, { author: STRANGER, thread_starter: STRANGER }, this.now());
    const onlyOwn = this.can('read', this.page) && stranger.type === 'success' && !stranger.value;
    this.notice.textContent = onlyOwn ? t('fbOnlyOwn') : '';
    this.notice.hidden = !onlyOwn;

    const anchors = this.anchors();
    const commentable = anchors.filter((a) => this.can('comment', a.id));
    const titles = new Map(anchors.map((a) => [a.id, a.label.replace(/^(– )+/, '')] as [string, string]));
    this.composer.setAnchors(commentable);
    if (commentable.length === 0) this.composerSlot.replaceChildren(h('p', { class: 'muted', id: 'fb-read-only' }, t('fbCannotComment')));
    else if (this.composerSlot.firstChild !== this.composer.el) this.composerSlot.replaceChildren(this.composer.el);

    const threads = foldThreads(this.source.read())
      .map((th) => ({ ...th, entries: th.entries.filter((e) => this.visible(th, e.author)) }))
      .filter((th) => th.entries.length > 0);
    if (threads.length === 0) this.list.replaceChildren(h('p', { class: 'muted', id: 'fb-none' }, t('fbNone')));
    else this.list.replaceChildren(...threads.map((th) => this.threadView(th, titles.get(th.node) ?? th.node)));
    restore();
  }

  /** Forms survive redraws (they are kept, not rebuilt), but moving them in
   * the document drops the focus: note where it was and put it back. */
  private keepFocus(): () => void {
    const active = document.activeElement;
    if (!(active instanceof HTMLElement) || !this.el.contains(active)) return () => undefined;
    const text = active instanceof HTMLTextAreaElement || (active instanceof HTMLInputElement && active.type === 'text')
      ? { start: active.selectionStart, end: active.selectionEnd } : null;
    return () => {
      if (!active.isConnected || document.activeElement === active) return;
      active.focus();
      if (text && (active instanceof HTMLTextAreaElement || active instanceof HTMLInputElement)) active.setSelectionRange(text.start, text.end);
    };
  }

  private threadView(th: Thread, about: string): HTMLElement {
    const { t } = this.ctx;
    const me = this.live.principal;
    const mayComment = this.can('comment', th.node);
    const mine = this.source.myDoc(th.id) ?? th.docs.get(me);
    const actions = (e: ThreadEntry): EntryActions => ({
      own: mayComment && e.author === me && e.doc === mine,
      reply: mayComment,
      onEdit: (x, body) => void this.edit(x.doc, { op: 'edit_entry', id: x.entry.id, body, now: this.now() }),
      onDelete: (x) => void this.edit(x.doc, { op: 'delete_entry', id: x.entry.id, now: this.now() }),
      onReply: (x, body) => void this.write(th.node, th.id, { op: 'reply', id: newNodeId(), to: x.entry.id, body, now: this.now() })
        .then((m) => { if (m) this.error.textContent = m; }),
    });
    const state = h('span', { class: `fb-state ${th.resolved ? 'fb-resolved' : 'fb-open'}` }, th.resolved ? t('fbResolved') : t('fbOpenThread'));
    const head = h('header', { class: 'fb-thread-head' }, h('span', { class: 'fb-about' }, `${t('fbThreadAbout')}: ${about}`), state);
    const tools = h('div', { class: 'fb-thread-tools actions' });
    if (mayComment) {
      tools.append(h('button', { type: 'button', class: 'small fb-resolve', 'aria-pressed': th.resolved ? 'true' : 'false',
        onclick: () => void this.write(th.node, th.id, { op: 'resolve', resolved: !th.resolved, now: this.now() })
          .then((m) => { if (m) this.error.textContent = m; }) }, th.resolved ? t('fbReopen') : t('fbResolve')));
      let evalForm = this.evalForms.get(th.id);
      const evalButton = h('button', { type: 'button', class: 'small fb-add-evaluation', 'aria-expanded': evalForm ? 'true' : 'false' }, t('fbAddEvaluation'));
      evalButton.addEventListener('click', () => {
        if (this.evalForms.has(th.id)) this.evalForms.delete(th.id);
        else {
          evalForm = new Composer(this.ctx, async (c) => {
            const failed = await this.write(th.node, th.id, c.edit);
            if (!failed) this.evalForms.delete(th.id);
            this.draw();
            return failed;
          }, { fixed: th.node, id: `fb-eval-${th.id}`, title: t('fbAddEvaluation') });
          this.evalForms.set(th.id, evalForm);
        }
        this.draw();
        this.el.querySelector<HTMLElement>(`#fb-eval-${CSS.escape(th.id)} input`)?.focus();
      });
      tools.append(evalButton);
    }
    const entries = th.entries.map((e) => entryView(this.ctx, e, this.source.authors, me, actions, this.forms));
    const evalForm = mayComment ? this.evalForms.get(th.id)?.el ?? null : null;
    return h('section', { class: `fb-thread${th.resolved ? ' is-resolved' : ''}`, 'data-thread': th.id, 'data-node': th.node,
      'aria-label': `${t('fbThreadAbout')}: ${about}` }, head, ...entries, tools, evalForm);
  }

  private edit(doc: string, edit: Parameters<Live['edit']>[1]): void {
    const r = this.live.edit(doc, edit);
    if (!r.ok) this.error.textContent = r.message;
  }
}
