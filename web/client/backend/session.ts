/**
 * Who the console is signed in as. A person signs in on the login view: the server sets an
 * HttpOnly session cookie that every same-origin request and the socket.io handshake carry,
 * so the page never holds the secret. A wall display opens `/?display=<token>`: the token is
 * taken out of the address bar (it must not show on the screen or stay in history) and sent
 * as `Authorization: Bearer` and in the socket.io handshake.
 */

/** `GET /api/auth/me` */
export interface Me {
  username: string;
  /** The name people know the account by (the server sends the user name when it has none). */
  displayName?: string;
  roles: string[];
  via: 'session' | 'token' | 'display';
  tokenId: string;
  clearance: string[];
  permissions: string[];
}

let bearer: string | null = null;

/** Reads `?display=` once at start and removes it from the address bar. */
export function takeDisplayToken(location: Location, history: History): string | null {
  const url = new URL(location.href);
  let token = url.searchParams.get('display');
  if (token !== null) {
    url.searchParams.delete('display');
    history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  }
  try {
    // Kept for this tab only, so a reload of the wall screen stays signed in.
    if (token !== null) window.sessionStorage.setItem(DISPLAY_KEY, token);
    else token = window.sessionStorage.getItem(DISPLAY_KEY);
  } catch {
    // Storage blocked: the token lives until the page is reloaded.
  }
  bearer = token || null;
  return bearer;
}

/** Forgets a display token the server refused. */
export function dropDisplayToken(): void {
  bearer = null;
  try {
    window.sessionStorage.removeItem(DISPLAY_KEY);
  } catch {
    // Nothing stored.
  }
}

const DISPLAY_KEY = 'citytwin.display';

/** The bearer token (display mode), or null when the session cookie is used. */
export function bearerToken(): string | null {
  return bearer;
}

export function authHeaders(): Record<string, string> {
  return bearer ? { authorization: `Bearer ${bearer}` } : {};
}

/**
 * Outcome of a call that may need a login. A refusal carries the server's reason and, when it
 * sent them, a stable `code` with parameters for the console to word (`details`).
 */
export type AuthResult<T> = { ok: true; value: T } | { ok: false; status: number; error: string; details?: Record<string, unknown> };

/** A JSON call to the console's own server, authenticated; failures carry the server's reason. */
export async function jsonCall<T>(method: string, path: string, body?: unknown): Promise<AuthResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        // Changes made with the session cookie must carry it: pages of other origins cannot add it (docs/security.md).
        ...(method !== 'GET' ? { 'x-citytwin-csrf': '1' } : {}),
        ...authHeaders(),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    return { ok: false, status: 0, error: err instanceof Error ? err.message : String(err) };
  }
  let parsed: unknown = null;
  try {
    parsed = await res.json();
  } catch {
    // An empty or non-JSON answer: the status says enough.
  }
  if (!res.ok) {
    const body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
    const error = typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`;
    return { ok: false, status: res.status, error, ...(body ? { details: body } : {}) };
  }
  return { ok: true, value: parsed as T };
}

/** Who the console is signed in as; `status` 401 with the reason when it is not. */
export async function fetchMe(): Promise<AuthResult<Me>> {
  // /api/auth/session answers 200 either way, so the login page starts without a logged error.
  const r = await jsonCall<{ signedIn: boolean; reason?: string; me?: Me }>('GET', '/api/auth/session');
  if (!r.ok) return r;
  return r.value.signedIn && r.value.me
    ? { ok: true, value: r.value.me }
    : { ok: false, status: 401, error: r.value.reason ?? 'not signed in' };
}

export function login(username: string, password: string): Promise<AuthResult<{ token: string; expiresAt: number }>> {
  return jsonCall('POST', '/api/auth/login', { username, password });
}

export function logout(): Promise<AuthResult<{ ok: true }>> {
  return jsonCall('POST', '/api/auth/logout');
}

let rotating = false;

/**
 * True while a password change is under way: the server ends every session of the account,
 * this one too, and answers with a fresh session cookie, so a stream closed meanwhile is not a
 * sign-out.
 */
export function sessionRotating(): boolean {
  return rotating;
}

/** Changes the password; on success the browser holds a new session cookie (the old session is ended). */
export async function changePassword(currentPassword: string, newPassword: string): Promise<AuthResult<{ ok: true }>> {
  rotating = true;
  try {
    return await jsonCall('POST', '/api/auth/password', { currentPassword, newPassword });
  } finally {
    rotating = false;
  }
}
