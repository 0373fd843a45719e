// "Why can they see this?" in words. The access engine (folio-wasm's
// `PolicyEngine.explain`) decides and lists its reasons as data; this module
// only puts those reasons into the interface language, naming grants by
// number, subjects by the names the manager knows, and nodes by kind and
// title. It never adds, drops or re-weighs a reason. The engine's own `text`
// (English, addressed to "you") is kept as the fallback for reasons this
// module does not know yet.
import type { Key } from '../i18n';
import { levelKey, shortId } from '../format';

export type Subject =
  | { type: 'user'; id: string } | { type: 'role'; role: string } | { type: 'org'; org: string; role?: string }
  | { type: 'link'; id: string } | { type: 'token'; id: string } | { type: 'public' };

/** One reason of the engine's `Explanation` (serde: tagged by `reason`). */
export type Reason =
  | { reason: 'unknown_node' }
  | { reason: 'owner'; portfolio: string }
  | { reason: 'granted'; grant: number; subject: Subject; level: string; node: string; inherited: boolean }
  | { reason: 'not_started'; grant: number; subject: Subject; level: string; node: string; start: number }
  | { reason: 'ended'; grant: number; subject: Subject; level: string; node: string; end: number }
  | { reason: 'role_ended'; grant: number; role: string; level: string; node: string }
  | { reason: 'condition_failed'; grant: number; subject: Subject; level: string; node: string; condition: string }
  | { reason: 'token_scope'; relation: string; level: string }
  | { reason: 'token_expired'; at: number }
  | { reason: 'not_a_container'; kind: string }
  | { reason: 'may_not_share' }
  | { reason: 'no_grant' };

/** The engine's answer to "why?" (`PolicyEngine.explain(..).value`). */
export interface Explanation {
  text: string; action: string; node: string; now: number; required: string;
  level: string | null; allowed: boolean; reasons: Reason[];
}

/** What the words need to know beyond the explanation. */
export interface Names {
  t: (k: Key) => string;
  /** A person's name by engine user id, if the manager knows it. */
  person(id: string): string | null;
  /** A node's kind and title, if the snapshot has it. */
  node(id: string): { kind: string; title: string | null } | null;
  /** A link's label by id, if any. */
  link(id: string): string | null;
  /** An instant in the interface language. */
  date(ms: number): string;
}

/** Fills `{name}` placeholders. */
export function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

const kinds: Record<string, Key> = { portfolio: 'portfolio', collection: 'collection', page: 'page', section: 'section', resource: 'resource' };

/** "collection “Internship”", or the kind and a short id when untitled. */
export function nodeWords(id: string, n: Names): string {
  const node = n.node(id);
  const kind = node && kinds[node.kind] ? n.t(kinds[node.kind]!).toLowerCase() : '';
  const name = node?.title ? `“${node.title}”` : shortId(id);
  return kind ? `${kind} ${name}` : name;
}

/** Who a grant names, in words. */
export function subjectWords(s: Subject, n: Names): string {
  const { t } = n;
  switch (s.type) {
    case 'user': return n.person(s.id) ?? fill(t('va_personNumber'), { id: s.id });
    case 'role': return fill(t('va_subjectRole'), { role: s.role });
    case 'org': return s.role ? fill(t('va_subjectOrgRole'), { org: s.org, role: s.role }) : fill(t('va_subjectOrg'), { org: s.org });
    case 'link': return fill(t('va_subjectLink'), { link: n.link(s.id) ?? shortId(s.id) });
    case 'token': return fill(t('va_subjectToken'), { token: shortId(s.id) });
    case 'public': return t('va_subjectPublic');
  }
}

/** One reason in words; `null` for a reason this interface does not know. */
export function reasonWords(r: Reason, n: Names): string | null {
  const { t } = n;
  const level = (l: string) => t(levelKey(l));
  const grant = (g: { grant: number; level: string; node: string }) => ({ grant: String(g.grant), level: level(g.level), node: nodeWords(g.node, n) });
  switch (r.reason) {
    case 'unknown_node': return t('va_r_unknown_node');
    case 'owner': return t('va_r_owner');
    case 'granted': return fill(t(r.inherited ? 'va_r_granted_inherited' : 'va_r_granted'), { ...grant(r), subject: subjectWords(r.subject, n) });
    case 'not_started': return fill(t('va_r_not_started'), { ...grant(r), subject: subjectWords(r.subject, n), date: n.date(r.start) });
    case 'ended': return fill(t('va_r_ended'), { ...grant(r), subject: subjectWords(r.subject, n), date: n.date(r.end) });
    case 'role_ended': return fill(t('va_r_role_ended'), { ...grant(r), role: r.role });
    case 'condition_failed': return fill(t('va_r_condition_failed'), { ...grant(r), subject: subjectWords(r.subject, n), condition: r.condition });
    case 'token_scope': return fill(t('va_r_token_scope'), { level: level(r.level) });
    case 'token_expired': return fill(t('va_r_token_expired'), { date: n.date(r.at) });
    case 'not_a_container': return fill(t('va_r_not_a_container'), { kind: kinds[r.kind] ? t(kinds[r.kind]!).toLowerCase() : r.kind });
    case 'may_not_share': return t('va_r_may_not_share');
    case 'no_grant': return t('va_r_no_grant');
    default: return null;
  }
}

const actions: Record<string, Key> = {
  read: 'va_a_read', comment: 'va_a_comment', write: 'va_a_write', create_child: 'va_a_create_child',
  delete: 'va_a_delete', share: 'va_a_share', manage: 'va_a_manage',
};

/** The actions one may ask about, as the engine names them. */
export const ACTIONS = Object.keys(actions);

/** The i18n key of an action's wording ("read it", "delete it" …). */
export function actionKey(action: string): Key {
  return actions[action] ?? 'va_a_read';
}

/** The verdict and every reason, in words: `{ verdict, reasons }`. */
export function explanationWords(ex: Explanation, who: string, n: Names): { verdict: string; reasons: string[] } {
  const { t } = n;
  const vars = { who, action: t(actionKey(ex.action)), node: nodeWords(ex.node, n), level: ex.level ? t(levelKey(ex.level)) : t('level_none') };
  const verdict = `${fill(t(ex.allowed ? 'va_yes' : 'va_no'), vars)} ${fill(t('va_theirLevel'), vars)}`;
  const reasons = ex.reasons.map((r) => reasonWords(r, n) ?? ex.text);
  return { verdict, reasons };
}
