// The server's HTTP API. Every error has the stable shape
// `{ "error": { "code", "message", "field" } }`; it reaches callers as ApiError.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/** Calls the API; cookie-authenticated writes carry the session's CSRF token
 * (`X-CSRF-Token`), which sign-in and `GET /api/me` hand out. */
export async function api<T>(method: string, path: string, body?: unknown, bearer?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: bearer ? 'omit' : 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? 'http_error', e.message ?? `${res.status} ${res.statusText}`, e.field ?? null);
  }
  if (data && typeof data === 'object' && typeof data.csrf_token === 'string') csrfToken = data.csrf_token;
  if (method === 'DELETE' && path === '/api/session') csrfToken = null;
  return data as T;
}

/** The signed-in person, as `GET /api/me` returns them. */
export interface Me {
  id: string;
  email: string;
  display_name: string;
  is_admin: boolean;
  kind: 'member' | 'external' | 'service';
  csrf_token: string;
}

/** `POST /api/session`: a session, or a request for the second factor. */
export type LoginAnswer = Me | { second_factor: 'totp'; pending: string };

export interface Portfolio { id: string; url: string; title: string; owner: number }
export interface DocumentView { id: string; url: string; role: string | { feedback: { thread: string; author: string } }; node: string }

export interface InvitationView {
  id: number; kind: 'external' | 'one-time'; user: number; email: string; name: string; role: string;
  organisation: number | null; level: string; hide_feedback: boolean; nodes: string[];
  starts_at: number; ends_at: number | null; state: string; last_sign_in: number | null;
}
export interface CreatedInvitation { invitation: InvitationView; url: string }

export interface LinkView {
  id: string; node: string; level: number; role: string; recipient: string | null; label: string | null;
  state: string; created_at: number; expires_at: number | null; last_used_at: number | null; use_count: number; revoked_at: number | null;
}
export interface CreatedLink { link: LinkView; token: string; url: string }
export interface Opened { portfolio: string; node: string; level: number; read_only: boolean; signed_in: boolean }
export interface ViewNode { id: string; parent: string | null; kind: string; title: string | null }

export type Subject =
  | { type: 'user'; id: string } | { type: 'role'; role: string } | { type: 'org'; org: string; role?: string }
  | { type: 'link'; id: string } | { type: 'token'; id: string } | { type: 'public' };
export interface GrantView {
  id: number; node: string; subject: Subject; subject_label: string; source: string; level: string;
  may_share: boolean; hide_feedback: boolean; start: number | null; end: number | null; condition: string | null; state: string;
}
export interface AccessList { owner: number; grants: GrantView[]; roles: { user: number; role: string }[] }
export interface AccessRequest {
  id: number; portfolio: string; node: string; requester: number; level: string; message: string;
  status: string; created_at: number; decided_at: number | null; grant: number | null; requester_name?: string;
}
export interface Person { id: number; display_name: string; role: string }
export interface ShareButton { index: number; labels: { text: string; lang: string }[]; level: number; asks_email: boolean }

/** What an external's code sign-in answers (kept to show their role on the dashboard). */
export interface ExternalSession { id: number; email: string; display_name: string; kind: string; portfolio: string; role: string }

const p = encodeURIComponent;
export const paths = {
  portfolios: '/api/portfolios',
  documents: (id: string) => `/api/portfolios/${p(id)}/documents`,
  invitations: (id: string) => `/api/portfolios/${p(id)}/invitations`,
  invitation: (id: string, inv: number) => `/api/portfolios/${p(id)}/invitations/${inv}`,
  links: (id: string) => `/api/portfolios/${p(id)}/links`,
  link: (id: string, link: string) => `/api/portfolios/${p(id)}/links/${p(link)}`,
  access: (id: string) => `/api/portfolios/${p(id)}/access`,
  grant: (id: string, grant: number) => `/api/portfolios/${p(id)}/access/${grant}`,
  leave: (id: string) => `/api/portfolios/${p(id)}/access/me`,
  requests: (id: string) => `/api/portfolios/${p(id)}/access-requests`,
  decide: (id: string, req: number, how: 'approve' | 'decline') => `/api/portfolios/${p(id)}/access-requests/${req}/${how}`,
  members: (org: number, role?: string) => `/api/orgs/${org}/members${role ? `?role=${p(role)}` : ''}`,
  orgs: '/api/orgs',
  shares: '/api/me/shares',
  totp: '/api/account/totp',
  totpConfirm: '/api/account/totp/confirm',
  serviceUsers: '/api/admin/service-users',
  tokens: '/api/admin/tokens',
  rotateToken: (id: string) => `/api/admin/tokens/${p(id)}/rotate`,
  token: (id: string) => `/api/admin/tokens/${p(id)}`,
  adminOrgs: '/api/admin/orgs',
  orgLogo: (org: number) => `/api/admin/orgs/${org}/logo`,
  buttons: (id: string, node: string) => `/api/portfolios/${p(id)}/nodes/${p(node)}/share-buttons`,
  press: (id: string, node: string, i: number) => `/api/portfolios/${p(id)}/nodes/${p(node)}/share-buttons/${i}`,
  movePage: (id: string, page: string) => `/api/portfolios/${p(id)}/pages/${p(page)}/move`,
};

/** `POST /api/portfolios/{p}/pages/{page}/move`: the page, where it is now and where it was. */
export interface MovedPage { page: string; collection: string; from: string[] }

/** Moves a page to another collection of the same portfolio (the engine's
 * `mayMove` offers it; the server checks again and edits the documents,
 * which the outline then shows live). */
export function movePage(portfolio: string, page: string, collection: string, index?: number): Promise<MovedPage> {
  return api<MovedPage>('POST', paths.movePage(portfolio, page), index === undefined ? { collection } : { collection, index });
}

/** `GET /api/me/shares`: one portfolio shared with me. */
export interface SharedPortfolio {
  portfolio: string; title: string; level: string | null; roles: string[];
  owner: { id: number; name: string }; shared_by: { id: number; name: string };
  until: number | null; may_leave: boolean;
}
/** `GET /api/orgs`: an organisation I may pick people from. */
export interface OrgView { id: number; name: string; roles: string[]; my_roles: string[] }
/** `PATCH /api/portfolios/{p}/access/{grant}` body; absent fields stay, `null` clears a date. */
export interface GrantEdit { level?: string; may_share?: boolean; hide_feedback?: boolean; start?: number | null; end?: number | null }
/** `GET /api/account/totp`. */
export interface TotpStatus { enabled: boolean; pending: boolean; recovery_codes_left: number }
/** `POST /api/account/totp`: a new secret, its otpauth URI and that URI as an SVG QR code. */
export interface TotpEnrolment { secret: string; otpauth_uri: string; qr_svg: string }
/** API token categories and reaches (`folio_core::access::TokenScopes`). */
export const TOKEN_CATEGORIES = ['portfolios', 'feedback', 'users', 'tokens', 'settings', 'roles'] as const;
export type TokenCategory = (typeof TOKEN_CATEGORIES)[number];
export const SCOPES = ['none', 'own', 'related', 'all'] as const;
export type ScopeName = (typeof SCOPES)[number];
export type TokenScopes = Partial<Record<TokenCategory, { view?: ScopeName; edit?: ScopeName }>>;
export interface ServiceUser { id: number; email: string; display_name: string; kind: 'service' }
export interface TokenView {
  id: string; user: number; name: string; scopes: TokenScopes; expires_at: number | null; state: string;
  created_at: number; created_by: number | null; last_used_at: number | null; revoked_at: number | null; replaced_by: string | null;
}
/** A token and its secret, shown once. */
export interface CreatedToken { token: TokenView; secret: string }
/** `GET /api/admin/orgs`: every organisation with its current logo (administrators). */
export interface AdminOrg {
  id: number; name: string;
  logo: { url: string; content_type: string; updated_at: number } | null;
}
/** `PUT /api/admin/orgs/{org}/logo`. */
export interface LogoSet { org: number; name: string; content_type: string; size: number }

/** Uploads a file as the request body (`POST …/nodes/{n}/files`); answers its content hash. */
export async function uploadFile(path: string, file: File): Promise<{ hash: string; size: number; content_type: string }> {
  return sendFile('POST', path, file);
}

/** Sends a file as the request body, typed as the browser knows it. */
export async function sendFile<T>(method: 'POST' | 'PUT', path: string, file: File): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: file });
  const text = await res.text();
  let data: { error?: { code?: string; message?: string; field?: string } } | undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined; // not JSON (a proxy's page): the status says what happened
  }
  if (!res.ok) {
    const e = data?.error ?? {};
    const code = e.code ?? (res.status === 413 ? 'too_large' : 'http_error');
    throw new ApiError(res.status, code, e.message ?? `${res.status} ${res.statusText}`, e.field ?? null);
  }
  return data as unknown as T;
}

export const filePaths = {
  upload: (id: string, node: string) => `/api/portfolios/${p(id)}/nodes/${p(node)}/files`,
  file: (id: string, node: string, hash: string) => `/api/portfolios/${p(id)}/nodes/${p(node)}/files/${p(hash)}`,
};
