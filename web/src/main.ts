// Folio's browser app: boots the wasm core, then shows sign-in or the dashboard.
import init, { version } from '../pkg/folio_wasm.js';
import { api, ApiError, type Me } from './api';
import { initialLang, rememberLang, translator, type Lang } from './i18n';

let lang: Lang = initialLang(globalThis.localStorage, globalThis.navigator?.language);
let t = translator(lang);
const root = document.querySelector<HTMLDivElement>('#app')!;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function header(me: Me | null): HTMLElement {
  const select = h('select', { 'aria-label': t('language'), id: 'lang' }) as HTMLSelectElement;
  for (const l of ['en', 'nl'] as const) select.append(h('option', { value: l }, l === 'en' ? 'English' : 'Nederlands'));
  select.value = lang;
  select.onchange = () => {
    lang = select.value as Lang;
    rememberLang(globalThis.localStorage, lang);
    t = translator(lang);
    void render();
  };
  const bar = h('header', { class: 'bar' }, h('strong', {}, t('appName')), select);
  if (me) {
    const out = h('button', { type: 'button' }, t('signOut'));
    out.onclick = async () => {
      await api('DELETE', '/api/session').catch(() => undefined);
      void render();
    };
    bar.append(h('span', { class: 'who' }, me.display_name), out);
  }
  return bar;
}

function signIn(): HTMLElement {
  const email = h('input', { type: 'email', id: 'email', name: 'email', autocomplete: 'username', required: '' });
  const password = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: '' });
  const error = h('p', { role: 'alert', class: 'error' });
  const form = h('form', { 'aria-label': t('signIn') },
    h('h1', {}, t('signIn')),
    h('label', { for: 'email' }, t('email')), email,
    h('label', { for: 'password' }, t('password')), password,
    h('button', { type: 'submit' }, t('signIn')), error);
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', '/api/session', { email: (email as HTMLInputElement).value, password: (password as HTMLInputElement).value });
      void render();
    } catch (e) {
      error.textContent = `${t('signInFailed')}: ${e instanceof ApiError ? e.message : String(e)}`;
    }
  };
  return form;
}

function dashboard(): HTMLElement {
  return h('main', {},
    h('h1', {}, t('myPortfolios')), h('p', {}, t('nothingYet')),
    h('h2', {}, t('sharedWithMe')), h('p', {}, t('nothingYet')));
}

async function render(): Promise<void> {
  let me: Me | null = null;
  try {
    me = await api<Me>('GET', '/api/me');
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
  document.documentElement.lang = lang;
  root.replaceChildren(header(me), me ? dashboard() : signIn(),
    h('footer', {}, `${t('rulesVersion')}: `, h('span', { id: 'rules-version' }, version())));
}

await init();
root.dataset.ready = 'true';
await render();
