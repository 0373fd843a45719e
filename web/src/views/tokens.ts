// API tokens, for administrators: create a service account and a token for
// it with a reach per category (view/edit × none/own/related/all) and an
// expiry; the secret is shown once, right after creating or rotating; the
// list shows every token with its scopes, expiry, state and last use, with
// rotate and revoke. The server audits each of these actions.
import {
  api, paths, SCOPES, TOKEN_CATEGORIES,
  type CreatedToken, type ScopeName, type ServiceUser, type TokenScopes, type TokenView,
} from '../api';
import type { Ctx } from '../app';
import { busy, field, messageArea, options, table } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { formatDate, stateKey } from '../format';
import { href } from '../router';

/** `portfolios: view own, edit related · users: view all`; `—` for nothing. */
export function scopesSummary(scopes: TokenScopes): string {
  const parts = TOKEN_CATEGORIES.flatMap((c) => {
    const s = scopes[c];
    const bits = [s?.view && s.view !== 'none' ? `view ${s.view}` : '', s?.edit && s.edit !== 'none' ? `edit ${s.edit}` : ''].filter(Boolean);
    return bits.length ? [`${c}: ${bits.join(', ')}`] : [];
  });
  return parts.join(' · ') || '—';
}

/** The scopes body from the form's choices, leaving out categories without rights. */
export function scopesFrom(choices: Record<string, ScopeName>): TokenScopes {
  const out: TokenScopes = {};
  for (const c of TOKEN_CATEGORIES) {
    const view = choices[`${c}.view`] ?? 'none';
    const edit = choices[`${c}.edit`] ?? 'none';
    if (view !== 'none' || edit !== 'none') out[c] = { view, edit };
  }
  return out;
}

export async function tokensView(ctx: Ctx): Promise<HTMLElement> {
  const { t } = ctx;
  if (!ctx.me?.is_admin) return h('section', {}, h('h1', {}, t('apiTokens')), h('p', { role: 'alert' }, t('err_forbidden')));
  const msg = messageArea();
  const secretBox = h('div', { id: 'token-secret-box', 'aria-live': 'polite' });
  const list = h('div', { id: 'token-list' });
  const services: ServiceUser[] = await api<ServiceUser[]>('GET', paths.serviceUsers);
  const showSecret = (created: CreatedToken) => secretBox.replaceChildren(secretPanel(ctx, created));
  const reload = async () => {
    const tokens = await api<TokenView[]>('GET', paths.tokens);
    list.replaceChildren(tokenTable(ctx, tokens, services, msg, showSecret, reload));
  };
  await reload();
  return h('section', { class: 'tokens', 'aria-labelledby': 'tokens-title' },
    h('p', {}, h('a', { href: href({ name: 'home' }) }, `← ${t('back')}`)),
    h('h1', { id: 'tokens-title' }, t('apiTokens')),
    h('p', {}, t('apiTokensHelp')),
    msg.el, secretBox,
    h('section', { 'aria-labelledby': 'token-list-h' }, h('h2', { id: 'token-list-h' }, t('allTokens')), list),
    newTokenForm(ctx, services, showSecret, reload));
}

function secretPanel(ctx: Ctx, created: CreatedToken): HTMLElement {
  const { t } = ctx;
  const copy = h('button', { type: 'button' }, t('copy'));
  const status = h('span', { role: 'status' });
  copy.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(created.secret).catch(() => undefined);
    status.textContent = t('copied');
  });
  return h('div', { class: 'card stack notice' },
    h('h2', {}, `${t('tokenSecret')}: ${created.token.name}`),
    h('p', {}, t('tokenShownOnce')),
    h('div', { class: 'row-actions' }, h('code', { id: 'token-secret', style: 'word-break: break-all' }, created.secret), copy, status));
}

function tokenTable(
  ctx: Ctx, tokens: TokenView[], services: ServiceUser[], msg: ReturnType<typeof messageArea>,
  showSecret: (c: CreatedToken) => void, reload: () => Promise<void>,
): HTMLElement {
  const { t, lang } = ctx;
  if (!tokens.length) return h('p', {}, t('nothingYet'));
  const account = (id: number) => services.find((s) => s.id === id)?.display_name ?? `#${id}`;
  const rows = tokens.map((tok) => {
    const actions = h('div', { class: 'row-actions' });
    if (tok.state === 'active') {
      const rotate = h('button', { type: 'button', 'data-rotate-token': tok.id, 'aria-label': `${t('rotate')}: ${tok.name}` }, t('rotate'));
      rotate.addEventListener('click', () => busy(rotate, async () => {
        try { showSecret(await api<CreatedToken>('POST', paths.rotateToken(tok.id))); await reload(); } catch (e) { msg.error(errorText(e, t)); }
      }));
      const revoke = h('button', { type: 'button', class: 'danger', 'data-revoke-token': tok.id, 'aria-label': `${t('revoke')}: ${tok.name}` }, t('revoke'));
      revoke.addEventListener('click', async () => {
        if (!confirm(t('confirmRevoke'))) return;
        try { await api('DELETE', paths.token(tok.id)); msg.ok(t('done')); await reload(); } catch (e) { msg.error(errorText(e, t)); }
      });
      actions.append(rotate, revoke);
    }
    return [
      tok.name, account(tok.user), scopesSummary(tok.scopes), formatDate(tok.expires_at, lang, t('noEnd')),
      h('span', { class: `state state-${tok.state}` }, tok.replaced_by ? t('rotated') : t(stateKey(tok.state))),
      formatDate(tok.last_used_at, lang, t('never')), actions,
    ];
  });
  return table(t('allTokens'), [t('name'), t('serviceAccount'), t('scopes'), t('end'), t('state'), t('lastUsed'), t('actions')], rows, 'tokens');
}

function newTokenForm(ctx: Ctx, services: ServiceUser[], showSecret: (c: CreatedToken) => void, reload: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [accountF, account] = field(t('serviceAccount'), 'select', { id: 'token-account' });
  options(account, [['new', t('newServiceAccount')], ...services.map((s): [string, string] => [String(s.id), `${s.display_name} (${s.email})`])], 'new');
  const [emailF, email] = field(t('email'), 'input', { id: 'token-account-email', type: 'email', autocomplete: 'off' });
  const [nameF, name] = field(t('name'), 'input', { id: 'token-account-name', autocomplete: 'off' });
  const newAccount = h('div', { class: 'grid2' }, emailF, nameF);
  // `display`, not `hidden`: the grid's own `display` would win over the attribute.
  const syncAccount = () => {
    const isNew = account.value === 'new';
    newAccount.style.display = isNew ? '' : 'none';
    email.required = name.required = isNew;
  };
  account.addEventListener('change', syncAccount);
  syncAccount();
  const [tokenNameF, tokenName] = field(t('tokenName'), 'input', { id: 'token-name', required: true, maxlength: '200' });
  const [daysF, days] = field(t('validDays'), 'input', { id: 'token-days', type: 'number', min: '1', max: '3650', value: '90', required: true });
  const selects: Record<string, HTMLSelectElement> = {};
  const grid = TOKEN_CATEGORIES.map((c) => {
    const cells = (['view', 'edit'] as const).map((op) => {
      const [f, s] = field(`${t(`cat_${c}`)}: ${t(op === 'view' ? 'scopeView' : 'scopeEdit')}`, 'select', { id: `scope-${c}-${op}` });
      options(s, SCOPES.map((x): [string, string] => [x, t(`scope_${x}`)]), 'none');
      selects[`${c}.${op}`] = s;
      return f;
    });
    return h('div', { class: 'grid2' }, ...cells);
  });
  const submit = h('button', { type: 'submit', id: 'token-create' }, t('createToken'));
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'new-token-h' },
    h('h2', { id: 'new-token-h' }, t('newToken')), accountF, newAccount, tokenNameF, daysF,
    h('fieldset', {}, h('legend', {}, t('scopes')), ...grid), submit, msg.el);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void busy(submit, async () => {
      try {
        let user = Number(account.value);
        if (account.value === 'new') {
          const created = await api<ServiceUser>('POST', paths.serviceUsers, { email: email.value.trim(), display_name: name.value.trim() });
          services.push(created);
          account.append(h('option', { value: String(created.id) }, `${created.display_name} (${created.email})`));
          account.value = String(created.id);
          syncAccount();
          user = created.id;
        }
        const choices = Object.fromEntries(Object.entries(selects).map(([k, s]) => [k, s.value as ScopeName]));
        const created = await api<CreatedToken>('POST', paths.tokens, { user, name: tokenName.value.trim(), scopes: scopesFrom(choices), days: Number(days.value) });
        showSecret(created);
        msg.ok(t('tokenCreated'));
        await reload();
      } catch (e) { msg.error(errorText(e, t)); }
    });
  });
  return form;
}
