// The dashboard: my portfolios (create one) and the portfolios shared with me
// (my role, who shared, until when, "remove my access").
import { api, paths, type ExternalSession, type Portfolio, type SharedPortfolio } from '../api';
import type { Ctx } from '../app';
import { field, messageArea } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { formatDate, levelKey } from '../format';
import { href } from '../router';
import { EXTERNAL_KEY } from './invite';

export async function dashboardView(ctx: Ctx): Promise<HTMLElement> {
  const { t, lang } = ctx;
  const me = ctx.me!;
  const [all, shared] = await Promise.all([
    api<Portfolio[]>('GET', paths.portfolios),
    api<SharedPortfolio[]>('GET', paths.shares),
  ]);
  const mine = all.filter((p) => p.owner === Number(me.id));
  const external: ExternalSession | null = JSON.parse(sessionStorage.getItem(EXTERNAL_KEY) ?? 'null');
  const msg = messageArea();

  const mineList = h('ul', { class: 'cards', 'aria-label': t('myPortfolios') },
    ...mine.map((p) => h('li', { class: 'card' }, h('a', { href: href({ name: 'portfolio', id: p.id }) }, p.title))));

  const section = h('section', { 'aria-labelledby': 'mine-title' }, h('h1', { id: 'mine-title' }, t('myPortfolios')));
  if (me.kind === 'member') {
    const [titleF, title] = field(t('portfolioTitle'), 'input', { id: 'new-title', required: true, maxlength: '200' });
    const create = h('button', { type: 'submit' }, t('createPortfolio'));
    const form = h('form', { class: 'inline', 'aria-label': t('newPortfolio') }, titleF, create);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      create.disabled = true;
      try {
        const p = await api<Portfolio>('POST', paths.portfolios, { title: title.value });
        ctx.go({ name: 'portfolio', id: p.id });
      } catch (e) {
        msg.error(errorText(e, t));
      } finally {
        create.disabled = false;
      }
    });
    section.append(form);
  }
  section.append(mine.length ? mineList : h('p', {}, t('nothingYet')));

  const sharedRows = shared.map((p) => {
    const roles = p.roles.length ? p.roles.join(', ') : (external?.portfolio === p.portfolio ? external.role : '—');
    const card = h('li', { class: 'card shared' },
      h('a', { href: href({ name: 'portfolio', id: p.portfolio }) }, p.title),
      h('dl', {},
        h('dt', {}, t('role')), h('dd', { class: 'role' }, roles),
        h('dt', {}, t('yourLevel')), h('dd', { class: 'level' }, p.level ? t(levelKey(p.level)) : '—'),
        h('dt', {}, t('sharedBy')), h('dd', { class: 'shared-by' }, p.shared_by.name || `${t('owner')} #${p.owner.id}`),
        h('dt', {}, t('until')), h('dd', { class: 'until' }, formatDate(p.until, lang, t('noEnd')))));
    if (p.may_leave) {
      const leave = h('button', { type: 'button', class: 'danger' }, t('removeMyAccess'));
      leave.setAttribute('aria-label', `${t('removeMyAccess')}: ${p.title}`);
      leave.addEventListener('click', async () => {
        if (!confirm(t('confirmRemoveAccess'))) return;
        try {
          await api('DELETE', paths.leave(p.portfolio));
          ctx.flash(t('accessRemoved'));
          await ctx.refresh();
        } catch (e) {
          msg.error(errorText(e, t));
        }
      });
      card.append(leave);
    }
    return card;
  });
  const links: (Node | string)[] = [h('a', { id: 'open-account', href: href({ name: 'account' }) }, t('yourAccount'))];
  if (me.kind === 'member') links.push(' · ', h('a', { id: 'open-security', href: href({ name: 'security' }) }, t('security')));
  if (me.is_admin) {
    links.push(' · ', h('a', { id: 'open-tokens', href: href({ name: 'tokens' }) }, t('apiTokens')),
      ' · ', h('a', { id: 'open-outbox', href: href({ name: 'outbox' }) }, t('outbox')),
      ' · ', h('a', { id: 'open-orgs', href: href({ name: 'orgs' }) }, t('orgLogos')));
  }
  const account = me.kind === 'service' ? null : h('p', { class: 'account-links' }, ...links);
  return h('div', { class: 'dashboard' }, msg.el, account, section,
    h('section', { 'aria-labelledby': 'shared-title' }, h('h2', { id: 'shared-title' }, t('sharedWithMe')),
      sharedRows.length ? h('ul', { class: 'cards', 'aria-label': t('sharedWithMe') }, ...sharedRows) : h('p', {}, t('nothingYet'))));
}
