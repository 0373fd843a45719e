import { describe, expect, it } from 'vitest';
import type { AccessList, GrantView, InvitationView, LinkView } from '../api';
import { translator } from '../i18n';
import { choicesFrom } from './choices';

const t = translator('en');

function grant(id: number, subject: GrantView['subject']): GrantView {
  return { id, node: 'c1', subject, subject_label: '', source: 'direct', level: 'read', may_share: false, hide_feedback: false, start: null, end: null, condition: null, state: 'active' };
}

const list: AccessList = {
  owner: 1,
  grants: [
    grant(1, { type: 'user', id: '7' }), grant(2, { type: 'user', id: '7' }), grant(3, { type: 'role', role: 'teacher' }),
    grant(4, { type: 'org', org: '3', role: 'staff' }), grant(5, { type: 'org', org: '3' }), grant(6, { type: 'link', id: 'L4' }),
  ],
  roles: [{ user: 9, role: 'peer' }],
};
const invitation = { user: 7, name: 'Sam Supervisor', email: 'sam@hospital.example' } as InvitationView;
const link = (id: string, level: number, role: string, label: string | null) => ({ id, level, role, label }) as LinkView;

describe('whom one can view as', () => {
  const c = choicesFrom(list, [invitation], [link('L4', 4, 'external', 'Open day'), link('L2', 2, 'assessor', null)], t);

  it('lists each person once, by name when the manager knows it', () => {
    expect(c.people).toEqual([
      { query: 'user=1', label: 'person #1 (owner)', who: 'person #1 (owner)' },
      { query: 'user=9', label: 'person #9', who: 'person #9' },
      { query: 'user=7', label: 'Sam Supervisor (sam@hospital.example)', who: 'Sam Supervisor' },
    ]);
  });

  it('offers roles from grants, holders and non-public links, and organisation rules as granted', () => {
    expect(c.roles.map((x) => x.query)).toEqual(['role=assessor', 'role=peer', 'role=teacher']);
    expect(c.orgs.map((x) => x.query).sort()).toEqual(['org=3', 'org=3&org_role=staff']);
  });

  it('offers public (level 4) links as visitors of their own', () => {
    expect(c.links).toEqual([{ query: 'link=L4', label: 'the share link “Open day”', who: 'the share link “Open day”' }]);
  });
});
