// "Seeing as others see": a manager picks a person, role, organisation rule
// or public link; the server answers the policy snapshot the access engine
// gives that principal now (`GET /api/portfolios/{p}/view-as`), the browser
// loads it into folio-wasm's `PolicyEngine` — the same engine the server
// runs — and shows the outline it makes visible, with the level on each
// item, and on any item "Why?" (the engine's `explain`) in words.
//
// Decisions: every answer is asked of the engine at the snapshot's
// `issued_at` (the server's clock when it was made), not the browser's clock,
// so the screen shows exactly what the server decided at that instant; the
// skeleton's path-only ancestors are shown as such, never as readable; the
// choice is part of the address (`#/p/{id}/view-as?user=7`) so it survives a
// reload and the back button.
import { api, ApiError, paths, type AccessList, type InvitationView, type LinkView, type Portfolio } from '../api';
import type { Ctx } from '../app';
import { field, messageArea } from '../components/form';
import { treeOf, type OutlineNode } from '../components/outline';
import { h } from '../dom';
import { errorText } from '../errors';
import { formatDate, levelKey, shortId } from '../format';
import type { Key } from '../i18n';
import { href, type Route } from '../router';
import { PolicyEngine } from '../../pkg/folio_wasm.js';
import { allChoices, choicesFrom, peopleNames, type Choices } from '../viewas/choices';
import { ACTIONS, actionKey, explanationWords, fill, type Explanation, type Names } from '../viewas/words';

interface SnapshotNode { id: string; kind: string; parent?: string; title?: string; readable: boolean }
interface Snapshot { revision: number; issued_at: number; valid_until?: number; nodes: SnapshotNode[] }

const kinds: Record<string, Key> = { portfolio: 'portfolio', collection: 'collection', page: 'page', section: 'section', resource: 'resource' };

export async function viewAsView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'viewAs') throw new Error('route');
  const { t } = ctx;
  const id = route.id;
  const p = (await api<Portfolio[]>('GET', paths.portfolios)).find((x) => x.id === id);
  const back = h('p', {}, h('a', { href: href({ name: 'portfolio', id }) }, `← ${p?.title ?? t('back')}`));
  const title = h('h1', { id: 'viewas-title' }, `${t('va_title')}: ${p?.title ?? t('portfolio')}`);
  let list: AccessList; let invitations: InvitationView[]; let links: LinkView[];
  try {
    [list, invitations, links] = await Promise.all([
      api<AccessList>('GET', paths.access(id)), api<InvitationView[]>('GET', paths.invitations(id)), api<LinkView[]>('GET', paths.links(id))]);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code === 'unauthenticated') throw e;
    return h('section', { class: 'card' }, back, title, h('p', { role: 'alert', class: 'error' }, errorText(e, t)));
  }
  const choices = choicesFrom(list, invitations, links, t);
  const [whoF, who] = field(t('va_choose'), 'select', { id: 'viewas-who', required: true }, t('va_chooseHelp'));
  fillChooser(ctx, who, choices, route.as);
  const [actionF, action] = field(t('va_action'), 'select', { id: 'viewas-action' }, t('va_actionHelp'));
  action.replaceChildren(...ACTIONS.map((a) => h('option', { value: a }, t(actionKey(a)))));
  const form = h('form', { class: 'card stack', id: 'viewas-form', 'aria-labelledby': 'viewas-form-h' },
    h('h2', { id: 'viewas-form-h' }, t('va_whom')), h('div', { class: 'grid2' }, whoF, actionF),
    h('button', { type: 'submit', id: 'viewas-show' }, t('va_show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (who.value) ctx.go({ name: 'viewAs', id, as: who.value });
  });
  const msg = messageArea();
  const view = h('section', { class: 'viewas', 'aria-labelledby': 'viewas-title' },
    back, title, h('p', { class: 'muted' }, t('va_intro')), form, msg.el);
  if (!route.as) return view;

  let snapshot: Snapshot;
  try {
    snapshot = await api<Snapshot>('GET', `/api/portfolios/${encodeURIComponent(id)}/view-as?${route.as}`);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unauthenticated') throw e;
    msg.error(errorText(e, t));
    return view;
  }
  const engine = new PolicyEngine();
  const loaded = engine.load(snapshot);
  if (loaded.type !== 'success') {
    msg.error(loaded.error.message);
    return view;
  }
  const whoLabel = allChoices(choices).find((c) => c.query === route.as)?.who ?? route.as;
  view.append(result(ctx, { engine, snapshot, whoLabel, action, list, invitations, links }));
  return view;
}

function fillChooser(ctx: Ctx, select: HTMLSelectElement, c: Choices, current: string | undefined): void {
  const { t } = ctx;
  const group = (label: string, items: { query: string; label: string }[]) =>
    items.length ? h('optgroup', { label }, ...items.map((x) => h('option', { value: x.query, selected: x.query === current }, x.label))) : null;
  const groups = [group(t('va_people'), c.people), group(t('va_roles'), c.roles), group(t('va_orgs'), c.orgs), group(t('va_links'), c.links)];
  select.replaceChildren(h('option', { value: '', selected: !current, disabled: true }, t('va_pick')),
    ...groups.filter((g): g is HTMLOptGroupElement => g !== null));
}

interface Shown {
  engine: PolicyEngine; snapshot: Snapshot; whoLabel: string; action: HTMLSelectElement;
  list: AccessList; invitations: InvitationView[]; links: LinkView[];
}

function result(ctx: Ctx, s: Shown): HTMLElement {
  const { t, lang } = ctx;
  const now = s.snapshot.issued_at;
  const visible = new Set<string>(s.engine.visible(now));
  const byId = new Map(s.snapshot.nodes.map((n) => [n.id, n]));
  const people = peopleNames(s.list, s.invitations, t);
  const names: Names = {
    t,
    person: (id) => people.get(id) ?? null,
    node: (id) => { const n = byId.get(id); return n ? { kind: n.kind, title: n.title ?? null } : null; },
    link: (id) => s.links.find((l) => l.id === id)?.label ?? null,
    date: (ms) => formatDate(ms, lang),
  };
  const heading = h('h2', { id: 'viewas-result-h', tabindex: '-1' }, fill(t('va_sees'), { who: s.whoLabel }));
  // After "Show", keyboard and screen-reader users land on the answer.
  setTimeout(() => { if (heading.isConnected && document.activeElement === document.body) heading.focus(); });
  const facts = h('p', { class: 'muted', id: 'viewas-facts' }, fill(t(visible.size === 1 ? 'va_asOfOne' : 'va_asOf'), { date: formatDate(now, lang), count: String(visible.size) }),
    s.snapshot.valid_until ? ` ${fill(t('va_until'), { date: formatDate(s.snapshot.valid_until, lang) })}` : '');
  const section = h('section', { class: 'card', id: 'viewas-result', 'data-who': s.whoLabel, 'aria-labelledby': 'viewas-result-h' }, heading, facts);
  if (visible.size === 0) {
    section.append(h('p', { id: 'viewas-nothing' }, t('va_nothing')));
    return section;
  }
  const open = new Set<() => void>();
  s.action.addEventListener('change', () => open.forEach((redraw) => redraw()));
  const nodes: OutlineNode[] = s.snapshot.nodes.map((n) => ({ id: n.id, parent: n.parent ?? null, kind: n.kind, title: n.title ?? null }));
  const { roots, children } = treeOf(nodes);
  const item = (n: OutlineNode): HTMLElement => {
    const seen = visible.has(n.id);
    const level = seen ? s.engine.level(n.id, now) : undefined;
    const name = n.title ?? shortId(n.id);
    const kind = kinds[n.kind] ? t(kinds[n.kind]!) : n.kind;
    const panelId = `why-${n.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const panel = h('div', { class: 'why', id: panelId, role: 'region', 'aria-label': fill(t('va_whyFor'), { node: name }), hidden: true });
    const button = h('button', { type: 'button', class: 'link why-button', 'aria-expanded': 'false', 'aria-controls': panelId, 'aria-label': fill(t('va_whyFor'), { node: name }) }, t('va_why'));
    const draw = () => {
      const answer = s.engine.explain(s.action.value, n.id, now);
      if (answer.type !== 'success') { panel.replaceChildren(h('p', { class: 'error' }, answer.error.message)); return; }
      const words = explanationWords(answer.value as Explanation, s.whoLabel, names);
      panel.replaceChildren(h('p', { class: 'verdict' }, words.verdict), h('ul', {}, ...words.reasons.map((r) => h('li', {}, r))));
    };
    button.addEventListener('click', () => {
      const show = panel.hidden;
      panel.hidden = !show;
      button.setAttribute('aria-expanded', String(show));
      if (show) { draw(); open.add(draw); } else open.delete(draw);
    });
    const badge = h('span', { class: `level ${seen ? `level-${level ?? 'none'}` : 'path-only'}` }, seen ? t(levelKey(level ?? '')) : t('va_pathOnly'));
    const li = h('li', { class: `node kind-${n.kind}${seen ? '' : ' path-only'}`, 'data-node': n.id, 'data-kind': n.kind, 'data-visible': String(seen), 'data-level': level ?? '' },
      h('span', { class: 'kind' }, kind), ' ', h('span', { class: 'title' }, name), ' ', badge, ' ', button, panel);
    const kids = children.get(n.id);
    if (kids?.length) li.append(h('ul', {}, ...kids.map(item)));
    return li;
  };
  section.append(h('nav', { class: 'outline viewas-outline', 'aria-label': fill(t('va_sees'), { who: s.whoLabel }) }, h('ul', {}, ...roots.map(item))));
  return section;
}
