// Whom a manager can view the portfolio as: the people, roles, organisation
// rules and public links that the portfolio's access list, invitations and
// links name. Each choice carries the query of
// `GET /api/portfolios/{p}/view-as` that asks the server for that
// principal's policy snapshot; the server checks that the principal concerns
// the portfolio, and the engine decides what they see.
import type { AccessList, InvitationView, LinkView } from '../api';
import type { Key } from '../i18n';
import { shortId } from '../format';
import { fill } from './words';

/** One principal to view as: the API query, the option's label, and the
 * short name the screen's sentences use. */
export interface Choice { query: string; label: string; who: string }
export interface Choices { people: Choice[]; roles: Choice[]; orgs: Choice[]; links: Choice[] }

/** Names of people by engine user id (decimal account id): invitees by
 * name, the owner as such; everyone else by number. */
export function peopleNames(list: AccessList, invitations: InvitationView[], t: (k: Key) => string): Map<string, string> {
  const names = new Map<string, string>();
  for (const inv of invitations) names.set(String(inv.user), inv.name);
  names.set(String(list.owner), `${names.get(String(list.owner)) ?? fill(t('va_personNumber'), { id: String(list.owner) })} (${t('owner').toLowerCase()})`);
  return names;
}

/** Invitees' email addresses by engine user id, to tell namesakes apart. */
function emails(invitations: InvitationView[]): Map<string, string> {
  return new Map(invitations.map((inv) => [String(inv.user), inv.email]));
}

/** All choices in one list (to find the one an address names). */
export function allChoices(c: Choices): Choice[] {
  return [...c.people, ...c.roles, ...c.orgs, ...c.links];
}

const byLabel = (a: Choice, b: Choice) => a.label.localeCompare(b.label);

function unique(choices: Choice[]): Choice[] {
  const seen = new Set<string>();
  return choices.filter((c) => !seen.has(c.query) && seen.add(c.query)).sort(byLabel);
}

export function choicesFrom(list: AccessList, invitations: InvitationView[], links: LinkView[], t: (k: Key) => string): Choices {
  const names = peopleNames(list, invitations, t);
  const mail = emails(invitations);
  const person = (id: string): Choice => {
    const who = names.get(id) ?? fill(t('va_personNumber'), { id });
    return { query: `user=${encodeURIComponent(id)}`, label: mail.has(id) ? `${who} (${mail.get(id)})` : who, who };
  };
  const labelled = (query: string, label: string): Choice => ({ query, label, who: label });
  const role = (r: string): Choice => labelled(`role=${encodeURIComponent(r)}`, fill(t('va_subjectRole'), { role: r }));
  const people = [person(String(list.owner))];
  const roles: Choice[] = [];
  const orgs: Choice[] = [];
  for (const g of list.grants) {
    const s = g.subject;
    if (s.type === 'user') people.push(person(s.id));
    else if (s.type === 'role') roles.push(role(s.role));
    else if (s.type === 'org') {
      const query = `org=${encodeURIComponent(s.org)}${s.role ? `&org_role=${encodeURIComponent(s.role)}` : ''}`;
      orgs.push(labelled(query, s.role ? fill(t('va_subjectOrgRole'), { org: s.org, role: s.role }) : fill(t('va_subjectOrg'), { org: s.org })));
    }
  }
  for (const r of list.roles) {
    people.push(person(String(r.user)));
    roles.push(role(r.role));
  }
  for (const inv of invitations) people.push(person(String(inv.user)));
  const linkChoices: Choice[] = [];
  for (const l of links) {
    if (l.level === 4) linkChoices.push(labelled(`link=${encodeURIComponent(l.id)}`, fill(t('va_subjectLink'), { link: l.label ?? shortId(l.id) })));
    else roles.push(role(l.role)); // a level 0–3 link gives its role: view as that role
  }
  return { people: unique(people), roles: unique(roles), orgs: unique(orgs), links: unique(linkChoices) };
}
