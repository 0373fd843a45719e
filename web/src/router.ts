// The hash router. Every screen has a `#/…` address; the server's mailed
// addresses (`/invite/fi_…`, `/l/fl_…`) are paths, which `fromLocation`
// maps onto the same routes so both forms work.

export type Route =
  | { name: 'home' }
  | { name: 'signin'; next?: string }
  | { name: 'invite'; secret: string }
  | { name: 'link'; secret: string }
  | { name: 'view'; token: string; node?: string }
  | { name: 'portfolio'; id: string; node?: string }
  | { name: 'share'; id: string; node?: string }
  | { name: 'access'; id: string }
  | { name: 'viewAs'; id: string; as?: string }
  | { name: 'security' }
  | { name: 'account' }
  | { name: 'outbox' }
  | { name: 'tokens' }
  | { name: 'orgs' }
  | { name: 'notFound'; path: string };

const seg = (s: string) => decodeURIComponent(s);
const enc = encodeURIComponent;

/** Parses a path such as `/portfolio/abc` (the part after `#`). */
export function parseRoute(path: string): Route {
  const [p, query = ''] = path.replace(/^#/, '').split('?', 2) as [string, string?];
  const parts = p.split('/').filter(Boolean);
  const q = new URLSearchParams(query);
  const node = q.get('node') ?? undefined;
  switch (parts[0]) {
    case undefined: return { name: 'home' };
    case 'signin': return { name: 'signin', next: q.get('next') ?? undefined };
    case 'invite': if (parts[1]) return { name: 'invite', secret: seg(parts[1]) }; break;
    case 'l': if (parts[1]) return { name: 'link', secret: seg(parts[1]) }; break;
    case 'view': if (parts[1]) return node ? { name: 'view', token: seg(parts[1]), node } : { name: 'view', token: seg(parts[1]) }; break;
    case 'p':
      if (parts[1] && parts.length === 2) return { name: 'portfolio', id: seg(parts[1]), node };
      if (parts[1] && parts[2] === 'share') return { name: 'share', id: seg(parts[1]), node };
      if (parts[1] && parts[2] === 'access') return { name: 'access', id: seg(parts[1]) };
      if (parts[1] && parts[2] === 'view-as') return { name: 'viewAs', id: seg(parts[1]), as: query || undefined };
      break;
    case 'account':
      if (parts.length === 1) return { name: 'account' };
      if (parts[1] === 'security' && parts.length === 2) return { name: 'security' };
      break;
    case 'admin':
      if (parts[1] === 'tokens' && parts.length === 2) return { name: 'tokens' };
      if (parts[1] === 'outbox' && parts.length === 2) return { name: 'outbox' };
      if (parts[1] === 'orgs' && parts.length === 2) return { name: 'orgs' };
      break;
  }
  return { name: 'notFound', path: p };
}

/** The `#/…` address of a route (inverse of `parseRoute`). */
export function href(r: Route): string {
  const withNode = (base: string, node?: string) => (node ? `${base}?node=${enc(node)}` : base);
  switch (r.name) {
    case 'home': return '#/';
    case 'signin': return r.next ? `#/signin?next=${enc(r.next)}` : '#/signin';
    case 'invite': return `#/invite/${enc(r.secret)}`;
    case 'link': return `#/l/${enc(r.secret)}`;
    case 'view': return withNode(`#/view/${enc(r.token)}`, r.node);
    case 'portfolio': return withNode(`#/p/${enc(r.id)}`, r.node);
    case 'share': return withNode(`#/p/${enc(r.id)}/share`, r.node);
    case 'access': return `#/p/${enc(r.id)}/access`;
    case 'viewAs': return `#/p/${enc(r.id)}/view-as${r.as ? `?${r.as}` : ''}`;
    case 'security': return '#/account/security';
    case 'account': return '#/account';
    case 'outbox': return '#/admin/outbox';
    case 'tokens': return '#/admin/tokens';
    case 'orgs': return '#/admin/orgs';
    case 'notFound': return `#${r.path}`;
  }
}

/** The route of a location: the hash wins; else a mailed path
 * (`/invite/…`, `/l/…`, `/view/…`) is read as if it were the hash. */
export function fromLocation(loc: { pathname: string; hash: string }): Route {
  if (loc.hash && loc.hash !== '#' && loc.hash !== '#/') return parseRoute(loc.hash);
  if (/^\/(invite|l|view)\//.test(loc.pathname)) return parseRoute(loc.pathname);
  return { name: 'home' };
}

/** Routes that work without a session. */
export function isPublic(r: Route): boolean {
  return r.name === 'signin' || r.name === 'invite' || r.name === 'link' || r.name === 'view';
}
