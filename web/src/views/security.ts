// Two-step verification (TOTP) for one's own account: whether it is on; setting
// it up (the server's QR code and otpauth URI, the secret to type by hand,
// then a code from the app to prove it works); the recovery codes, shown this
// once; turning it off with a code or a recovery code.
import { api, ApiError, paths, type TotpEnrolment, type TotpStatus } from '../api';
import type { Ctx } from '../app';
import { busy, field, messageArea } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';
import { href } from '../router';

/** Error text; a wrong code gets the authenticator-app wording. */
function codeError(e: unknown, t: Ctx['t']): string {
  const wrong = e instanceof ApiError && (e.code === 'invalid_code' || (e.code === 'invalid_input' && e.field === 'code'));
  return wrong ? t('err_invalid_totp') : errorText(e, t);
}

/** An `<img>` source for an SVG document. */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export async function securityView(ctx: Ctx): Promise<HTMLElement> {
  const { t } = ctx;
  const status = await api<TotpStatus>('GET', paths.totp);
  const body = h('div', { id: 'totp-panel' });
  const section = h('section', { class: 'security', 'aria-labelledby': 'security-title' },
    h('p', {}, h('a', { href: href({ name: 'home' }) }, `← ${t('back')}`)),
    h('h1', { id: 'security-title' }, t('totpTitle')),
    body);
  body.append(status.enabled ? enabledPanel(ctx, status) : startPanel(ctx, body));
  return section;
}

function startPanel(ctx: Ctx, body: HTMLElement): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const start = h('button', { type: 'button', id: 'totp-start' }, t('totpSetUp'));
  start.addEventListener('click', () => busy(start, async () => {
    try {
      const enrolment = await api<TotpEnrolment>('POST', paths.totp, {});
      body.replaceChildren(enrolPanel(ctx, body, enrolment));
    } catch (e) { msg.error(errorText(e, t)); }
  }));
  return h('div', { class: 'card stack' }, h('p', { id: 'totp-state' }, t('totpOff')), h('p', {}, t('totpWhy')), start, msg.el);
}

function enrolPanel(ctx: Ctx, body: HTMLElement, enrolment: TotpEnrolment): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const qr = h('img', { id: 'totp-qr', src: svgDataUrl(enrolment.qr_svg), alt: t('totpQrAlt'), width: '240', height: '240' });
  const uri = h('code', { id: 'totp-uri', style: 'word-break: break-all' }, enrolment.otpauth_uri);
  const copy = h('button', { type: 'button' }, t('copy'));
  copy.addEventListener('click', async () => {
    await navigator.clipboard?.writeText(enrolment.otpauth_uri).catch(() => undefined);
    msg.ok(t('copied'));
  });
  const [codeF, code] = field(t('totpCode'), 'input', { id: 'totp-confirm-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
  const verify = h('button', { type: 'submit', id: 'totp-verify' }, t('verify'));
  const form = h('form', { class: 'stack', 'aria-label': t('verify') }, codeF, verify);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void busy(verify, async () => {
      try {
        const { recovery_codes } = await api<{ recovery_codes: string[] }>('POST', paths.totpConfirm, { code: code.value.trim() });
        body.replaceChildren(recoveryPanel(ctx, recovery_codes));
      } catch (e) { msg.error(codeError(e, t)); code.select(); }
    });
  });
  return h('div', { class: 'card stack' },
    h('p', {}, t('totpScan')),
    h('figure', { class: 'qr' }, qr),
    h('p', {}, t('totpUriHelp')), h('div', { class: 'row-actions' }, uri, copy),
    h('p', {}, `${t('totpSecret')}: `, h('code', { id: 'totp-secret' }, enrolment.secret)),
    form, msg.el);
}

function recoveryPanel(ctx: Ctx, codes: string[]): HTMLElement {
  const { t } = ctx;
  const done = h('button', { type: 'button', id: 'totp-done' }, t('totpSaved'));
  done.addEventListener('click', () => { ctx.flash(t('totpOnNow')); void ctx.refresh(); });
  return h('div', { class: 'card stack' },
    h('p', { role: 'status', id: 'totp-state' }, t('totpOnNow')),
    h('h2', { id: 'recovery-h' }, t('recoveryCodes')),
    h('p', {}, t('recoveryOnce')),
    h('ol', { id: 'recovery-codes', 'aria-labelledby': 'recovery-h' }, ...codes.map((c) => h('li', {}, h('code', {}, c)))),
    done);
}

function enabledPanel(ctx: Ctx, status: TotpStatus): HTMLElement {
  const { t } = ctx;
  const msg = messageArea();
  const [codeF, code] = field(t('totpOffCode'), 'input', { id: 'totp-off-code', autocomplete: 'one-time-code', required: true });
  const off = h('button', { type: 'submit', class: 'danger', id: 'totp-disable' }, t('totpTurnOff'));
  const form = h('form', { class: 'stack', 'aria-label': t('totpTurnOff') }, codeF, off);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = code.value.trim();
    // Six digits are an app code; anything else is a recovery code.
    const input = /^\d{6}$/.test(value) ? { code: value } : { recovery_code: value };
    void busy(off, async () => {
      try {
        await api('DELETE', paths.totp, input);
        ctx.flash(t('totpOffNow'));
        await ctx.refresh();
      } catch (e) { msg.error(codeError(e, t)); }
    });
  });
  return h('div', { class: 'card stack' },
    h('p', { id: 'totp-state' }, t('totpOn')),
    h('p', {}, `${t('recoveryLeft')}: ${status.recovery_codes_left}`),
    form, msg.el);
}
