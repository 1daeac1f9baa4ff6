/**
 * Which web pages may use a signed-in browser's session: the server's own origin and the
 * configured allow-list (CITYTWIN_ALLOWED_ORIGINS). The session cookie is `SameSite=Strict`, but
 * "site" ignores the port: a page on another port of the same host (another service, a dev
 * server) is same-site and its requests carry the cookie. So every request that changes state
 * and every socket.io handshake is checked here, and every change made with the cookie must
 * carry the console's header {@link CSRF_HEADER}, which a page of another origin cannot add
 * without a CORS preflight this server never grants (OWASP CSRF Prevention Cheat Sheet:
 * "Verifying Origin With Standard Headers", "Custom Request Headers", "Fetch Metadata").
 *
 * Clients without `Origin` and `Sec-Fetch-Site` (scripts, curl, Node) are not browsers acting for
 * someone else: they pass, and authenticate with a bearer token.
 *
 * Documented in docs/security.md ("Cross-site requests and origins").
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The header the console adds to every change it sends with the session cookie. */
export const CSRF_HEADER = 'x-citytwin-csrf';

/** Methods that change state (everything but reads). */
export function changesState(method: string | undefined): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

export type OriginVerdict = { ok: true } | { ok: false; code: 'cross_origin_refused'; reason: string };

export interface OriginPolicyOptions {
  /** Other origins whose pages may use the session (normalised `scheme://host[:port]`). */
  allowed: readonly string[];
  /** The server speaks HTTPS: its own origin is `https://<Host>`. */
  secure: boolean;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function normalise(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(private readonly options: OriginPolicyOptions) {
    this.allowed = new Set(options.allowed.map((o) => normalise(o)).filter((o): o is string => o !== null));
  }

  /** The origin of this server's own pages as the client addresses it (scheme + `Host`). */
  ownOrigin(headers: IncomingHttpHeaders): string | null {
    const host = one(headers.host);
    if (!host || !/^[A-Za-z0-9.:[\]-]{1,300}$/.test(host)) return null;
    return normalise(`${this.options.secure ? 'https' : 'http'}://${host}`);
  }

  /**
   * Checks a request that changes state or opens the live stream: its `Origin`, when present,
   * must be the server's own or an allowed one; without `Origin`, a browser's `Sec-Fetch-Site`
   * must not say `cross-site` or `same-site`.
   */
  check(headers: IncomingHttpHeaders): OriginVerdict {
    const origin = one(headers.origin);
    if (origin !== undefined) {
      const own = this.ownOrigin(headers);
      const given = normalise(origin);
      if (given !== null && (given === own || this.allowed.has(given))) return { ok: true };
      const accepted = [own ?? '(none: no Host header)', ...this.allowed].join(', ');
      return {
        ok: false,
        code: 'cross_origin_refused',
        reason: `a request from the page origin ${JSON.stringify(origin.slice(0, 200))} is refused: this server accepts requests from its own origin and CITYTWIN_ALLOWED_ORIGINS (${accepted})`,
      };
    }
    const site = one(headers['sec-fetch-site']);
    if (site === 'cross-site' || site === 'same-site') {
      return {
        ok: false,
        code: 'cross_origin_refused',
        reason: `a ${site} request (Sec-Fetch-Site: ${site}) is refused: the session works only from this server's own pages and CITYTWIN_ALLOWED_ORIGINS`,
      };
    }
    return { ok: true };
  }
}
