// One feedback entry as shown in the panel: who wrote it (name, role, and
// for an external their organisation's name and logo, from the server's
// `feedback-authors`), when, and the text or evaluation; with Edit, Delete
// and Reply where the panel says they may be offered.
import type { Ctx } from '../app';
import { h } from '../dom';
import { formatDate } from '../format';
import type { Key } from '../i18n';
import { evaluationOf, type ThreadEntry } from './model';
import type { AuthorView } from './source';

/** What may be done to an entry; the panel fills it from the engine and authorship. */
export interface EntryActions {
  /** Edit and delete: only in one's own document, with Comment on the anchor. */
  own: boolean;
  /** Reply: Comment on the anchor. */
  reply: boolean;
  onEdit(e: ThreadEntry, body: string): void;
  onDelete(e: ThreadEntry): void;
  onReply(e: ThreadEntry, body: string): void;
}

const LEVEL_KEYS: Record<string, Key> = {
  beginning: 'fbLevelBeginning', developing: 'fbLevelDeveloping', proficient: 'fbLevelProficient', advanced: 'fbLevelAdvanced',
};

export function levelText(ctx: Ctx, level: string): string {
  const k = LEVEL_KEYS[level];
  return k ? ctx.t(k) : level;
}

/** The author line: name, role, and an external's organisation with its logo. */
export function authorLine(ctx: Ctx, e: ThreadEntry, who: AuthorView | undefined, me: string): HTMLElement {
  const { t } = ctx;
  const name = who?.name || e.authorName || e.author;
  const parts: (HTMLElement | string)[] = [h('strong', { class: 'fb-name' }, name)];
  if (e.author === me) parts.push(h('span', { class: 'fb-you' }, ` (${t('fbYou')})`));
  const role = who?.role;
  if (role) parts.push(h('span', { class: 'fb-role' }, role === 'owner' ? t('fbOwner') : role));
  if (who?.external) parts.push(h('span', { class: 'fb-role fb-external' }, t('fbExternal')));
  const org = who?.organisation;
  if (org) {
    parts.push(h('span', { class: 'fb-org', 'data-org': String(org.id) },
      org.logo ? h('img', { class: 'fb-logo', src: org.logo, alt: `${t('fbLogoOf')} ${org.name}`, width: '24', height: '24' }) : null,
      h('span', { class: 'fb-org-name' }, org.name)));
  }
  return h('div', { class: 'fb-author' }, ...parts);
}

function inlineForm(label: string, initial: string, submit: string, ctx: Ctx, done: (text: string | null) => void): HTMLElement {
  const area = h('textarea', { 'aria-label': label, rows: '3', maxlength: '10000' });
  area.value = initial;
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'fb-inline', 'aria-label': label }, area, error,
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, submit),
      h('button', { type: 'button', class: 'secondary', onclick: () => done(null) }, ctx.t('cancel'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!area.value.trim()) {
      error.textContent = ctx.t('fbNeedText');
      area.focus();
      return;
    }
    done(area.value);
  });
  area.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') done(null);
  });
  queueMicrotask(() => area.focus());
  return form;
}

/** One entry and, nested, its replies. */
/** Open reply and edit forms by entry id: kept across redraws, so remote
 * changes arriving while someone types do not take their text away. */
export type OpenForms = Map<string, HTMLElement>;

export function entryView(ctx: Ctx, e: ThreadEntry, authors: Map<string, AuthorView>, me: string,
  actions: (e: ThreadEntry) => EntryActions, forms: OpenForms): HTMLElement {
  const { t } = ctx;
  const x = e.entry;
  const can = actions(e);
  const meta = h('span', { class: 'fb-meta muted' }, formatDate(x.created_at, ctx.lang),
    x.edited_at && !x.deleted ? ` · ${t('fbEdited')}` : '');
  const body = h('div', { class: 'fb-body' });
  if (x.deleted) body.append(h('p', { class: 'muted' }, t('fbDeleted')));
  else if (x.hidden) body.append(h('p', { class: 'muted' }, t('fbHidden')));
  else {
    const ev = evaluationOf(x);
    if (ev) {
      body.append(h('dl', { class: 'fb-evaluation' },
        h('dt', {}, t('fbCriterion')), h('dd', { class: 'fb-criterion' }, ev.criterion),
        h('dt', {}, t('fbLevel')), h('dd', { class: 'fb-level' }, levelText(ctx, ev.level)),
        ...(ev.note ? [h('dt', {}, t('fbNote')), h('dd', { class: 'fb-note' }, ev.note)] : [])));
    }
    if (x.body) body.append(h('p', { class: 'fb-text' }, x.body));
  }
  const tools = h('div', { class: 'fb-tools' });
  const el = h('article', { class: `fb-entry fb-kind-${x.kind.type}`, 'data-entry': x.id, 'data-author': e.author },
    authorLine(ctx, e, authors.get(e.author), me), meta, body, tools);
  const slot = h('div', { class: 'fb-slot' });
  const open = (form: HTMLElement) => {
    forms.set(x.id, form);
    slot.replaceChildren(form);
  };
  const close = () => {
    const form = forms.get(x.id);
    forms.delete(x.id);
    form?.remove();
  };
  const kept = forms.get(x.id);
  if (kept) slot.append(kept);
  const live = !x.deleted && !x.hidden;
  if (live && can.reply) {
    tools.append(h('button', { type: 'button', class: 'small fb-reply', onclick: () => {
      open(inlineForm(t('fbReplyText'), '', t('fbReply'), ctx, (text) => {
        close();
        if (text !== null) can.onReply(e, text);
      }));
    } }, t('fbReply')));
  }
  if (live && can.own) {
    tools.append(h('button', { type: 'button', class: 'small fb-edit', onclick: () => {
      open(inlineForm(t('fbEditText'), x.body, t('save'), ctx, (text) => {
        close();
        if (text !== null) can.onEdit(e, text);
      }));
    } }, t('fbEdit')));
    tools.append(h('button', { type: 'button', class: 'small delete fb-delete', onclick: () => {
      if (confirm(t('fbConfirmDelete'))) can.onDelete(e);
    } }, t('delete')));
  }
  el.append(slot);
  if (e.replies.length) {
    el.append(h('div', { class: 'fb-replies' }, ...e.replies.map((r) => entryView(ctx, r, authors, me, actions, forms))));
  }
  return el;
}
