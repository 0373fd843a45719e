// The dashboard: my portfolios (create one) and the portfolios shared with me
// (my role, who shared, until when, "remove my access").
import { api, paths, type ExternalSession, type Portfolio } from '../api';
import type { Ctx } from '../app';
import { field, messageArea } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { href } from '../router';
import { EXTERNAL_KEY } from './invite';

export async function dashboardView(ctx: Ctx): Promise<HTMLElement> {
  const { t } = ctx;
  const me = ctx.me!;
  const all = await api<Portfolio[]>('GET', paths.portfolios);
  const mine = all.filter((p) => p.owner === Number(me.id));
  const shared = all.filter((p) => p.owner !== Number(me.id));
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
    const leave = h('button', { type: 'button', class: 'danger' }, t('removeMyAccess'));
    leave.setAttribute('aria-label', `${t('removeMyAccess')}: ${p.title}`);
    leave.addEventListener('click', async () => {
      if (!confirm(t('confirmRemoveAccess'))) return;
      try {
        await api('DELETE', paths.leave(p.id));
        ctx.flash(t('accessRemoved'));
        await ctx.refresh();
      } catch (e) {
        msg.error(errorText(e, t));
      }
    });
    const role = external?.portfolio === p.id ? external.role : '—';
    return h('li', { class: 'card shared' },
      h('a', { href: href({ name: 'portfolio', id: p.id }) }, p.title),
      h('dl', {},
        h('dt', {}, t('role')), h('dd', { class: 'role' }, role),
        h('dt', {}, t('sharedBy')), h('dd', {}, `${t('owner')} #${p.owner}`),
        h('dt', {}, t('until')), h('dd', {}, '—')),
      leave);
  });
  return h('div', { class: 'dashboard' }, msg.el, section,
    h('section', { 'aria-labelledby': 'shared-title' }, h('h2', { id: 'shared-title' }, t('sharedWithMe')),
      sharedRows.length ? h('ul', { class: 'cards', 'aria-label': t('sharedWithMe') }, ...sharedRows) : h('p', {}, t('nothingYet'))));
}
