// The read-only view a level-4 link opens, without any login: the outline the
// link may read (`GET /api/links/view` with the link as bearer), its pages
// opening below it live over the link's own `/sync` connection
// (editor/reader.ts). It offers no control that writes.
import { api, type ViewNode } from '../api';
import type { Ctx } from '../app';
import { outline } from '../components/outline';
import { h } from '../dom';
import { linkedPage } from '../editor/reader';
import { errorText } from '../errors';
import { href, type Route } from '../router';

export async function reviewerView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'view') throw new Error('route');
  const { t } = ctx;
  try {
    const nodes = await api<ViewNode[]>('GET', '/api/links/view', undefined, route.token);
    const root = nodes.find((n) => n.kind === 'portfolio') ?? nodes[0];
    return h('section', { class: 'reviewer', 'data-read-only': 'true', 'aria-labelledby': 'rv-title' },
      h('p', { class: 'banner', role: 'note' }, h('strong', {}, t('readOnlyView')), ' — ', t('readOnlyNotice')),
      h('h1', { id: 'rv-title' }, root?.title ?? t('readOnlyView')),
      outline(ctx, nodes, t('outline'), (n) => (n.kind === 'page' ? href({ name: 'view', token: route.token, node: n.id }) : null)),
      route.node && root?.kind === 'portfolio' ? linkedPage(ctx, route.token, root.id, route.node, nodes.find((n) => n.id === route.node)?.title ?? t('page')) : null);
  } catch (e) {
    return h('section', { class: 'card narrow' }, h('h1', {}, t('readOnlyView')), h('p', { role: 'alert', class: 'error' }, errorText(e, t)));
  }
}
