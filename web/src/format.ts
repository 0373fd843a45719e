// Formatting of dates, levels and states for display. Pure; unit-tested.
import type { Key, Lang } from './i18n';

export type Level = 'read' | 'comment' | 'write' | 'remove' | 'manage';
export const LEVELS: readonly Level[] = ['read', 'comment', 'write', 'remove', 'manage'];
export const INVITE_LEVELS: readonly Level[] = ['read', 'comment', 'write'];

/** A date and time (ms since the epoch) in the chosen language; `null` → the "never" text. */
export function formatDate(ms: number | null | undefined, lang: Lang, never = '—', timeZone?: string): string {
  if (ms === null || ms === undefined) return never;
  return new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone,
  }).format(new Date(ms));
}

/** "in 3 days", "2 hours ago" … relative to `now`. */
export function formatRelative(ms: number, now: number, lang: Lang): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]];
  for (const [unit, size] of units) if (abs >= size) return rtf.format(Math.round(diff / size), unit);
  return rtf.format(Math.round(diff / 1000), 'second');
}

/** The i18n key naming an access level. */
export function levelKey(level: string): Key {
  return (LEVELS as readonly string[]).includes(level) ? (`level_${level}` as Key) : 'level_none';
}

/** The i18n key describing a share-link level 0–4. */
export function linkLevelKey(level: number): Key {
  return level >= 0 && level <= 4 ? (`linkLevel${level}` as Key) : 'level_none';
}

/** The i18n key of a link, invitation or grant state. */
export function stateKey(state: string): Key {
  const known = ['active', 'expired', 'revoked', 'not_yet_valid', 'not_started', 'ended', 'pending', 'approved', 'declined'];
  return known.includes(state) ? (`state_${state}` as Key) : 'state_active';
}

/** Milliseconds for the end of a `YYYY-MM-DD` date in the local time zone (23:59:59). */
export function endOfDay(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59).getTime();
}

/** A share-button label in `lang`, else English, else the first one. */
export function pickLabel(labels: { text: string; lang: string }[], lang: Lang): string {
  return (labels.find((l) => l.lang === lang) ?? labels.find((l) => l.lang === 'en') ?? labels[0])?.text ?? '';
}

/** A short form of a long id for display. */
export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}
