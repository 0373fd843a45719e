import { describe, expect, it } from 'vitest';
import { initialLang, messages, rememberLang, translator } from './i18n';

describe('interface text', () => {
  it('has every English key in Dutch, with a non-empty text', () => {
    for (const key of Object.keys(messages.en)) {
      expect(messages.nl[key as keyof typeof messages.nl], key).toBeTruthy();
    }
    expect(Object.keys(messages.nl).sort()).toEqual(Object.keys(messages.en).sort());
  });

  it('remembers the chosen language', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(initialLang(storage, 'en-GB')).toBe('en');
    rememberLang(storage, 'nl');
    expect(initialLang(storage, 'en-GB')).toBe('nl');
  });

  it('follows a Dutch browser when nothing is remembered', () => {
    expect(initialLang(undefined, 'nl-BE')).toBe('nl');
    expect(translator('nl')('signIn')).toBe('Inloggen');
  });
});
