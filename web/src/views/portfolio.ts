// A portfolio: the live outline (collections and pages, editable as the
// engine allows) and, when a page is chosen (`?node=`), its editor. Everything
// comes over the tab's one live connection (live/connection.ts): documents
// sync as people type, and the server's policy pushes and `unavailable`
// answers end the screen at once when access ends (revocation, expiry).
//
// `GET /api/portfolios/{id}/documents` says which documents the person may
// read now; the portfolio document (when readable) names the collections and
// their documents, and each collection document its pages.
import { api, ApiError, paths, type DocumentView, type Portfolio } from '../api';
import type { SyncEvent } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h } from '../dom';
import { liveFor, type LiveStatus, type Origin } from '../live/connection';
import { OutlineView } from '../editor/outline';
import { PageEditor } from '../editor/page';
import { Notes, refusalNotice, refusedTitles, type OutlineDoc } from '../editor/refusal';
import { href, type Route } from '../router';

function roleName(d: DocumentView): string {
  return typeof d.role === 'string' ? d.role : 'feedback';
}

function statusText(ctx: Ctx, s: LiveStatus): string {
  return s === 'online' ? ctx.t('online') : s === 'connecting' ? ctx.t('connecting') : ctx.t('offline');
}

export async function portfolioView(ctx: Ctx, route: Route): Promise<HTMLElement> {
  if (route.name !== 'portfolio') throw new Error('route');
  const { t } = ctx;
  const lost = () => h('section', { class: 'card' }, h('h1', { id: 'pf-title' }, t('accessLost')),
    h('p', { role: 'alert', id: 'access-status' }, t('accessLost')), h('a', { href: '#/' }, t('home')));
  const list = await api<Portfolio[]>('GET', paths.portfolios);
  const p = list.find((x) => x.id === route.id);
  let docs: DocumentView[];
  try {
    docs = await api<DocumentView[]>('GET', paths.documents(route.id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return lost();
    throw e;
  }
  if (!ctx.me) throw new ApiError(401, 'unauthenticated', t('err_unauthenticated'));
  const live = liveFor(`user:${ctx.me.id}`);
  const owner = p !== undefined && p.owner === Number(ctx.me.id);
  const portfolioDoc = docs.find((d) => roleName(d) === 'portfolio')?.url ?? null;
  const collectionDocs = new Map(docs.filter((d) => roleName(d) === 'collection').map((d) => [d.node, d.url] as [string, string]));
  const pageDocs = new Map(docs.filter((d) => roleName(d) === 'page').map((d) => [d.node, d.url] as [string, string]));

  // Sharing, access management and "view as" are for whoever manages the
  // portfolio: its owner, or anyone the engine gives Manage on the root
  // (asked again at every policy push; the server decides each request).
  const actions = h('div', { class: 'actions' });
  let managing: boolean | null = null;
  const drawActions = () => {
    const manages = owner || (live.hasPolicy(route.id) && live.engine(route.id).can('manage', route.id, Date.now()));
    if (manages === managing) return;
    managing = manages;
    actions.replaceChildren();
    if (!manages) return;
    actions.append(
      h('a', { class: 'button', href: href({ name: 'share', id: route.id, node: route.node }), id: 'open-share' }, t('share')),
      h('a', { class: 'button', href: href({ name: 'access', id: route.id }), id: 'open-access' }, t('manageAccess')),
      h('a', { class: 'button', href: href({ name: 'viewAs', id: route.id }), id: 'open-view-as' }, t('va_title')));
  };
  drawActions();
  const connection = h('p', { class: `live-status live-${live.status}`, role: 'status', id: 'live-status' }, statusText(ctx, live.status));
  const status = h('p', { role: 'alert', class: 'error', id: 'access-status' });
  const notices = h('div', { class: 'notices', id: 'outline-notices' });
  const notes = new Notes(ctx, route.id);
  const outline = new OutlineView(ctx, live, {
    portfolio: route.id, portfolioDoc, collectionDocs, titles: () => live.titles(route.id),
  }, route.node);
  const pane = h('div', { class: 'page-pane', id: 'page-pane' });
  const workspace = h('div', { class: 'workspace' }, outline.el, pane);
  const view = h('section', { class: 'portfolio', 'data-portfolio': route.id, 'aria-labelledby': 'pf-title' },
    h('h1', { id: 'pf-title' }, p?.title ?? t('portfolio')), connection, actions, status, notices, workspace, notes.el);

  let editor: PageEditor | null = null;
  let ended = false;
  let seenInOutline = false;
  let pageGone = false;
  const openPage = () => {
    if (editor || !route.node || pageGone) return;
    const ref = outline.page(route.node);
    const doc = ref?.doc ?? pageDocs.get(route.node) ?? null;
    if (!doc) return; // the outline has not arrived yet
    editor = new PageEditor(ctx, live, route.id, route.node, doc, ref?.title ?? t('page'), notes);
    pane.replaceChildren(editor.el);
  };
  if (!route.node) pane.append(h('p', { class: 'muted' }, t('choosePage')));
  else pane.append(h('p', { role: 'status' }, t('loading')));

  const end = (why: string) => {
    if (ended) return;
    ended = true;
    status.textContent = why;
    workspace.replaceChildren(h('p', {}, t('accessEndedHelp')), h('a', { href: '#/' }, t('home')));
    actions.replaceChildren();
    cleanup();
  };

  const onEvent = (e: SyncEvent, origin: Origin) => {
    if (!view.isConnected && view.dataset.mounted) return cleanup();
    if (ended) return;
    if (e.type === 'policy') {
      if (live.engine(route.id).visible(Date.now()).length === 0) return end(t('accessLost'));
      drawActions();
    }
    if ((e.type === 'unavailable' || e.type === 'unreadable') && e.docId === portfolioDoc) {
      return end(e.type === 'unreadable' ? `${t('accessLost')} ${e.message}` : t('accessLost'));
    }
    if (e.type === 'rejected' && e.docId !== editor?.docId) {
      // A refused outline edit (a rename, a new page…): why, and the text back.
      const texts = e.text.some((x) => x.text) ? e.text : refusedTitles(e.previous as OutlineDoc, live.client.read(e.docId) as OutlineDoc);
      notices.append(refusalNotice(ctx, e.reasons.map((r) => r.reason), texts, notes, outline.names()));
    }
    if (editor && !editor.handle(e, origin)) {
      editor.dispose();
      editor = null;
      pane.replaceChildren(h('p', { role: 'alert', id: 'page-access-ended' }, t('pageAccessEnded')));
      if (![...collectionDocs.values()].length && !portfolioDoc) return end(t('accessLost'));
    }
    if (e.type === 'loaded' || e.type === 'changed' || e.type === 'policy' || e.type === 'rejected') {
      if (e.type === 'policy' || outline.shows((e as { docId: string }).docId)) outline.draw();
      openPage();
      const ref = route.node ? outline.page(route.node) : null;
      if (editor && ref?.title) editor.setTitle(ref.title);
      if (ref) seenInOutline = true;
      if (route.node && !pageGone && !ref && outline.complete() && (seenInOutline || !pageDocs.has(route.node))) {
        // Deleted (here or by someone else), or never there.
        pageGone = true;
        editor?.dispose();
        editor = null;
        pane.replaceChildren(h('p', { role: 'status', id: 'page-gone' }, t('pageGone')));
      }
    }
    if (e.type === 'unavailable' && collectionDocs.size > 0 && [...collectionDocs.values()].every((d) => live.client.status(d) === 'unavailable') && !portfolioDoc) {
      end(t('accessLost'));
    }
  };
  const unsubscribe = live.subscribe(onEvent);
  const unStatus = live.onStatus((s) => {
    connection.textContent = statusText(ctx, s);
    connection.className = `live-status live-${s}`;
  });
  const cleanup = () => {
    unsubscribe();
    unStatus();
    editor?.dispose();
    editor = null;
    removeEventListener('hashchange', cleanup);
  };
  addEventListener('hashchange', cleanup);
  queueMicrotask(() => { view.dataset.mounted = 'true'; });
  outline.draw();
  openPage();
  return view;
}
