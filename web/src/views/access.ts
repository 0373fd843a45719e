// Access management of a portfolio: every grant with its source, level, flags
// and window; revoke; an automatic revocation date; adding people picked from
// an organisation's role holders; organisation rules (present and future
// members); pending access requests (approve / decline).
//
// The server has no "edit grant" route: setting a revocation date on a grant
// posts the same grant with the end (the engine replaces a subject's grant on
// the same node) and revokes the old one if it survived (both checked by the
// engine on the server). Grants to links and tokens are ended by
// revoking the link or token instead.
import { api, paths, type AccessList, type AccessRequest, type GrantView, type Person, type Portfolio } from '../api';
import type { Ctx } from '../app';
import { checkbox, field, messageArea, options, table } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { endOfDay, formatDate, LEVELS, levelKey, shortId, stateKey } from '../format';
import type { Key } from '../i18n';
import { href, type Route } from '../router';

/** The `POST /api/portfolios/{p}/access` body that recreates `g` with a new end, if its subject allows. */
export function regrantBody(g: GrantView, end: number): Record<string, unknown> | null {
  const base = { node: g.node, level: g.level, may_share: g.may_share, hide_feedback: g.hide_feedback, start: g.start ?? undefined, end };
  switch (g.subject.type) {
    case 'user': return { ...base, users: [Number(g.subject.id)] };
    case 'role': return { ...base, role: g.subject.role };
    case 'org': return { ...base, organisation: Number(g.subject.org), org_role: g.subject.role };
    default: return null;
  }
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
  const reloadRequests = async () => requests.replaceChildren(requestList(ctx, id, await api<AccessRequest[]>('GET', paths.requests(id)), msg, async () => { await reloadRequests(); await reloadGrants(); }));
  await Promise.all([reloadGrants(), reloadRequests()]);
  return h('section', { class: 'access', 'aria-labelledby': 'access-title' },
    h('p', {}, h('a', { href: href({ name: 'portfolio', id }) }, `← ${p?.title ?? t('back')}`)),
    h('h1', { id: 'access-title' }, `${t('manageAccess')}: ${p?.title ?? ''}`),
    msg.el,
    h('section', { 'aria-labelledby': 'grants-h' }, h('h2', { id: 'grants-h' }, t('grants')), grants),
    h('section', { 'aria-labelledby': 'req-h' }, h('h2', { id: 'req-h' }, t('accessRequests')), requests),
    addPeopleForm(ctx, id, reloadGrants),
    orgRuleForm(ctx, id, reloadGrants));
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
    if (regrantBody(g, 0)) {
      const [dateF, date] = field(t('setEnd'), 'input', { type: 'date', 'data-end-grant': String(g.id) });
      const save = h('button', { type: 'button' }, t('save'));
      save.addEventListener('click', async () => {
        const end = endOfDay(date.value);
        if (!end) return;
        try {
          const added = await api<GrantView[]>('POST', paths.access(id), regrantBody(g, end));
          // The engine keeps one grant per subject and node, so the server has
          // usually replaced the old one already (and may reuse its id).
          const now = await api<AccessList>('GET', paths.access(id));
          if (!added.some((x) => x.id === g.id) && now.grants.some((x) => x.id === g.id)) await api('DELETE', paths.grant(id, g.id));
          msg.ok(t('endSet'));
          await reload();
        } catch (e) { msg.error(errorText(e, t)); }
      });
      actions.append(dateF, save);
    }
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
    return [`#${r.requester}`, t(levelKey(r.level)), r.message || '—', formatDate(r.created_at, lang), h('div', { class: 'row-actions' }, decide('approve'), decide('decline'))];
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

function addPeopleForm(ctx: Ctx, id: string, reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [orgF, org] = field(t('organisationId'), 'input', { id: 'people-org', type: 'number', min: '1', required: true });
  const [roleF, role] = field(t('orgRole'), 'input', { id: 'people-role' });
  const find = h('button', { type: 'button', id: 'people-find' }, t('findPeople'));
  const people = h('fieldset', { id: 'people-list' }, h('legend', {}, t('addPeople')));
  people.hidden = true;
  const opts = levelAndEnd(ctx, 'people');
  const add = h('button', { type: 'submit', id: 'people-add', disabled: true }, t('addSelected'));
  find.addEventListener('click', async () => {
    try {
      const list = await api<Person[]>('GET', paths.members(Number(org.value), role.value.trim() || undefined));
      people.replaceChildren(h('legend', {}, t('addPeople')), ...(list.length
        ? list.map((x) => checkbox(`${x.display_name} (${x.role})`, { value: String(x.id), name: 'person' })[0])
        : [h('p', {}, t('noPeople'))]));
      people.hidden = false;
      add.disabled = list.length === 0;
    } catch (e) { msg.error(errorText(e, t)); }
  });
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'people-h' },
    h('h2', { id: 'people-h' }, t('addPeople')), h('div', { class: 'grid2' }, orgF, roleF), find, people, opts.el, add, msg.el);
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

function orgRuleForm(ctx: Ctx, id: string, reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [orgF, org] = field(t('organisationId'), 'input', { id: 'rule-org', type: 'number', min: '1', required: true });
  const [roleF, role] = field(t('orgRole'), 'input', { id: 'rule-role' });
  const opts = levelAndEnd(ctx, 'rule');
  const submit = h('button', { type: 'submit', id: 'rule-add' }, t('addRule'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'rule-h' },
    h('h2', { id: 'rule-h' }, t('orgRule')), h('div', { class: 'grid2' }, orgF, roleF), opts.el, submit, msg.el);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', paths.access(id), {
        organisation: Number(org.value), org_role: role.value.trim() || undefined, level: opts.level.value,
        may_share: opts.share.checked, hide_feedback: opts.hide.checked, end: endOfDay(opts.end.value) ?? undefined,
      });
      msg.ok(t('added'));
      form.reset();
      await reload();
    } catch (e) { msg.error(errorText(e, t)); }
  });
  return form;
}
