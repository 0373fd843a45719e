// Opening a share link (`/l/fl_…`): the server does what the link's level
// says; a level-4 link becomes the read-only view, levels 1 and 3 sign in,
// levels 0 and 2 need the recipient signed in first.
import { api, ApiError, type Opened } from '../api';
import type { Ctx } from '../app';
import { h } from '../dom';
import { errorText } from '../errors';
import { href, type Route } from '../router';

export async function linkView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'link') throw new Error('route');
  const { t } = ctx;
  try {
    const opened = await api<Opened>('POST', '/api/links/open', { token: route.secret });
    history.replaceState(null, '', '/');
    if (opened.read_only) {
      ctx.go({ name: 'view', token: route.secret });
    } else {
      await ctx.refresh({ reloadMe: true });
      ctx.go({ name: 'portfolio', id: opened.portfolio });
    }
    return h('p', { role: 'status' }, t('openingLink'));
  } catch (e) {
    if (e instanceof ApiError && e.code === 'unauthenticated') {
      return h('section', { class: 'card narrow' }, h('h1', {}, t('signIn')), h('p', {}, t('signInToContinue')),
        h('a', { class: 'button', href: href({ name: 'signin', next: `/l/${route.secret}` }) }, t('signIn')));
    }
    return h('section', { class: 'card narrow' }, h('h1', {}, t('openingLink')), h('p', { role: 'alert', class: 'error' }, errorText(e, t)));
  }
}
