// Interface text in English and Dutch. Every key exists in both languages
// (a unit test holds them to that); the chosen language is remembered.

import { en, type Key } from './i18n/en';
import { nl } from './i18n/nl';

export type Lang = 'en' | 'nl';
export type { Key };

export const messages: Record<Lang, Record<Key, string>> = { en, nl };

const STORAGE_KEY = 'folio.lang';

/** The remembered language, else the browser's if it is Dutch, else English. */
export function initialLang(storage: Pick<Storage, 'getItem'> | undefined, navigatorLang: string | undefined): Lang {
  const saved = storage?.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'nl') return saved;
  return navigatorLang?.toLowerCase().startsWith('nl') ? 'nl' : 'en';
}

/** Remembers the chosen language. */
export function rememberLang(storage: Pick<Storage, 'setItem'> | undefined, lang: Lang): void {
  storage?.setItem(STORAGE_KEY, lang);
}

/** A translator for one language. */
export function translator(lang: Lang): (key: Key) => string {
  return (key) => messages[lang][key];
}
