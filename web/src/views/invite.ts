// An external's sign-in through their invitation link: ask for a one-time
// code by mail, then sign in with it. Revoked, expired and unknown
// invitations get their own clear message (the server's error codes).
import { api, ApiError, type ExternalSession } from '../api';
import type { Ctx } from '../app';
import { field, messageArea } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import type { Route } from '../router';

export const EXTERNAL_KEY = 'folio.external';

export function inviteView(ctx: Ctx, route: Route): HTMLElement {
  if (route.name !== 'invite') throw new Error('route');
  const { t } = ctx;
  const secret = route.secret;
  const msg = messageArea();
  const send = h('button', { type: 'button', id: 'send-code' }, t('sendCode'));
  const [codeF, code] = field(t('code'), 'input', { id: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
  const submit = h('button', { type: 'submit' }, t('signInWithCode'));
  const codeForm = h('form', { 'aria-label': t('signInWithCode'), class: 'stack' }, codeF, submit);
  codeForm.hidden = true;
  const card = h('section', { class: 'card narrow', 'aria-labelledby': 'invite-title' },
    h('h1', { id: 'invite-title' }, t('inviteTitle')), h('p', {}, t('inviteHelp')), send, codeForm, msg.el);

  const fatal = (e: unknown) => e instanceof ApiError && ['invitation_revoked', 'invitation_expired', 'invitation_unknown'].includes(e.code);
  send.addEventListener('click', async () => {
    send.disabled = true;
    try {
      await api('POST', '/api/external/code', { invitation: secret });
      msg.ok(t('codeSent'));
      codeForm.hidden = false;
      send.textContent = t('sendNewCode');
      code.focus();
    } catch (e) {
      msg.error(errorText(e, t));
      if (fatal(e)) { send.hidden = true; codeForm.hidden = true; }
    } finally {
      send.disabled = false;
    }
  });
  codeForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const s = await api<ExternalSession>('POST', '/api/external/session', { invitation: secret, code: code.value.trim() });
      sessionStorage.setItem(EXTERNAL_KEY, JSON.stringify(s));
      history.replaceState(null, '', '/');
      await ctx.refresh({ reloadMe: true });
      ctx.go({ name: 'portfolio', id: s.portfolio });
    } catch (e) {
      msg.error(errorText(e, t));
      if (fatal(e)) { send.hidden = true; codeForm.hidden = true; }
    } finally {
      submit.disabled = false;
    }
  });
  return card;
}
