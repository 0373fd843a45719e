// Your account: the display name others see on your feedback, and the
// language of the mail Folio sends you (`PATCH /api/account`). Role and
// organisation are not yours to change — an external's come from the
// invitation — so the screen shows them without offering an edit.
import { api } from '../api';
import type { Ctx } from '../app';
import { busy, field, messageArea, options } from '../components/form';
import { h } from '../dom';
import { errorText } from '../errors';

interface AccountAnswer { id: number; display_name: string; email: string; kind: string }

export async function accountView(ctx: Ctx): Promise<HTMLElement> {
  const { t } = ctx;
  const me = ctx.me;
  if (!me) throw new Error('signed in');
  const msg = messageArea();
  const [nameField, name] = field(t('displayName'), 'input', { id: 'account-name', required: true, maxlength: '200', autocomplete: 'name', value: me.display_name }, t('displayNameHelp'));
  const [langField, lang] = field(t('mailLanguage'), 'select', { id: 'account-lang' });
  options(lang, [['en', 'English'], ['nl', 'Nederlands']], ctx.lang);
  const save = h('button', { type: 'submit', id: 'account-save' }, t('save'));
  const form = h('form', { 'aria-labelledby': 'account-title', novalidate: true }, nameField, langField, save);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const display = name.value.trim();
    if (!display) {
      msg.error(t('displayNameEmpty'));
      name.focus();
      return;
    }
    void busy(save, async () => {
      try {
        const answer = await api<AccountAnswer>('PATCH', '/api/account', { display_name: display, lang: lang.value });
        if (ctx.me) ctx.me.display_name = answer.display_name;
        ctx.flash(t('accountSaved'));
        await ctx.refresh({ reloadMe: true });
      } catch (e) {
        msg.error(errorText(e, t));
      }
    });
  });
  return h('section', { class: 'card account', 'aria-labelledby': 'account-title' },
    h('h1', { id: 'account-title' }, t('yourAccount')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('email')), h('dd', { id: 'account-email' }, me.email),
      h('dt', {}, t('accountKind')), h('dd', {}, me.kind === 'external' ? t('accountExternal') : t('accountMember'))),
    me.kind === 'external' ? h('p', { class: 'muted' }, t('externalFixedFields')) : null,
    msg.el, form);
}
