import { describe, expect, it } from 'vitest';
import { endOfDay, formatDate, formatRelative, levelKey, linkLevelKey, pickLabel, shortId, stateKey } from './format';
import { messages } from './i18n';
import { errorKey } from './errors';
import { treeOf } from './components/outline';
import { dateInput, editable, grantEdit, startOfDay } from './views/access';
import { scopesFrom, scopesSummary } from './views/tokens';

describe('formatting', () => {
  const at = Date.UTC(2025, 2, 14, 9, 30);
  it('formats dates per language, and a missing date as the never-text', () => {
    expect(formatDate(at, 'en', '—', 'UTC')).toBe('14 Mar 2025, 09:30');
    expect(formatDate(at, 'nl', '—', 'UTC')).toMatch(/^14 mrt\.? 2025(,| om)? 09:30$/);
    expect(formatDate(null, 'en', 'never')).toBe('never');
  });
  it('formats relative times', () => {
    expect(formatRelative(at + 3 * 86_400_000, at, 'en')).toBe('in 3 days');
    expect(formatRelative(at - 2 * 3_600_000, at, 'nl')).toBe('2 uur geleden');
  });
  it('maps levels, link levels and states to interface text that exists', () => {
    for (const l of ['read', 'comment', 'write', 'remove', 'manage', 'bogus']) expect(messages.en[levelKey(l)]).toBeTruthy();
    expect(messages.en[levelKey('write')]).toBe('Write');
    expect(messages.nl[levelKey('manage')]).toBe('Beheren');
    for (const n of [0, 1, 2, 3, 4]) expect(messages.en[linkLevelKey(n)]).toMatch(new RegExp(`^${n} `));
    for (const s of ['active', 'expired', 'revoked', 'not_yet_valid', 'ended', 'pending']) expect(messages.nl[stateKey(s)]).toBeTruthy();
  });
  it('ends a picked day at 23:59:59 local time and rejects non-dates', () => {
    const end = endOfDay('2025-06-30')!;
    const d = new Date(end);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2025, 5, 30, 23, 59]);
    expect(endOfDay('30/06/2025')).toBeNull();
  });
  it('picks share-button labels in the chosen language', () => {
    const labels = [{ text: 'Share', lang: 'en' }, { text: 'Delen', lang: 'nl' }];
    expect(pickLabel(labels, 'nl')).toBe('Delen');
    expect(pickLabel([{ text: 'Teilen', lang: 'de' }], 'nl')).toBe('Teilen');
    expect(pickLabel([{ text: 'Share', lang: 'en' }], 'nl')).toBe('Share');
    expect(pickLabel([], 'en')).toBe('');
  });
  it('shortens long ids only', () => {
    expect(shortId('abc')).toBe('abc');
    expect(shortId('2Xk9dQeXw8mB3vLpT5nR')).toBe('2Xk9dQ…T5nR');
  });
});

describe('errors', () => {
  it('has words for the server codes the screens meet', () => {
    for (const c of ['invitation_revoked', 'invitation_expired', 'invitation_unknown', 'link_revoked', 'link_expired', 'link_unknown', 'invalid_code', 'code_expired', 'invalid_credentials', 'too_many_attempts', 'unauthenticated', 'login_expired']) {
      expect(errorKey(c), c).not.toBeNull();
    }
    expect(errorKey('something_new')).toBeNull();
  });
});

describe('outline', () => {
  it('nests nodes under parents it has, and roots the rest', () => {
    const { roots, children } = treeOf([
      { id: 'c1', parent: 'P', kind: 'collection', title: 'A' },
      { id: 'p1', parent: 'c1', kind: 'page', title: 'B' },
      { id: 'p2', parent: 'c1', kind: 'page', title: 'C' },
    ]);
    expect(roots.map((n) => n.id)).toEqual(['c1']);
    expect(children.get('c1')!.map((n) => n.id)).toEqual(['p1', 'p2']);
  });
});

describe('access management', () => {
  const g = { id: 1, node: 'n', subject: { type: 'user' as const, id: '7' }, subject_label: 'Tess', source: 'direct', level: 'read', may_share: true, hide_feedback: false, start: null, end: null, condition: null, state: 'active' };
  const same = { level: 'read', may_share: true, hide_feedback: false, start: '', end: '' };
  it('edits grants given here, not those of invitations and links', () => {
    expect(editable(g)).toBe(true);
    expect(editable({ ...g, source: 'organisation-rule' })).toBe(true);
    expect(editable({ ...g, source: 'invitation' })).toBe(false);
    expect(editable({ ...g, source: 'share-link' })).toBe(false);
  });
  it('sends only what changed', () => {
    expect(grantEdit(g, same)).toEqual({});
    expect(grantEdit(g, { ...same, level: 'write', may_share: false })).toEqual({ level: 'write', may_share: false });
    const edit = grantEdit(g, { ...same, end: '2099-12-31' });
    expect(Object.keys(edit)).toEqual(['end']);
    expect(new Date(edit.end!).getFullYear()).toBe(2099);
  });
  it('clears a date with null and round-trips dates through the inputs', () => {
    const start = startOfDay('2030-05-06')!;
    expect(dateInput(start)).toBe('2030-05-06');
    expect(dateInput(null)).toBe('');
    expect(grantEdit({ ...g, start }, { ...same, start: '' })).toEqual({ start: null });
    expect(startOfDay('not a date')).toBeNull();
  });
});

describe('API tokens', () => {
  it('summarises scopes per category and leaves out what gives nothing', () => {
    expect(scopesSummary({})).toBe('—');
    expect(scopesSummary({ portfolios: { view: 'own', edit: 'none' }, users: { view: 'all' } })).toBe('portfolios: view own · users: view all');
    expect(scopesSummary({ feedback: { view: 'none', edit: 'related' } })).toBe('feedback: edit related');
  });
  it('builds the scopes body from the form, without empty categories', () => {
    expect(scopesFrom({ 'portfolios.view': 'all', 'portfolios.edit': 'none', 'users.view': 'none', 'users.edit': 'none' })).toEqual({ portfolios: { view: 'all', edit: 'none' } });
    expect(scopesFrom({})).toEqual({});
  });
});
