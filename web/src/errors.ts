// Turns failures into text for people: the server's stable error codes map to
// interface text in the chosen language; anything else keeps the server's words.
import { ApiError } from './api';
import { messages, type Key } from './i18n';

/** The i18n key for an error code, if the interface has its own words for it. */
export function errorKey(code: string): Key | null {
  const key = `err_${code}`;
  return key in messages.en ? (key as Key) : null;
}

/** Text for any failure. */
export function errorText(e: unknown, t: (k: Key) => string): string {
  if (e instanceof ApiError) {
    const key = errorKey(e.code);
    return key ? t(key) : e.message || t('err_unknown');
  }
  if (e instanceof TypeError) return t('err_network');
  return t('err_unknown');
}
