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
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
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
