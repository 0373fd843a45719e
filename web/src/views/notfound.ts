import type { Ctx } from '../app';
import { h } from '../dom';

export function notFoundView(ctx: Ctx): HTMLElement {
  return h('section', { class: 'card narrow' }, h('h1', {}, ctx.t('notFoundTitle')), h('a', { href: '#/' }, ctx.t('home')));
}
