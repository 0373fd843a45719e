import { describe, expect, it } from 'vitest';
import { fromLocation, href, isPublic, parseRoute, type Route } from './router';

describe('router', () => {
  const cases: Route[] = [
    { name: 'home' }, { name: 'signin' }, { name: 'signin', next: '/l/fl_x' },
    { name: 'invite', secret: 'fi_abc' }, { name: 'link', secret: 'fl_abc' }, { name: 'view', token: 'fl_a/b' }, { name: 'view', token: 'fl_a', node: 'pg 1' },
    { name: 'portfolio', id: 'P1' }, { name: 'portfolio', id: 'P1', node: 'c 1' },
    { name: 'share', id: 'P1' }, { name: 'share', id: 'P1', node: 'n' }, { name: 'access', id: 'P1' },
    { name: 'viewAs', id: 'P1' }, { name: 'viewAs', id: 'P1', as: 'org=3&org_role=staff' },
    { name: 'security' }, { name: 'tokens' }, { name: 'account' }, { name: 'outbox' }, { name: 'orgs' },
  ];
  it('parses every address it makes', () => {
    for (const r of cases) expect(parseRoute(href(r))).toEqual(r);
  });
  it('reads mailed paths and prefers the hash', () => {
    expect(fromLocation({ pathname: '/invite/fi_x', hash: '' })).toEqual({ name: 'invite', secret: 'fi_x' });
    expect(fromLocation({ pathname: '/l/fl_y', hash: '' })).toEqual({ name: 'link', secret: 'fl_y' });
    expect(fromLocation({ pathname: '/invite/fi_x', hash: '#/p/A' })).toEqual({ name: 'portfolio', id: 'A' });
    expect(fromLocation({ pathname: '/', hash: '' })).toEqual({ name: 'home' });
    expect(fromLocation({ pathname: '/elsewhere', hash: '' })).toEqual({ name: 'home' });
  });
  it('names unknown addresses and incomplete ones', () => {
    expect(parseRoute('#/nope').name).toBe('notFound');
    expect(parseRoute('#/invite').name).toBe('notFound');
    expect(parseRoute('#/p/A/other').name).toBe('notFound');
  });
  it('knows which screens need no session', () => {
    expect(isPublic({ name: 'view', token: 't' })).toBe(true);
    expect(isPublic({ name: 'invite', secret: 's' })).toBe(true);
    expect(isPublic({ name: 'home' })).toBe(false);
    expect(isPublic({ name: 'access', id: 'x' })).toBe(false);
  });
});
