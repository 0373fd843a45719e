// The top bar: name, language switch, who is signed in, sign out.
import { api } from '../api';
import type { Ctx } from '../app';
import { h } from '../dom';
import type { Lang } from '../i18n';

export function header(ctx: Ctx): HTMLElement {
  const { t } = ctx;
  const select = h('select', { id: 'lang', 'aria-label': t('language') },
    h('option', { value: 'en' }, 'English'), h('option', { value: 'nl' }, 'Nederlands'));
  select.value = ctx.lang;
  select.addEventListener('change', () => ctx.setLang(select.value as Lang));
  const bar = h('header', { class: 'bar' }, h('a', { href: '#/', class: 'brand' }, t('appName')));
  const right = h('div', { class: 'bar-right' }, select);
  if (ctx.me) {
    const out = h('button', { type: 'button', id: 'sign-out' }, t('signOut'));
    out.addEventListener('click', async () => {
      await api('DELETE', '/api/session').catch(() => undefined);
      sessionStorage.clear();
      ctx.me = null;
      ctx.go({ name: 'signin' });
      await ctx.refresh({ reloadMe: true });
    });
    right.append(h('span', { class: 'who' }, ctx.me.display_name), out);
  }
  bar.append(right);
  return bar;
}
