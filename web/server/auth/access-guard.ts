/**
 * Enforces the policy on every HTTP request and socket.io connection: finds the credentials
 * (`Authorization: Bearer`, else the session cookie), resolves them to a principal, and checks
 * the route's access against auth/policy.ts. Requests that change state are first checked for
 * their origin, and those made with the session cookie must carry the console's CSRF header
 * (origin-check.ts). Refusals are JSON with a reason and are recorded.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError, type Route, type RouteGuard } from '../app/http-router.ts';
import { clientAddress, sessionFromCookie } from './auth-routes.ts';
import { AuthError, type AuthService, type Principal } from './auth-service.ts';
import { changesState, CSRF_HEADER, type OriginPolicy } from './origin-check.ts';
import { hasPermission, type Access } from './policy.ts';

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AccessGuardOptions {
  auth: AuthService;
  /** Bearer token that opens health and metrics to monitoring off loopback, or null. */
  probeToken: string | null;
  /** The server's own origin and the allowed ones (cross-site requests, socket.io handshakes). */
  origins: OriginPolicy;
}

export class AccessGuard {
  constructor(private readonly options: AccessGuardOptions) {}

  /**
   * The credentials a request carries: the bearer token, else the session cookie, else null.
   * Throws 401 for an Authorization header that is not `Bearer <token>`.
   */
  credentials(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer ([^\s]{1,200})$/.exec(header);
      if (!m) throw new HttpError(401, 'the Authorization header must be "Bearer <token>"');
      return m[1]!;
    }
    return sessionFromCookie(req.headers.cookie);
  }

  /** Resolves a token to a principal; 401 with the reason for a bad one. */
  async principal(token: string, client: string): Promise<Principal> {
    try {
      return await this.options.auth.authenticate(token, client);
    } catch (err) {
      if (err instanceof AuthError) throw new HttpError(401, err.message);
      throw err;
    }
  }

  /** Checks `access` for a request; returns the principal (null for public or anonymous probe access). */
  async check(req: IncomingMessage, access: Access, what: string): Promise<Principal | null> {
    const client = clientAddress(req);
    const changing = changesState(req.method);
    if (changing) {
      // Before anything else: a page of another origin learns nothing and changes nothing.
      const verdict = this.options.origins.check(req.headers);
      if (!verdict.ok) {
        this.options.auth.denied('', client, `${what}: ${verdict.reason}`);
        throw new HttpError(403, verdict.reason, { code: verdict.code });
      }
    }
    if (access === 'public') return null;
    if (access === 'probe') {
      // Monitoring on the same machine needs no login, like Mosquitto's loopback listener.
      if (isLoopback(client) && req.headers.authorization === undefined) return null;
      const probe = this.options.probeToken;
      const header = req.headers.authorization;
      if (probe && header && sameSecret(header, `Bearer ${probe}`)) return null;
    }
    const token = this.credentials(req);
    if (!token) {
      throw new HttpError(
        401,
        access === 'probe'
          ? `${what} needs a login, the probe token (CITYTWIN_PROBE_TOKEN) or a loopback connection`
          : `sign in first: send "Authorization: Bearer <token>" (POST /api/auth/login) or the ${'citytwin_session'} cookie`,
      );
    }
    const principal = await this.principal(token, client);
    // The cookie rides along on any request the browser makes; only the console's own code can
    // add this header (another origin would need a CORS preflight, which is never granted).
    if (changing && req.headers.authorization === undefined && req.headers[CSRF_HEADER] === undefined) {
      const reason = `${what} with the session cookie needs the header "X-CityTwin-CSRF: 1" (the console sends it; scripts use Authorization: Bearer <token>)`;
      this.options.auth.denied(principal.username, client, reason);
      throw new HttpError(403, reason, { code: 'csrf_header_missing' });
    }
    const permission = access === 'probe' ? 'system.metrics' : access;
    if (!hasPermission(principal.roles, permission)) {
      this.options.auth.denied(principal.username, client, `${what} needs ${permission}`);
      throw new HttpError(
        403,
        `${what} needs the permission ${permission}, which your roles (${principal.roles.join(', ') || 'none'}) do not hold`,
        { permission },
      );
    }
    return principal;
  }

  /** The router's guard. */
  readonly guard: RouteGuard = (req: IncomingMessage, route: Route) => this.check(req, route.permission, `${route.method} ${route.path}`);
}
