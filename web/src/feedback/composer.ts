// The form that starts a thread (a comment or a progress evaluation) or adds
// an evaluation to one. It is built once and kept across redraws, so what
// someone is typing survives remote changes; only the anchor choices are
// refreshed (from the engine: nodes one may comment on).
import type { Edit, Evaluation } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h, uid } from '../dom';
import { newNodeId } from '../live/connection';
import { levelText } from './entry';

export const LEVELS = ['beginning', 'developing', 'proficient', 'advanced'] as const;

export interface Anchor { id: string; label: string }

/** What the composer produces: the anchor and the edit to make in one's own document. */
export interface Composed { node: string; edit: Edit }

export class Composer {
  readonly el: HTMLFormElement;
  private readonly anchor: HTMLSelectElement;
  private readonly anchorRow: HTMLElement;
  private readonly kind: HTMLSelectElement;
  private readonly text: HTMLTextAreaElement;
  private readonly evalFields: HTMLElement;
  private readonly criterion: HTMLInputElement;
  private readonly level: HTMLSelectElement;
  private readonly note: HTMLInputElement;
  private readonly error: HTMLElement;
  private readonly fixed: string | null;

  /** `fixed`: the thread's anchor (adding an evaluation to it) — no anchor or kind choice. */
  constructor(private readonly ctx: Ctx, private readonly submit: (c: Composed) => Promise<string | null>,
    opts: { fixed?: string; id: string; title: string }) {
    const { t } = ctx;
    const ids = { anchor: uid('fb-anchor'), kind: uid('fb-kind'), text: uid('fb-text'), crit: uid('fb-crit'), level: uid('fb-level'), note: uid('fb-note') };
    this.anchor = h('select', { id: ids.anchor });
    this.anchorRow = h('div', { class: 'field' }, h('label', { for: ids.anchor }, t('fbAbout')), this.anchor);
    this.kind = h('select', { id: ids.kind },
      h('option', { value: 'comment' }, t('fbComment')), h('option', { value: 'evaluation' }, t('fbEvaluation')));
    this.text = h('textarea', { id: ids.text, rows: '3', maxlength: '10000' });
    this.criterion = h('input', { id: ids.crit, maxlength: '200', autocomplete: 'off' });
    this.level = h('select', { id: ids.level }, ...LEVELS.map((l) => h('option', { value: l }, levelText(ctx, l))));
    this.note = h('input', { id: ids.note, maxlength: '500', autocomplete: 'off' });
    this.evalFields = h('div', { class: 'fb-eval-fields' },
      h('div', { class: 'field' }, h('label', { for: ids.crit }, t('fbCriterion')), this.criterion),
      h('div', { class: 'field' }, h('label', { for: ids.level }, t('fbLevel')), this.level),
      h('div', { class: 'field' }, h('label', { for: ids.note }, t('fbNote')), this.note));
    this.error = h('p', { class: 'error', role: 'alert' });
    const kindRow = h('div', { class: 'field' }, h('label', { for: ids.kind }, t('fbKind')), this.kind);
    this.el = h('form', { class: 'fb-composer', id: opts.id, 'aria-label': opts.title },
      h('h4', {}, opts.title),
      opts.fixed ? null : this.anchorRow,
      opts.fixed ? null : kindRow,
      this.evalFields,
      h('div', { class: 'field' }, h('label', { for: ids.text }, t('fbText')), this.text),
      this.error,
      h('button', { type: 'submit', class: 'fb-post' }, t('fbPost')));
    if (opts.fixed) this.kind.value = 'evaluation';
    this.fixed = opts.fixed ?? null;
    this.showKind();
    this.kind.addEventListener('change', () => this.showKind());
    this.el.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.send();
    });
  }

  private showKind(): void {
    this.evalFields.hidden = this.kind.value !== 'evaluation';
  }

  /** The nodes one may start feedback on (decided by the engine, passed in by the panel). */
  setAnchors(anchors: Anchor[]): void {
    const keep = this.anchor.value;
    this.anchor.replaceChildren(...anchors.map((a) => h('option', { value: a.id }, a.label)));
    if (anchors.some((a) => a.id === keep)) this.anchor.value = keep;
  }

  private async send(): Promise<void> {
    const { t } = this.ctx;
    this.error.textContent = '';
    const node = this.fixed ?? this.anchor.value;
    const body = this.text.value;
    const now = Date.now();
    let edit: Edit;
    if (this.kind.value === 'evaluation') {
      const evaluation: Evaluation = { criterion: this.criterion.value.trim(), level: this.level.value, note: this.note.value.trim() || null };
      if (!evaluation.criterion || !evaluation.level) {
        this.error.textContent = t('fbNeedEvaluation');
        this.criterion.focus();
        return;
      }
      edit = { op: 'evaluate', id: newNodeId(), evaluation, body, now };
    } else {
      if (!body.trim()) {
        this.error.textContent = t('fbNeedText');
        this.text.focus();
        return;
      }
      edit = { op: 'add_comment', id: newNodeId(), body, now };
    }
    if (!node) return;
    const failed = await this.submit({ node, edit });
    if (failed) {
      this.error.textContent = failed; // the text stays in the form
      return;
    }
    this.text.value = '';
    this.criterion.value = '';
    this.note.value = '';
  }
}
