// The application shell: language, the signed-in person, routing and the
// frame every screen renders into. Screens live in ./views, one file each.
import { api, ApiError, type Me } from './api';
import { initialLang, rememberLang, translator, type Key, type Lang } from './i18n';
import { fromLocation, href, isPublic, type Route } from './router';
import { header } from './components/header';
import { h } from './dom';
import { endSignedInLive } from './live/connection';

export interface Ctx {
  lang: Lang;
  t: (k: Key) => string;
  me: Me | null;
  /** Go to a route (pushes a history entry). */
  go(r: Route): void;
  /** Render the current route again (e.g. after signing in or out). */
  refresh(opts?: { reloadMe?: boolean }): Promise<void>;
  setLang(l: Lang): void;
  /** A notice shown above the screen after the next render. */
  flash(text: string): void;
}

export type View = (ctx: Ctx, route: Route) => Promise<HTMLElement> | HTMLElement;

export function startApp(root: HTMLElement, views: (r: Route) => View, footer: () => HTMLElement): Ctx {
  let flashText: string | null = null;
  let meLoaded = false;
  let renderSeq = 0;
  const ctx: Ctx = {
    lang: initialLang(globalThis.localStorage, globalThis.navigator?.language),
    t: (k) => k,
    me: null,
    go(r) {
      const target = href(r);
      if (location.hash === target) void ctx.refresh();
      else location.hash = target;
    },
    async refresh(opts = {}) {
      if (opts.reloadMe || !meLoaded) {
        try {
          ctx.me = await api<Me>('GET', '/api/me');
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          ctx.me = null;
        }
        meLoaded = true;
      }
      await render();
    },
    setLang(l) {
      ctx.lang = l;
      ctx.t = translator(l);
      rememberLang(globalThis.localStorage, l);
      void render();
    },
    flash(text) {
      flashText = text;
    },
  };
  ctx.t = translator(ctx.lang);

  async function render(): Promise<void> {
    const seq = ++renderSeq;
    let route = fromLocation(location);
    if (!ctx.me) endSignedInLive(); // signed out: the live connection was theirs
    if (!ctx.me && !isPublic(route)) route = { name: 'signin' };
    else if (ctx.me && route.name === 'signin') route = { name: 'home' };
    document.documentElement.lang = ctx.lang;
    const main = h('main', { id: 'main', tabindex: '-1' });
    const notice = flashText ? h('p', { class: 'notice', role: 'status' }, flashText) : null;
    flashText = null;
    let screen: HTMLElement;
    try {
      screen = await views(route)(ctx, route);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthenticated' && ctx.me) {
        // The session ended under us (expired, revoked, signed out elsewhere).
        ctx.me = null;
        ctx.flash(ctx.t('err_unauthenticated'));
        return render();
      }
      throw e;
    }
    if (seq !== renderSeq) return; // a newer render started meanwhile
    main.append(...[notice, screen].filter((x): x is HTMLElement => x !== null));
    const skip = h('a', { class: 'skip', href: '#main', onclick: (ev: Event) => { ev.preventDefault(); main.focus(); } }, ctx.t('skipToContent'));
    root.replaceChildren(skip, header(ctx), main, footer());
    const title = main.querySelector('h1')?.textContent;
    document.title = title ? `${title} · Folio` : 'Folio';
  }

  addEventListener('hashchange', () => void render());
  return ctx;
}
