// One page for someone who holds only a share link (the level-4 read-only
// view): the page is found through the portfolio document and its collection
// documents over a `/sync` connection authenticated with the link
// (`?token=`), and shown by the same page editor, which offers nothing the
// link's policy snapshot does not allow (for a read-only link: nothing).
import type { Collection, DocId, Portfolio } from '../../pkg/folio_wasm.js';
import type { Ctx } from '../app';
import { h } from '../dom';
import { liveFor } from '../live/connection';
import { PageEditor } from './page';
import { Notes } from './refusal';

export function linkedPage(ctx: Ctx, token: string, portfolio: string, node: string, title: string): HTMLElement {
  const { t } = ctx;
  const live = liveFor('anonymous', token);
  const pane = h('div', { class: 'page-pane', id: 'page-pane' }, h('p', { role: 'status' }, t('loading')));
  const root: DocId = `automerge:${portfolio}`;
  const asked = new Set<DocId>();
  let editor: PageEditor | null = null;
  const ask = (doc: DocId) => {
    if (!asked.has(doc)) {
      asked.add(doc);
      live.find(doc);
    }
  };
  const gone = (text: string) => {
    editor?.dispose();
    editor = null;
    pane.replaceChildren(h('p', { role: 'alert', id: 'access-status' }, text));
  };
  const look = () => {
    if (editor) return;
    const p = live.client.read(root) as (Portfolio & { kind: string }) | undefined;
    if (!p || p.kind !== 'portfolio') return;
    for (const c of p.collections) {
      if (!c.document) continue;
      ask(c.document);
      const col = live.client.read(c.document) as (Collection & { kind: string }) | undefined;
      const entry = col?.kind === 'collection' ? col.pages.find((x) => x.id === node) : undefined;
      if (entry?.document) {
        editor = new PageEditor(ctx, live, portfolio, node, entry.document, entry.title || title, new Notes(ctx, portfolio));
        pane.replaceChildren(editor.el);
        return;
      }
    }
  };
  const unsubscribe = live.subscribe((e, origin) => {
    if (!pane.isConnected && pane.dataset.mounted) {
      unsubscribe();
      editor?.dispose();
      return;
    }
    if (editor && !editor.handle(e, origin)) return gone(t('pageAccessEnded'));
    if (e.type === 'unavailable' && e.docId === root) return gone(t('linkPageUnavailable'));
    if (e.type === 'loaded' || e.type === 'changed' || e.type === 'policy') look();
  });
  queueMicrotask(() => { pane.dataset.mounted = 'true'; });
  ask(root);
  look();
  return pane;
}
