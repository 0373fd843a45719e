// Access management of a portfolio: every grant with its source, level, flags
// and window; revoke; an automatic revocation date; adding people picked from
// an organisation's role holders; organisation rules (present and future
// members); pending access requests (approve / decline).
//
// Grants given here (directly or by an organisation rule) are edited in place
// with `PATCH …/access/{grant}` (level, flags, start and the automatic
// revocation date; the engine on the server decides). Grants that belong to an
// invitation or a share link are changed there, so they offer no edit form.
// People and organisation rules are picked from `GET /api/orgs` (the
// organisations I belong to, or all for an administrator) and their roles.
import { api, paths, type AccessList, type AccessRequest, type GrantEdit, type GrantView, type OrgView, type Person, type Portfolio } from '../api';
import type { Ctx } from '../app';
import { checkbox, field, messageArea, options, table } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { endOfDay, formatDate, LEVELS, levelKey, shortId, stateKey } from '../format';
import type { Key } from '../i18n';
import { href, type Route } from '../router';

/** Whether a grant is edited here (not through its invitation or link). */
export function editable(g: GrantView): boolean {
  return g.source === 'direct' || g.source === 'organisation-rule';
}

/** `YYYY-MM-DD` of an instant in the local time zone, for a date input; '' for none. */
export function dateInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Midnight at the start of a `YYYY-MM-DD` date in the local time zone. */
export function startOfDay(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : null;
}

/** The PATCH body for what the form changed: only differing fields; a cleared date is `null`. */
export function grantEdit(g: GrantView, form: { level: string; may_share: boolean; hide_feedback: boolean; start: string; end: string }): GrantEdit {
  const out: GrantEdit = {};
  if (form.level !== g.level) out.level = form.level;
  if (form.may_share !== g.may_share) out.may_share = form.may_share;
  if (form.hide_feedback !== g.hide_feedback) out.hide_feedback = form.hide_feedback;
  if (form.start !== dateInput(g.start)) out.start = startOfDay(form.start);
  if (form.end !== dateInput(g.end)) out.end = endOfDay(form.end);
  return out;
}

export async function accessView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'access') throw new Error('route');
  const { t } = ctx;
  const id = route.id;
  const p = (await api<Portfolio[]>('GET', paths.portfolios)).find((x) => x.id === id);
  const msg = messageArea();
  const grants = h('div', { id: 'grants' });
  const requests = h('div', { id: 'requests' });
  const reloadGrants = async () => grants.replaceChildren(grantTable(ctx, id, await api<AccessList>('GET', paths.access(id)), msg, reloadGrants));
  // Members see their own organisations, administrators all; others none.
  const orgs = await api<OrgView[]>('GET', paths.orgs).catch(() => [] as OrgView[]);
  const reloadRequests = async () => requests.replaceChildren(requestList(ctx, id, await api<AccessRequest[]>('GET', paths.requests(id)), msg, async () => { await reloadRequests(); await reloadGrants(); }));
  await Promise.all([reloadGrants(), reloadRequests()]);
  return h('section', { class: 'access', 'aria-labelledby': 'access-title' },
    h('p', {}, h('a', { href: href({ name: 'portfolio', id }) }, `← ${p?.title ?? t('back')}`)),
    h('h1', { id: 'access-title' }, `${t('manageAccess')}: ${p?.title ?? ''}`),
    msg.el,
    h('section', { 'aria-labelledby': 'grants-h' }, h('h2', { id: 'grants-h' }, t('grants')), grants),
    h('section', { 'aria-labelledby': 'req-h' }, h('h2', { id: 'req-h' }, t('accessRequests')), requests),
    addPeopleForm(ctx, id, orgs, reloadGrants),
    orgRuleForm(ctx, id, orgs, reloadGrants));
}

function grantTable(ctx: Ctx, id: string, list: AccessList, msg: ReturnType<typeof messageArea>, reload: () => Promise<void>): HTMLElement {
  const { t, lang } = ctx;
  if (!list.grants.length) return h('p', {}, t('nothingYet'));
  const rows = list.grants.map((g) => {
    const actions = h('div', { class: 'row-actions' });
    const revoke = h('button', { type: 'button', class: 'danger', 'data-revoke-grant': String(g.id), 'aria-label': `${t('revoke')}: ${g.subject_label}` }, t('revoke'));
    revoke.addEventListener('click', async () => {
      if (!confirm(t('confirmRevoke'))) return;
      try { await api('DELETE', paths.grant(id, g.id)); msg.ok(t('done')); await reload(); } catch (e) { msg.error(errorText(e, t)); }
    });
    actions.append(revoke);
    if (editable(g)) actions.append(editForm(ctx, id, g, msg, reload));
    const flags = [g.may_share ? t('mayShare') : '', g.hide_feedback ? t('hideFeedback') : '', g.condition ?? ''].filter(Boolean).join(', ') || '—';
    return [
      g.subject_label,
      g.node === id ? t('portfolio') : shortId(g.node),
      t(`source_${g.source}` as Key) ?? g.source,
      t(levelKey(g.level)),
      flags,
      formatDate(g.end, lang, t('noEnd')),
      h('span', { class: `state state-${g.state}` }, t(stateKey(g.state))),
      actions,
    ];
  });
  return table(t('grants'), [t('subject'), t('collection'), t('source'), t('level'), t('flags'), t('end'), t('state'), t('actions')], rows, 'grants');
}

function requestList(ctx: Ctx, id: string, list: AccessRequest[], msg: ReturnType<typeof messageArea>, reload: () => Promise<void>): HTMLElement {
  const { t, lang } = ctx;
  const pending = list.filter((r) => r.status === 'pending');
  if (!pending.length) return h('p', {}, t('noRequests'));
  return table(t('accessRequests'), [t('requester'), t('level'), t('message'), t('start'), t('actions')], pending.map((r) => {
    const decide = (how: 'approve' | 'decline') => {
      const b = h('button', { type: 'button', class: how === 'decline' ? 'danger' : '' }, t(how));
      b.addEventListener('click', async () => {
        try { await api('POST', paths.decide(id, r.id, how)); msg.ok(t('done')); await reload(); } catch (e) { msg.error(errorText(e, t)); }
      });
      return b;
    };
    return [r.requester_name || `#${r.requester}`, t(levelKey(r.level)), r.message || '—', formatDate(r.created_at, lang), h('div', { class: 'row-actions' }, decide('approve'), decide('decline'))];
  }));
}

function levelAndEnd(ctx: Ctx, prefix: string): { el: HTMLElement; level: HTMLSelectElement; end: HTMLInputElement; share: HTMLInputElement; hide: HTMLInputElement } {
  const { t } = ctx;
  const [levelF, level] = field(t('level'), 'select', { id: `${prefix}-level` });
  options(level, LEVELS.map((l) => [l, t(levelKey(l))]), 'read');
  const [endF, end] = field(t('end'), 'input', { id: `${prefix}-end`, type: 'date' });
  const [shareF, share] = checkbox(t('mayShare'), { id: `${prefix}-share` });
  const [hideF, hide] = checkbox(t('hideFeedback'), { id: `${prefix}-hide` });
  return { el: h('div', { class: 'grid2' }, levelF, endF, shareF, hideF), level, end, share, hide };
}

/** An organisation select and a role select filled from its roles. */
function orgPicker(ctx: Ctx, prefix: string, orgs: OrgView[]): { el: HTMLElement; org: HTMLSelectElement; role: HTMLSelectElement } {
  const { t } = ctx;
  const [orgF, org] = field(t('chooseOrganisation'), 'select', { id: `${prefix}-org`, required: true });
  const [roleF, role] = field(t('orgRole'), 'select', { id: `${prefix}-role` });
  options(org, orgs.map((o) => [String(o.id), o.name]), orgs[0] ? String(orgs[0].id) : undefined);
  const fillRoles = () => {
    const chosen = orgs.find((o) => String(o.id) === org.value);
    options(role, [['', t('anyRole')], ...(chosen?.roles ?? []).map((r): [string, string] => [r, r])], '');
  };
  org.addEventListener('change', fillRoles);
  fillRoles();
  const el = orgs.length ? h('div', { class: 'grid2' }, orgF, roleF) : h('p', {}, t('noOrganisations'));
  return { el, org, role };
}

function addPeopleForm(ctx: Ctx, id: string, orgs: OrgView[], reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const pick = orgPicker(ctx, 'people', orgs);
  const find = h('button', { type: 'button', id: 'people-find', disabled: !orgs.length }, t('findPeople'));
  const people = h('fieldset', { id: 'people-list' }, h('legend', {}, t('addPeople')));
  people.hidden = true;
  const opts = levelAndEnd(ctx, 'people');
  const add = h('button', { type: 'submit', id: 'people-add', disabled: true }, t('addSelected'));
  find.addEventListener('click', async () => {
    try {
      const list = await api<Person[]>('GET', paths.members(Number(pick.org.value), pick.role.value || undefined));
      people.replaceChildren(h('legend', {}, t('addPeople')), ...(list.length
        ? list.map((x) => checkbox(`${x.display_name} (${x.role})`, { value: String(x.id), name: 'person' })[0])
        : [h('p', {}, t('noPeople'))]));
      people.hidden = false;
      add.disabled = list.length === 0;
    } catch (e) { msg.error(errorText(e, t)); }
  });
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'people-h' },
    h('h2', { id: 'people-h' }, t('addPeople')), pick.el, find, people, opts.el, add, msg.el);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const users = [...people.querySelectorAll<HTMLInputElement>('input[name=person]:checked')].map((b) => Number(b.value));
    if (!users.length) return;
    try {
      await api('POST', paths.access(id), { users, level: opts.level.value, may_share: opts.share.checked, hide_feedback: opts.hide.checked, end: endOfDay(opts.end.value) ?? undefined });
      msg.ok(t('added'));
      await reload();
    } catch (e) { msg.error(errorText(e, t)); }
  });
  return form;
}

function orgRuleForm(ctx: Ctx, id: string, orgs: OrgView[], reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const pick = orgPicker(ctx, 'rule', orgs);
  const opts = levelAndEnd(ctx, 'rule');
  const submit = h('button', { type: 'submit', id: 'rule-add', disabled: !orgs.length }, t('addRule'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'rule-h' },
    h('h2', { id: 'rule-h' }, t('orgRule')), pick.el, opts.el, submit, msg.el);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', paths.access(id), {
        organisation: Number(pick.org.value), org_role: pick.role.value || undefined, level: opts.level.value,
        may_share: opts.share.checked, hide_feedback: opts.hide.checked, end: endOfDay(opts.end.value) ?? undefined,
      });
      msg.ok(t('added'));
      form.reset();
      await reload();
    } catch (e) { msg.error(errorText(e, t)); }
  });
  return form;
}

/** The in-row editor of one grant: level, flags, start and automatic revocation date. */
function editForm(ctx: Ctx, id: string, g: GrantView, msg: ReturnType<typeof messageArea>, reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const prefix = `edit-${g.id}`;
  const [levelF, level] = field(t('level'), 'select', { id: `${prefix}-level` });
  options(level, LEVELS.map((l) => [l, t(levelKey(l))]), g.level);
  const [startF, start] = field(t('startDate'), 'input', { id: `${prefix}-start`, type: 'date', value: dateInput(g.start) });
  const [endF, end] = field(t('setEnd'), 'input', { id: `${prefix}-end`, type: 'date', value: dateInput(g.end), 'data-end-grant': String(g.id) });
  const [shareF, share] = checkbox(t('mayShare'), { id: `${prefix}-share`, checked: g.may_share });
  const [hideF, hide] = checkbox(t('hideFeedback'), { id: `${prefix}-hide`, checked: g.hide_feedback });
  const save = h('button', { type: 'submit' }, t('save'));
  const form = h('form', { class: 'stack', 'data-edit-grant': String(g.id) }, levelF, startF, endF, shareF, hideF, save);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = grantEdit(g, { level: level.value, may_share: share.checked, hide_feedback: hide.checked, start: start.value, end: end.value });
    if (!Object.keys(body).length) return;
    try {
      await api('PATCH', paths.grant(id, g.id), body);
      msg.ok(body.end !== undefined && Object.keys(body).length === 1 ? t('endSet') : t('grantSaved'));
      await reload();
    } catch (e) { msg.error(errorText(e, t)); }
  });
  return h('details', { class: 'grant-edit' }, h('summary', {}, t('editGrant')), form);
}
