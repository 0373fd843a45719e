// A portfolio: its outline (the parts the signed-in person may open) and, for
// those who manage it, the ways to share it and manage access. Until the wasm
// document and sync bindings land, the outline is built from
// `GET /api/portfolios/{id}/documents` (which documents may be read); it
// re-checks every 2 s so a revoked visitor sees at once that access ended.
import { api, ApiError, paths, type DocumentView, type Portfolio } from '../api';
import type { Ctx } from '../app';
import { outline, type OutlineNode } from '../components/outline';
import { h } from '../dom';
import { errorText } from '../errors';
import { href, type Route } from '../router';

const POLL_MS = 2000;

function roleName(d: DocumentView): string {
  return typeof d.role === 'string' ? d.role : 'feedback';
}

/** Outline nodes from the readable documents (titles come with the editor). */
export function nodesFromDocuments(p: Portfolio | undefined, docs: DocumentView[]): OutlineNode[] {
  const out: OutlineNode[] = [];
  if (p) out.push({ id: p.id, parent: null, kind: 'portfolio', title: p.title });
  for (const d of docs) {
    const role = roleName(d);
    if (role === 'collection') out.push({ id: d.node, parent: p?.id ?? null, kind: 'collection', title: null });
  }
  for (const d of docs) if (roleName(d) === 'page') out.push({ id: d.node, parent: null, kind: 'page', title: null });
  return out;
}

export async function portfolioView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'portfolio') throw new Error('route');
  const { t } = ctx;
  const list = await api<Portfolio[]>('GET', paths.portfolios);
  const p = list.find((x) => x.id === route.id);
  let docs: DocumentView[];
  try {
    docs = await api<DocumentView[]>('GET', paths.documents(route.id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return h('section', { class: 'card' }, h('h1', {}, t('accessLost')), h('p', { role: 'alert' }, t('err_not_found')), h('a', { href: '#/' }, t('home')));
    throw e;
  }
  const owner = p !== undefined && ctx.me !== null && p.owner === Number(ctx.me.id);
  const nodes = nodesFromDocuments(p, docs);
  const actions = h('div', { class: 'actions' });
  if (owner) {
    actions.append(
      h('a', { class: 'button', href: href({ name: 'share', id: route.id }), id: 'open-share' }, t('share')),
      h('a', { class: 'button', href: href({ name: 'access', id: route.id }), id: 'open-access' }, t('manageAccess')),
      h('a', { class: 'button', href: href({ name: 'viewAs', id: route.id }), id: 'open-view-as' }, t('va_title')));
  }
  const status = h('p', { role: 'alert', class: 'error', id: 'access-status' });
  const body = h('div', {}, outline(ctx, nodes, t('outline')),
    nodes.length <= 1 ? h('p', {}, t('noCollections')) : null,
    h('p', { class: 'muted' }, t('editorPending')));
  const view = h('section', { class: 'portfolio', 'data-portfolio': route.id, 'aria-labelledby': 'pf-title' },
    h('h1', { id: 'pf-title' }, p?.title ?? t('portfolio')), actions, status, body);

  // Watch for access ending (revocation, expiry) while the screen is open.
  const timer = setInterval(async () => {
    if (!view.isConnected) return clearInterval(timer);
    try {
      await api('GET', paths.documents(route.id));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 401 || e.status === 403)) {
        clearInterval(timer);
        status.textContent = e.status === 401 ? t('err_unauthenticated') : t('accessLost');
        body.replaceChildren(h('p', {}, errorText(e, t)), h('a', { href: '#/' }, t('home')));
        actions.replaceChildren();
      }
    }
  }, POLL_MS);
  return view;
}
