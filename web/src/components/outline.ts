// A read-only outline of nodes (portfolio › collection › page › …), built from
// a flat list with parent ids: the shape of `GET /api/links/view` and of the
// policy snapshot's skeleton.
import type { Ctx } from '../app';
import { h } from '../dom';
import type { Key } from '../i18n';
import { shortId } from '../format';

export interface OutlineNode { id: string; parent: string | null; kind: string; title: string | null }

/** Children by parent id, in input order; roots are nodes whose parent is absent from the list. */
export function treeOf(nodes: OutlineNode[]): { roots: OutlineNode[]; children: Map<string, OutlineNode[]> } {
  const ids = new Set(nodes.map((n) => n.id));
  const children = new Map<string, OutlineNode[]>();
  const roots: OutlineNode[] = [];
  for (const n of nodes) {
    if (n.parent && ids.has(n.parent)) {
      const list = children.get(n.parent) ?? [];
      list.push(n);
      children.set(n.parent, list);
    } else roots.push(n);
  }
  return { roots, children };
}

const kindKeys: Record<string, Key> = { portfolio: 'portfolio', collection: 'collection', page: 'page', section: 'section', resource: 'resource' };

export function outline(ctx: Ctx, nodes: OutlineNode[], label: string, link?: (n: OutlineNode) => string | null): HTMLElement {
  const { roots, children } = treeOf(nodes);
  const item = (n: OutlineNode): HTMLElement => {
    const kind = kindKeys[n.kind] ? ctx.t(kindKeys[n.kind]!) : n.kind;
    const title = n.title ?? shortId(n.id);
    const target = link?.(n);
    const li = h('li', { class: `node kind-${n.kind}`, 'data-node': n.id, 'data-kind': n.kind },
      h('span', { class: 'kind' }, kind), ' ',
      target ? h('a', { href: target }, title) : h('span', { class: 'title' }, title));
    const kids = children.get(n.id);
    if (kids?.length) li.append(h('ul', {}, ...kids.map(item)));
    return li;
  };
  return h('nav', { class: 'outline', 'aria-label': label }, h('ul', {}, ...roots.map(item)));
}
