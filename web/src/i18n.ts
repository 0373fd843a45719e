// Interface text in English and Dutch. Every key exists in both languages
// (a unit test holds them to that); the chosen language is remembered.

export type Lang = 'en' | 'nl';

const en = {
  appName: 'Folio',
  signIn: 'Sign in',
  signOut: 'Sign out',
  email: 'Email',
  password: 'Password',
  signInFailed: 'Sign-in failed',
  myPortfolios: 'My portfolios',
  sharedWithMe: 'Shared with me',
  loading: 'Loading…',
  language: 'Language',
  rulesVersion: 'Rules version',
  offline: 'Offline: your edits are kept and sync when you reconnect',
  nothingYet: 'Nothing here yet.',
} as const;

export type Key = keyof typeof en;

const nl: Record<Key, string> = {
  appName: 'Folio',
  signIn: 'Inloggen',
  signOut: 'Uitloggen',
  email: 'E-mail',
  password: 'Wachtwoord',
  signInFailed: 'Inloggen mislukt',
  myPortfolios: 'Mijn portfolio’s',
  sharedWithMe: 'Met mij gedeeld',
  loading: 'Laden…',
  language: 'Taal',
  rulesVersion: 'Versie van de regels',
  offline: 'Offline: je wijzigingen blijven bewaard en worden gesynchroniseerd zodra je weer verbonden bent',
  nothingYet: 'Nog niets.',
};

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
