// The mail outbox, for administrators (`GET /api/admin/outbox`): every mail
// Folio queued, newest first, whether it reached the SMTP server, and why not.
// Without an SMTP server (the embedded default) this is where invitations,
// one-time codes and notices can be read and passed on by hand.
import { api } from '../api';
import type { Ctx } from '../app';
import { table } from '../components/form';
import { h } from '../dom';
import { formatDate } from '../format';

export interface MailView {
  id: number; to: string; subject: string; body: string;
  created_at: number; sent_at: number | null; attempts: number; last_error: string | null;
}

/** Where a mail stands, in words. */
export function mailState(m: MailView): 'sent' | 'failing' | 'queued' {
  if (m.sent_at !== null) return 'sent';
  return m.last_error ? 'failing' : 'queued';
}

export async function outboxView(ctx: Ctx): Promise<HTMLElement> {
  const { t } = ctx;
  const title = h('h1', { id: 'outbox-title' }, t('outbox'));
  if (!ctx.me?.is_admin) return h('section', { 'aria-labelledby': 'outbox-title' }, title, h('p', { role: 'alert' }, t('err_forbidden')));
  const mails = await api<MailView[]>('GET', '/api/admin/outbox?limit=200');
  const stateText = { sent: t('mailSent'), failing: t('mailFailing'), queued: t('mailQueued') };
  const rows = mails.map((m) => {
    const body = h('details', {}, h('summary', {}, m.subject), h('pre', { class: 'mail-body' }, m.body));
    const state = mailState(m);
    return [
      formatDate(m.created_at, ctx.lang),
      m.to,
      body,
      h('span', { class: `state state-${state}`, title: m.last_error ?? '' }, stateText[state], m.last_error ? ` — ${m.last_error}` : ''),
    ];
  });
  return h('section', { class: 'outbox', 'aria-labelledby': 'outbox-title' }, title,
    h('p', { class: 'muted' }, t('outboxHelp')),
    rows.length ? table(t('outbox'), [t('queuedAt'), t('recipient'), t('mailSubject'), t('state')], rows, 'outbox-table') : h('p', {}, t('outboxEmpty')));
}
