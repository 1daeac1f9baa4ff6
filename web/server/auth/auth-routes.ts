/**
 * The accounts API: login / logout / me / password, API and display tokens, users (admin),
 * the security event log (admin). Part of the same route table as the rest of the API, so it
 * appears in /api/docs and in the policy table of docs/security.md.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { CLASSIFICATIONS } from '../../../twin-model/index.ts';
import { HttpError, route, type Route } from '../app/http-router.ts';
import { AuthError, USERNAME_PATTERN, type AuthService, type Principal } from './auth-service.ts';
import { MAX_PASSWORD_LENGTH } from './password.ts';
import { permissionsOf, ROLES } from './policy.ts';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'citytwin_session';

export interface AuthRouteDeps {
  auth: AuthService;
  /** The server speaks HTTPS: cookies get `Secure`. */
  secureCookies: boolean;
}

/** The client address of a request (the socket's; a proxy's X-Forwarded-For is not trusted). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  // HttpOnly: scripts cannot read it; SameSite=Strict: other sites cannot ride it (CSRF).
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

/** An AuthError as an HTTP error: `{ error, code?, ...params }`, and Retry-After on 429. */
function rethrow(err: unknown): never {
  if (err instanceof AuthError) {
    const details = {
      ...(err.code ? { code: err.code } : {}),
      ...err.params,
      ...(err.retryAfterMs !== undefined ? { retryAfterS: Math.ceil(err.retryAfterMs / 1000) } : {}),
    };
    throw new HttpError(err.status, err.message, Object.keys(details).length ? details : undefined);
  }
  throw err;
}

function must(principal: Principal | null): Principal {
  if (!principal) throw new HttpError(401, 'sign in first');
  return principal;
}

const roleList = z.array(z.enum(ROLES)).min(1).max(ROLES.length);
const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
const tokenId = z.object({
  tokenId: z.string().regex(/^[0-9a-f]{12}$/, 'must be a 12-character token id as listed by GET /api/auth/tokens'),
});
const username = z.string().regex(USERNAME_PATTERN, 'must be 2-32 characters of [a-z0-9._-] starting with a letter');

const rolesSchema = z.array(z.enum(ROLES));
const userInfoSchema = z.object({
  username: z.string(),
  displayName: z.string(),
  roles: rolesSchema,
  disabled: z.boolean(),
  createdAt: z.number(),
});
const tokenInfoSchema = z.object({
  id: z.string(),
  owner: z.string(),
  name: z.string(),
  kind: z.enum(['session', 'token', 'display']),
  roles: rolesSchema,
  createdAt: z.number(),
  expiresAt: z.number(),
  revoked: z.boolean(),
});
const issuedSchema = z.object({ token: z.string(), tokenId: z.string(), expiresAt: z.number() });
const loginSchema = issuedSchema.extend({ user: userInfoSchema });
const okSchema = z.object({ ok: z.literal(true) });
/** Who is asking, and what their roles allow. */
const meSchema = z.object({
  username: z.string(),
  /** The name people know the account by (the user name when it has none of its own). */
  displayName: z.string(),
  roles: rolesSchema,
  via: z.enum(['session', 'token', 'display']),
  tokenId: z.string(),
  clearance: z.array(z.enum(CLASSIFICATIONS)),
  permissions: z.array(z.string()),
});
const sessionSchema = z.discriminatedUnion('signedIn', [
  z.object({ signedIn: z.literal(false), reason: z.string() }),
  z.object({ signedIn: z.literal(true), me: meSchema }),
]);
const securityEventSchema = z.object({
  ts: z.number(),
  type: z.string(),
  outcome: z.enum(['ok', 'refused']),
  username: z.string(),
  client: z.string(),
  detail: z.string(),
});

/** Who is asking (by user name and display name), and what their roles allow. */
async function me(auth: AuthService, p: Principal) {
  return {
    username: p.username,
    displayName: (await auth.displayNameOf(p.username)) ?? p.username,
    roles: p.roles,
    via: p.via,
    tokenId: p.tokenId,
    clearance: p.clearance,
    permissions: permissionsOf(p.roles),
  };
}

/** Signing in and out, and whether a request is signed in. */
function sessionRoutes(deps: AuthRouteDeps): Route[] {
  const { auth } = deps;
  return [
    route({
      method: 'POST',
      path: '/api/auth/login',
      operationId: 'login',
      response: loginSchema,
      permission: 'public',
      tag: 'auth',
      summary: 'Sign in with a user name and password',
      description:
        'Returns `{token, expiresAt, user}` and sets the `citytwin_session` cookie (HttpOnly, SameSite=Strict, Secure over HTTPS). The token works as `Authorization: Bearer <token>` on every route and as `auth: {token}` in the socket.io handshake. Failures are throttled per user name and per address (429 with Retry-After).',
      returns: '{ token, tokenId, expiresAt, user: { username, displayName, roles } }',
      body: z.object({ username: z.string().min(1).max(64), password }).strict(),
      handler: async ({ body, req, res }) => {
        const result = await auth.login(body.username, body.password, clientAddress(req));
        if (!result.ok) {
          throw new HttpError(
            result.status,
            result.reason,
            result.status === 429
              ? { code: 'too_many_attempts', retryAfterS: Math.ceil((result.retryAfterMs ?? 0) / 1000), locked: result.locked === true }
              : { code: 'wrong_credentials' },
          );
        }
        res.setHeader('set-cookie', sessionCookie(result.token, Math.floor((result.expiresAt - Date.now()) / 1000), deps.secureCookies));
        return { token: result.token, tokenId: result.tokenId, expiresAt: result.expiresAt, user: result.user };
      },
    }),
    route({
      method: 'GET',
      path: '/api/auth/session',
      operationId: 'getSession',
      response: sessionSchema,
      permission: 'public',
      tag: 'auth',
      summary: 'Whether the request is signed in, and as whom (never 401: the console asks this before showing the login page)',
      returns:
        '{ signedIn: false, reason } or { signedIn: true, me: { username, displayName, roles, via, tokenId, clearance, permissions } }',
      handler: async ({ req }) => {
        const header = req.headers.authorization;
        const bearer = header && /^Bearer (\S{1,200})$/.exec(header)?.[1];
        const token = bearer ?? sessionFromCookie(req.headers.cookie);
        if (!token) return { signedIn: false as const, reason: 'no credentials' };
        try {
          return { signedIn: true as const, me: await me(auth, await auth.authenticate(token, clientAddress(req))) };
        } catch (err) {
          if (err instanceof AuthError) return { signedIn: false as const, reason: err.message };
          throw err;
        }
      },
    }),
    route({
      method: 'POST',
      path: '/api/auth/logout',
      operationId: 'logout',
      response: okSchema,
      permission: 'account.self',
      tag: 'auth',
      summary: 'End the current session (revokes its token) and clear the cookie',
      returns: '{ ok: true }',
      handler: async ({ principal, req, res }) => {
        const p = must(principal);
        if (p.via === 'session') await auth.logout(p, clientAddress(req));
        res.setHeader('set-cookie', sessionCookie('', 0, deps.secureCookies));
        return { ok: true as const };
      },
    }),
  ];
}

/** The signed-in account: who it is, and its password. */
function ownAccountRoutes(deps: AuthRouteDeps): Route[] {
  const { auth } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/auth/me',
      operationId: 'getMe',
      response: meSchema,
      permission: 'account.self',
      tag: 'auth',
      summary: 'Who is signed in: user name, display name, roles, permissions, classification clearance',
      returns: '{ username, displayName, roles, via, tokenId, clearance, permissions }',
      handler: ({ principal }) => me(auth, must(principal)),
    }),
    route({
      method: 'POST',
      path: '/api/auth/password',
      operationId: 'changePassword',
      response: okSchema.extend(issuedSchema.shape),
      permission: 'account.manage-own',
      tag: 'auth',
      summary: 'Change your own password; ends every session and API token of the account and returns a fresh session',
      description:
        'Needs the current password (throttled like a login: 429 with Retry-After). The new one must pass the password policy (400 with `code`: `password_too_short`, `password_repeated`, `password_username`, `password_common`). Every session and API token of the account is revoked, the one used for this call too; the answer carries a new session (and sets the cookie when the call came with one). Display tokens stay.',
      returns: '{ ok: true, token, tokenId, expiresAt }',
      body: z.object({ currentPassword: password, newPassword: password }).strict(),
      handler: async ({ principal, body, req, res }) => {
        const p = must(principal);
        const issued = await auth.changePassword(p, body.currentPassword, body.newPassword, clientAddress(req)).catch(rethrow);
        if (p.via === 'session')
          res.setHeader('set-cookie', sessionCookie(issued.token, Math.floor((issued.expiresAt - Date.now()) / 1000), deps.secureCookies));
        return { ok: true as const, ...issued };
      },
    }),
  ];
}

/** API and display tokens, and sessions. */
function tokenRoutes(deps: AuthRouteDeps): Route[] {
  const { auth } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/auth/tokens',
      operationId: 'listTokens',
      response: z.array(tokenInfoSchema),
      permission: 'account.manage-own',
      tag: 'auth',
      summary: 'Your tokens and sessions (an admin may ask for `?all=1`)',
      returns: 'Array of { id, owner, name, kind, roles, createdAt, expiresAt, revoked }',
      query: z.object({ all: z.enum(['0', '1']).optional() }),
      handler: async ({ principal, query }) => {
        const p = must(principal);
        if (query.all === '1' && !p.roles.includes('admin'))
          throw new HttpError(403, "only an admin lists every user's tokens", { permission: 'users.manage' });
        return auth.listTokens(query.all === '1' ? null : p.username);
      },
    }),
    route({
      method: 'POST',
      path: '/api/auth/tokens',
      operationId: 'createToken',
      response: z.object({ token: z.string().describe('The secret, shown once'), info: tokenInfoSchema }),
      permission: 'account.manage-own',
      tag: 'auth',
      summary: 'Create an API token for scripts (roles ⊆ yours), or a display token (admin) for a wall screen',
      description:
        "Needs `password`, the caller's current password (throttled like a login), so a stolen session cannot mint a credential that outlives it. `ttlDays` (default 90) is at most the server's CITYTWIN_MAX_TOKEN_TTL_DAYS (400 `token_ttl_too_long` beyond). The token is in the answer once and never again (only its hash is stored). A display token opens the console read-only as `/?display=<token>`.",
      returns: '{ token, info: TokenInfo }',
      body: z
        .object({
          name: z.string().min(1).max(100),
          kind: z.enum(['token', 'display']).default('token'),
          roles: roleList.optional(),
          ttlDays: z.number().int().min(1).max(100_000).optional(),
          password,
        })
        .strict(),
      handler: async ({ principal, body, req }) =>
        auth
          .createToken(
            must(principal),
            {
              name: body.name,
              kind: body.kind,
              password: body.password,
              ...(body.roles ? { roles: body.roles } : {}),
              ...(body.ttlDays ? { ttlDays: body.ttlDays } : {}),
            },
            clientAddress(req),
          )
          .catch(rethrow),
    }),
    route({
      method: 'DELETE',
      path: '/api/auth/tokens/{tokenId}',
      operationId: 'revokeToken',
      response: tokenInfoSchema,
      permission: 'account.manage-own',
      tag: 'auth',
      summary: 'Revoke a token or session (its owner or an admin); live sockets using it are closed',
      returns: 'TokenInfo',
      params: tokenId,
      handler: async ({ principal, params, req }) => auth.revokeToken(must(principal), params.tokenId, clientAddress(req)).catch(rethrow),
    }),
  ];
}

/** Accounts and their roles (admins). */
function userRoutes(deps: AuthRouteDeps): Route[] {
  const { auth } = deps;
  return [
    route({
      method: 'GET',
      path: '/api/users',
      operationId: 'listUsers',
      response: z.array(userInfoSchema),
      permission: 'users.manage',
      tag: 'auth',
      summary: 'Accounts with their roles',
      returns: 'Array of { username, displayName, roles, disabled, createdAt }',
      handler: () => auth.listUsers(),
    }),
    route({
      method: 'POST',
      path: '/api/users',
      operationId: 'createUser',
      response: userInfoSchema,
      permission: 'users.manage',
      tag: 'auth',
      summary: 'Create an account',
      returns: 'UserInfo',
      body: z.object({ username, displayName: z.string().min(1).max(100).optional(), roles: roleList, password }).strict(),
      handler: async ({ principal, body, req }) =>
        auth
          .createUser(
            must(principal),
            {
              username: body.username,
              roles: body.roles,
              password: body.password,
              ...(body.displayName ? { displayName: body.displayName } : {}),
            },
            clientAddress(req),
          )
          .catch(rethrow),
    }),
    route({
      method: 'POST',
      path: '/api/users/{username}',
      operationId: 'updateUser',
      response: userInfoSchema,
      permission: 'users.manage',
      tag: 'auth',
      summary: 'Change an account: roles, disabled, display name, or reset its password',
      returns: 'UserInfo',
      params: z.object({ username }),
      body: z
        .object({
          roles: roleList.optional(),
          disabled: z.boolean().optional(),
          displayName: z.string().min(1).max(100).optional(),
          password: password.optional(),
        })
        .strict(),
      handler: async ({ principal, params, body, req }) => {
        const change: Parameters<AuthService['updateUser']>[2] = {};
        if (body.roles) change.roles = body.roles;
        if (body.disabled !== undefined) change.disabled = body.disabled;
        if (body.displayName) change.displayName = body.displayName;
        if (body.password) change.password = body.password;
        return auth.updateUser(must(principal), params.username, change, clientAddress(req)).catch(rethrow);
      },
    }),
  ];
}

/** Login throttling and the security log. */
function securityRoutes(deps: AuthRouteDeps): Route[] {
  const { auth } = deps;
  return [
    route({
      method: 'POST',
      path: '/api/security/unlock',
      operationId: 'unlockSignIn',
      response: z.object({ cleared: z.number() }),
      permission: 'users.manage',
      tag: 'auth',
      summary: 'Clear login throttling: a user name at every address, and/or an address (its own record and every name tried from it)',
      description:
        "Throttling is per address and per user name at an address, kept in each web node's memory: the call clears this node's records. The address is written as in security events (`client`).",
      returns: '{ cleared: number }',
      body: z
        .object({
          username: z.string().min(1).max(64).optional(),
          address: z
            .string()
            .regex(/^[0-9A-Fa-f:.]{2,64}$/, 'must be an IPv4 or IPv6 address as shown in security events')
            .optional(),
        })
        .strict()
        .refine((b) => b.username !== undefined || b.address !== undefined, { message: 'give username, address or both' }),
      handler: async ({ principal, body, req }) => ({
        cleared: auth.unlock(
          must(principal),
          { ...(body.username ? { username: body.username } : {}), ...(body.address ? { address: body.address } : {}) },
          clientAddress(req),
        ),
      }),
    }),
    route({
      method: 'GET',
      path: '/api/security/events',
      operationId: 'listSecurityEvents',
      response: z.array(securityEventSchema),
      permission: 'security.audit',
      tag: 'auth',
      summary: 'Security events, newest first: logins, failures, token use, refusals, device refusals',
      returns: 'Array of { ts, type, outcome, username, client, detail }',
      query: z.object({
        type: z
          .string()
          .regex(/^[a-z_]{1,40}$/, 'must be an event type such as login_failed')
          .optional(),
        username: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      handler: ({ query }) =>
        auth.listEvents({
          limit: query.limit,
          ...(query.type ? { type: query.type } : {}),
          ...(query.username ? { username: query.username } : {}),
        }),
    }),
  ];
}

/** Every route of accounts, sessions, tokens and the security log, group by group. */
export function authRoutes(deps: AuthRouteDeps): Route[] {
  return [...sessionRoutes(deps), ...ownAccountRoutes(deps), ...tokenRoutes(deps), ...userRoutes(deps), ...securityRoutes(deps)];
}

/** Reads the session cookie from a Cookie header (the last one wins; values are never echoed). */
export function sessionFromCookie(header: string | undefined): string | null {
  if (!header || header.length > 8192) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) found = part.slice(eq + 1).trim();
  }
  return found || null;
}
