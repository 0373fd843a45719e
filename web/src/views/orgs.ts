// Organisation logos, for administrators (`GET /api/admin/orgs`,
// `PUT`/`DELETE /api/admin/orgs/{org}/logo`): every organisation with its
// current logo; choose an image and upload it, or remove the logo. Logos are
// shown next to externals' feedback (feedback/), so people see which
// organisation a reviewer speaks for.
//
// The server decides what is accepted (PNG, JPEG, GIF or WebP whose bytes
// match the type, at most 256 KiB; never SVG, which can carry scripts); this
// screen sends the chosen file as it is and explains the server's answer in
// the interface's language. After a change the list is read again, so the
// preview is the logo the server now holds (its address names the version,
// so no cached image is shown).
import { api, paths, sendFile, ApiError, type AdminOrg, type LogoSet } from '../api';
import type { Ctx } from '../app';
import { busy, messageArea } from '../components/form';
import { h, uid } from '../dom';
import { errorText } from '../errors';
import type { Key } from '../i18n';
import { formatDate } from '../format';
import { href } from '../router';

/** The accepted types, for the file picker (the server checks the bytes). */
export const LOGO_ACCEPT = 'image/png,image/jpeg,image/gif,image/webp';

/** Words for the server's refusal of a logo, by its error code. */
export function logoErrorKey(e: unknown): Key | null {
  if (!(e instanceof ApiError)) return null;
  if (e.code === 'too_large' || e.status === 413) return 'logoTooLarge';
  if (e.code === 'unsupported_type' || e.status === 415) return 'logoWrongType';
  if (e.code === 'invalid_input' && e.field === 'logo') return 'logoNotImage';
  return null;
}

export async function orgsView(ctx: Ctx): Promise<HTMLElement> {
  const { t } = ctx;
  const title = h('h1', { id: 'orgs-title' }, t('orgLogos'));
  if (!ctx.me?.is_admin) return h('section', { 'aria-labelledby': 'orgs-title' }, title, h('p', { role: 'alert' }, t('err_forbidden')));
  const list = h('ul', { class: 'cards org-list', 'aria-labelledby': 'orgs-title' });
  const empty = h('p', { id: 'orgs-empty' }, t('orgsEmpty'));
  /** Draws the list again; `focus` keeps the keyboard on that organisation's file field. */
  const reload = async (focus?: number, said?: { org: number; ok?: string; error?: string }) => {
    const orgs = await api<AdminOrg[]>('GET', paths.adminOrgs);
    list.replaceChildren(...orgs.map((o) => orgCard(ctx, o, reload)));
    list.hidden = orgs.length === 0;
    empty.hidden = orgs.length > 0;
    if (said) {
      const card = list.querySelector<HTMLElement>(`[data-org="${said.org}"]`);
      const msg = card?.querySelector<HTMLElement>(said.ok ? '[role=status]' : '[role=alert]');
      if (msg) msg.textContent = said.ok ?? said.error ?? '';
    }
    if (focus !== undefined) list.querySelector<HTMLElement>(`[data-org="${focus}"] .logo-file`)?.focus();
  };
  await reload();
  return h('section', { class: 'orgs', 'aria-labelledby': 'orgs-title' },
    h('p', {}, h('a', { href: href({ name: 'home' }) }, `← ${t('back')}`)),
    title,
    h('p', {}, t('orgLogosHelp')),
    empty, list);
}

type Reload = (focus?: number, said?: { org: number; ok?: string; error?: string }) => Promise<void>;

function orgCard(ctx: Ctx, o: AdminOrg, reload: Reload): HTMLElement {
  const { t } = ctx;
  const nameId = uid('org');
  const msg = messageArea();
  const logo = o.logo
    ? h('figure', { class: 'org-logo-box' },
      h('img', { class: 'org-logo', src: o.logo.url, alt: `${t('logoOf')} ${o.name}` }),
      h('figcaption', { class: 'muted' }, `${o.logo.content_type.replace('image/', '').toUpperCase()} · ${t('logoSetOn')} ${formatDate(o.logo.updated_at, ctx.lang)}`))
    : h('p', { class: 'org-no-logo muted' }, t('noLogo'));

  const fileId = uid('logo');
  const helpId = `${fileId}-help`;
  const input = h('input', { type: 'file', id: fileId, class: 'logo-file', accept: LOGO_ACCEPT, 'aria-describedby': helpId });
  const upload = h('button', { type: 'submit', class: 'logo-upload' }, o.logo ? t('replaceLogo') : t('uploadLogo'));
  const form = h('form', { class: 'stack logo-form', 'aria-label': `${t('uploadLogo')}: ${o.name}` },
    h('div', { class: 'field' },
      h('label', { for: fileId }, `${t('chooseLogo')} (${o.name})`),
      input,
      h('small', { id: helpId }, t('logoRules'))),
    h('div', { class: 'actions' }, upload));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const file = input.files?.[0];
    if (!file) {
      msg.error(t('chooseLogoFirst'));
      input.focus();
      return;
    }
    void busy(upload, async () => {
      try {
        await sendFile<LogoSet>('PUT', paths.orgLogo(o.id), file);
        await reload(o.id, { org: o.id, ok: `${t('logoSaved')} ${o.name}` });
      } catch (e) {
        const key = logoErrorKey(e);
        msg.error(key ? t(key) : errorText(e, t));
        input.focus();
      }
    });
  });

  const card = h('li', { class: 'card org-card', 'data-org': String(o.id), 'aria-labelledby': nameId },
    h('h2', { id: nameId }, o.name), logo, form);
  if (o.logo) {
    const remove = h('button', { type: 'button', class: 'logo-remove danger', 'aria-label': `${t('removeLogo')}: ${o.name}` }, t('removeLogo'));
    remove.addEventListener('click', () => {
      if (!confirm(`${t('confirmRemoveLogo')} ${o.name}`)) return;
      void busy(remove, async () => {
        try {
          await api('DELETE', paths.orgLogo(o.id));
          await reload(o.id, { org: o.id, ok: `${t('logoRemoved')} ${o.name}` });
        } catch (e) {
          msg.error(errorText(e, t));
        }
      });
    });
    form.querySelector('.actions')!.append(remove);
  }
  card.append(msg.el);
  return card;
}
