// Sign-in: email and password, then the TOTP step when the server asks for it.
import { api, type LoginAnswer } from '../api';
import type { Ctx } from '../app';
import { field, messageArea } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import type { Route } from '../router';
import { parseRoute } from '../router';

export function signInView(ctx: Ctx, route: Route): HTMLElement {
  const { t } = ctx;
  const next = route.name === 'signin' && route.next ? route.next : '/';
  const msg = messageArea();
  const [emailF, email] = field(t('email'), 'input', { type: 'email', id: 'email', name: 'email', autocomplete: 'username', required: true });
  const [pwF, password] = field(t('password'), 'input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, t('signIn'));
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, t('signIn')), emailF, pwF, submit, msg.el);

  const done = async () => {
    await ctx.refresh({ reloadMe: true });
    ctx.go(parseRoute(next));
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.clear();
    submit.disabled = true;
    try {
      const answer = await api<LoginAnswer>('POST', '/api/session', { email: email.value, password: password.value });
      if ('second_factor' in answer) form.replaceWith(totpStep(ctx, answer.pending, done));
      else await done();
    } catch (e) {
      msg.error(`${t('signInFailed')}: ${errorText(e, t)}`);
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** The second step: a 6-digit code from the app, or a recovery code. */
function totpStep(ctx: Ctx, pending: string, done: () => Promise<void>): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [codeF, code] = field(t('totpCode'), 'input', { id: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true }, t('totpHelp'));
  const [recF, recovery] = field(t('recoveryCode'), 'input', { id: 'recovery-code', autocomplete: 'off' });
  recF.hidden = true;
  const toggle = h('button', { type: 'button', class: 'link' }, t('useRecovery'));
  toggle.addEventListener('click', () => {
    recF.hidden = !recF.hidden;
    codeF.hidden = !recF.hidden;
    code.required = codeF.hidden ? false : true;
    (recF.hidden ? code : recovery).focus();
  });
  const submit = h('button', { type: 'submit' }, t('verify'));
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'totp-title' },
    h('h1', { id: 'totp-title' }, t('totpTitle')), codeF, recF, toggle, submit, msg.el);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const body = recF.hidden ? { pending, code: code.value.trim() } : { pending, recovery_code: recovery.value.trim() };
      await api('POST', '/api/session/totp', body);
      await done();
    } catch (e) {
      msg.error(errorText(e, t));
      if (e && typeof e === 'object' && 'code' in e && e.code === 'login_expired') {
        ctx.flash(errorText(e, t));
        ctx.go({ name: 'signin' });
        await ctx.refresh();
      }
    } finally {
      submit.disabled = false;
    }
  });
  queueMicrotask(() => code.focus());
  return form;
}
