// The share dialog of a portfolio (or one node of it): invite an external,
// share buttons from the node's share spec, share links of level 0–4 with a
// validity; copy, revoke, and see each link's expiry and last use.
import { api, paths, type CreatedInvitation, type CreatedLink, type DocumentView, type InvitationView, type LinkView, type Portfolio, type ShareButton } from '../api';
import type { Ctx } from '../app';
import { checkbox, field, messageArea, options, table } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { endOfDay, formatDate, INVITE_LEVELS, levelKey, linkLevelKey, pickLabel, shortId, stateKey } from '../format';
import { href, type Route } from '../router';

export async function shareView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'share') throw new Error('route');
  const { t } = ctx;
  const id = route.id;
  const node = route.node ?? id;
  const [portfolios, docs] = await Promise.all([
    api<Portfolio[]>('GET', paths.portfolios),
    api<DocumentView[]>('GET', paths.documents(id)),
  ]);
  const p = portfolios.find((x) => x.id === id);
  const collections = docs.filter((d) => d.role === 'collection').map((d) => d.node);

  const invitations = h('div', { id: 'invitations' });
  const links = h('div', { id: 'links' });
  const reloadInvitations = async () => invitations.replaceChildren(invitationTable(ctx, id, await api<InvitationView[]>('GET', paths.invitations(id)), reloadInvitations));
  const reloadLinks = async () => links.replaceChildren(linkTable(ctx, id, await api<LinkView[]>('GET', paths.links(id)), reloadLinks));
  await Promise.all([reloadInvitations(), reloadLinks()]);

  return h('section', { class: 'share', 'aria-labelledby': 'share-title' },
    h('p', {}, h('a', { href: href({ name: 'portfolio', id }) }, `← ${p?.title ?? t('back')}`)),
    h('h1', { id: 'share-title' }, `${t('share')}: ${p?.title ?? ''}`),
    h('p', { class: 'muted' }, t('pageBoundary')),
    await buttonsSection(ctx, id, node, reloadLinks),
    inviteForm(ctx, id, collections, reloadInvitations),
    h('section', { 'aria-labelledby': 'inv-title' }, h('h2', { id: 'inv-title' }, t('invitations')), invitations),
    linkForm(ctx, id, node, reloadLinks),
    h('section', { 'aria-labelledby': 'links-title' }, h('h2', { id: 'links-title' }, t('shareLinks')), links));
}

function inviteForm(ctx: Ctx, id: string, collections: string[], reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [nameF, name] = field(t('name'), 'input', { id: 'inv-name', required: true, maxlength: '200', autocomplete: 'off' });
  const [emailF, email] = field(t('email'), 'input', { id: 'inv-email', type: 'email', required: true, autocomplete: 'off' });
  const [roleF, role] = field(t('role'), 'input', { id: 'inv-role', required: true, value: 'supervisor', list: 'inv-roles' });
  const roles = h('datalist', { id: 'inv-roles' }, ...['supervisor', 'external', 'assessor', 'reviewer'].map((r) => h('option', { value: r })));
  const [orgF, org] = field(t('organisation'), 'input', { id: 'inv-org' });
  const [levelF, level] = field(t('level'), 'select', { id: 'inv-level' });
  options(level, INVITE_LEVELS.map((l) => [l, t(levelKey(l))]), 'comment');
  const [daysF, days] = field(t('days'), 'input', { id: 'inv-days', type: 'number', min: '1', max: '3660', value: '30' });
  const [untilF, until] = field(t('endDate'), 'input', { id: 'inv-until', type: 'date' });
  const [hideF, hide] = checkbox(t('hideFeedback'), { id: 'inv-hide' });
  const scopeAll = h('input', { type: 'radio', name: 'inv-scope', id: 'inv-scope-all', value: 'all', checked: true });
  const scopeSome = h('input', { type: 'radio', name: 'inv-scope', id: 'inv-scope-some', value: 'some', disabled: collections.length === 0 });
  const boxes = collections.map((c) => checkbox(`${t('collection')} ${shortId(c)}`, { value: c, name: 'inv-node', 'data-node': c }));
  const picker = h('div', { class: 'indent', id: 'inv-nodes' }, ...boxes.map(([w]) => w));
  picker.hidden = true;
  for (const r of [scopeAll, scopeSome]) r.addEventListener('change', () => { picker.hidden = !scopeSome.checked; });
  const scope = h('fieldset', {}, h('legend', {}, t('scope')),
    h('div', { class: 'check' }, scopeAll, h('label', { for: 'inv-scope-all' }, t('wholePortfolio'))),
    h('div', { class: 'check' }, scopeSome, h('label', { for: 'inv-scope-some' }, t('selectedCollections'))), picker);
  const period = h('fieldset', { class: 'row' }, h('legend', {}, t('period')), daysF, untilF);
  const submit = h('button', { type: 'submit', id: 'inv-submit' }, t('sendInvitation'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'invite-h' },
    h('h2', { id: 'invite-h' }, t('inviteExternal')),
    h('div', { class: 'grid2' }, nameF, emailF, roleF, orgF, levelF), roles, period, hideF,
    h('small', {}, t('hideFeedbackHelp')), scope, submit, msg.el);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const end = until.value ? endOfDay(until.value) : null;
      const nodes = scopeSome.checked ? boxes.filter(([, b]) => b.checked).map(([, b]) => b.value) : [];
      const body = {
        name: name.value, email: email.value, role: role.value.trim(), level: level.value, hide_feedback: hide.checked, nodes, lang: ctx.lang,
        ...(org.value.trim() ? { organisation: org.value.trim() } : {}),
        ...(end ? { until: end } : days.value ? { days: Number(days.value) } : {}),
      };
      const created = await api<CreatedInvitation>('POST', paths.invitations(id), body);
      msg.ok(`${t('invitationSent')} ${created.invitation.email}`);
      form.reset();
      picker.hidden = true;
      await reload();
    } catch (e) {
      msg.error(errorText(e, t));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function invitationTable(ctx: Ctx, id: string, list: InvitationView[], reload: () => Promise<void>): HTMLElement {
  const { t, lang } = ctx;
  if (!list.length) return h('p', {}, t('nothingYet'));
  const msg = messageArea();
  const rows = list.map((inv) => {
    const cell = h('div', { class: 'row-actions' });
    if (inv.state === 'active') {
      const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `${t('revoke')}: ${inv.email}`, 'data-revoke-invitation': String(inv.id) }, t('revoke'));
      revoke.addEventListener('click', async () => {
        if (!confirm(t('confirmRevoke'))) return;
        try { await api('DELETE', paths.invitation(id, inv.id)); await reload(); } catch (e) { msg.error(errorText(e, t)); }
      });
      const [dateF, date] = field(t('setEnd'), 'input', { type: 'date' });
      const set = h('button', { type: 'button' }, t('save'));
      set.addEventListener('click', async () => {
        const end = endOfDay(date.value);
        if (!end) return;
        try { await api('PATCH', paths.invitation(id, inv.id), { until: end }); await reload(); } catch (e) { msg.error(errorText(e, t)); }
      });
      cell.append(revoke, dateF, set);
    }
    return [
      h('span', {}, inv.name, h('br'), h('small', {}, inv.email)),
      inv.role, t(levelKey(inv.level)),
      inv.hide_feedback ? t('hideFeedback') : '—',
      formatDate(inv.ends_at, lang, t('noEnd')),
      formatDate(inv.last_sign_in, lang, t('never')),
      h('span', { class: `state state-${inv.state}` }, t(stateKey(inv.state))),
      cell,
    ];
  });
  return h('div', {}, table(t('invitations'), [t('name'), t('role'), t('level'), t('flags'), t('until'), t('lastSignIn'), t('state'), t('actions')], rows, 'invitations'), msg.el);
}

function linkForm(ctx: Ctx, id: string, node: string, reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [levelF, level] = field(t('linkLevel'), 'select', { id: 'link-level' });
  options(level, [0, 1, 2, 3, 4].map((n) => [String(n), t(linkLevelKey(n))]), '4');
  const [hoursF, hours] = field(t('validity'), 'input', { id: 'link-hours', type: 'number', min: '1', max: '87840', value: '168' });
  const [recF, recipients] = field(t('recipients'), 'input', { id: 'link-recipients', autocomplete: 'off' });
  const [roleF, role] = field(t('role'), 'input', { id: 'link-role', value: 'external' });
  const [labelF, label] = field(t('label'), 'input', { id: 'link-label', maxlength: '200' });
  const sync = () => { const pub = level.value === '4'; recF.hidden = pub; roleF.hidden = pub; recipients.required = !pub; };
  level.addEventListener('change', sync);
  sync();
  const result = h('div', { id: 'link-result' });
  const submit = h('button', { type: 'submit', id: 'link-submit' }, t('createLink'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'link-h' },
    h('h2', { id: 'link-h' }, t('newLink')), h('div', { class: 'grid2' }, levelF, hoursF, recF, roleF, labelF), submit, msg.el, result);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const lvl = Number(level.value);
      const body = {
        node, level: lvl, lang: ctx.lang,
        ...(hours.value ? { hours: Number(hours.value) } : {}),
        ...(label.value.trim() ? { label: label.value.trim() } : {}),
        ...(lvl === 4 ? {} : { role: role.value.trim() || 'external', recipients: recipients.value.split(/[\s,;|]+/).filter(Boolean) }),
      };
      const created = await api<CreatedLink>('POST', paths.links(id), body);
      result.replaceChildren(copyBox(ctx, created.url));
      msg.ok(t('linkCreated'));
      await reload();
    } catch (e) {
      msg.error(errorText(e, t));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** A read-only field with the URL and a copy button. */
export function copyBox(ctx: Ctx, url: string): HTMLElement {
  const { t } = ctx;
  const [f, input] = field(t('linkUrl'), 'input', { id: 'link-url', readonly: true, value: url });
  const copy = h('button', { type: 'button', id: 'link-copy' }, t('copy'));
  copy.addEventListener('click', async () => {
    input.select();
    try { await navigator.clipboard.writeText(url); } catch { document.execCommand?.('copy'); }
    copy.textContent = t('copied');
  });
  return h('div', { class: 'copy-box' }, f, copy);
}

function linkTable(ctx: Ctx, id: string, list: LinkView[], reload: () => Promise<void>): HTMLElement {
  const { t, lang } = ctx;
  if (!list.length) return h('p', {}, t('nothingYet'));
  const msg = messageArea();
  const rows = list.map((l) => {
    const cell = h('div', { class: 'row-actions' });
    if (l.state === 'active' || l.state === 'not_yet_valid') {
      const revoke = h('button', { type: 'button', class: 'danger', 'data-revoke-link': l.id, 'aria-label': `${t('revoke')}: ${l.label ?? l.id}` }, t('revoke'));
      revoke.addEventListener('click', async () => {
        if (!confirm(t('confirmRevoke'))) return;
        try { await api('DELETE', paths.link(id, l.id)); await reload(); } catch (e) { msg.error(errorText(e, t)); }
      });
      cell.append(revoke);
    }
    return [
      h('span', {}, l.label ?? shortId(l.id), l.recipient ? h('small', {}, ` ${l.recipient}`) : null),
      t(linkLevelKey(l.level)),
      formatDate(l.expires_at, lang, t('noEnd')),
      formatDate(l.last_used_at, lang, t('never')),
      String(l.use_count),
      h('span', { class: `state state-${l.state}` }, t(stateKey(l.state))),
      cell,
    ];
  });
  return h('div', {}, table(t('shareLinks'), [t('label'), t('linkLevel'), t('expires'), t('lastUsed'), t('uses'), t('state'), t('actions')], rows, 'links'), msg.el);
}

async function buttonsSection(ctx: Ctx, id: string, node: string, reload: () => Promise<void>): Promise<HTMLElement> {
  const { t } = ctx;
  const msg = messageArea();
  const section = h('section', { class: 'card', 'aria-labelledby': 'buttons-h' }, h('h2', { id: 'buttons-h' }, t('shareButtons')));
  let buttons: ShareButton[] = [];
  try { buttons = await api<ShareButton[]>('GET', paths.buttons(id, node)); } catch (e) { msg.error(errorText(e, t)); }
  if (!buttons.length) section.append(h('p', {}, t('noShareButtons')));
  const result = h('div', {});
  for (const b of buttons) {
    const text = pickLabel(b.labels, ctx.lang);
    const form = h('form', { class: 'inline', 'aria-label': text });
    let email: HTMLInputElement | null = null;
    if (b.asks_email) {
      const [f, input] = field(t('askEmail'), 'input', { type: 'email', required: true });
      email = input;
      form.append(f);
    }
    const press = h('button', { type: 'submit' }, text);
    form.append(press);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      press.disabled = true;
      try {
        const created = await api<CreatedLink>('POST', paths.press(id, node, b.index), { emails: email ? [email.value] : [], lang: ctx.lang });
        result.replaceChildren(copyBox(ctx, created.url));
        msg.ok(t('linkCreated'));
        await reload();
      } catch (e) {
        msg.error(errorText(e, t));
      } finally {
        press.disabled = false;
      }
    });
    section.append(form);
  }
  section.append(msg.el, result);
  return section;
}
