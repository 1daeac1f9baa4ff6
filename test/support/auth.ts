/** Signing in from tests: the first admin's password, a login call, authenticated fetches. */

/** Password given to the first admin in tests (CITYTWIN_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-1';

/** Signs in and returns the bearer token (throws with the server's reason on failure). */
export async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(new URL('/api/auth/login', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (res.status !== 200 || !body.token) throw new Error(`login of ${username} failed: ${res.status} ${body.error ?? ''}`);
  return body.token;
}

/** GET (or another method) with a bearer token; returns status and parsed JSON (or text). */
export async function call(
  base: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, base), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Prometheus text and HTML stay text.
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** What `POST /api/auth/tokens` takes besides the caller's password. */
export interface TokenRequest {
  name: string;
  kind?: 'token' | 'display';
  roles?: string[];
  ttlDays?: number;
}

/**
 * Mints an API or display token as the holder of `bearer`, whose current password the server
 * asks for; throws with the server's answer when it is not 200, so a test never goes on with
 * `undefined` as its token (and so as an anonymous client).
 */
export async function mintToken(base: string, bearer: string, password: string, request: TokenRequest): Promise<string> {
  const res = await call(base, bearer, 'POST', '/api/auth/tokens', { ...request, password });
  if (res.status !== 200 || typeof res.body?.token !== 'string')
    throw new Error(`minting token "${request.name}" failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}
