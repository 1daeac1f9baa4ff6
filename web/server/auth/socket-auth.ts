/**
 * socket.io authentication and authorisation. The handshake carries the credentials —
 * `auth: { token }`, an `Authorization: Bearer` header, or the session cookie — and is refused
 * (`connect_error` with `data: { status, reason }`) without valid ones, or when it comes from a
 * page of another origin (403: a page on another port of the same host would otherwise read a
 * signed-in user's stream with their cookie; origin-check.ts). Every client event is
 * checked against SOCKET_EVENTS in policy.ts; server events go only to rooms of principals that
 * hold their permission. Sockets whose token is revoked, expires or whose account is disabled
 * are closed (at once on this node, within 30 s elsewhere).
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/protocol.ts';
import type { InterServerEvents } from '../cluster/cluster-bus.ts';
import { HttpError } from '../app/http-router.ts';
import type { AccessGuard } from './access-guard.ts';
import type { AuthService, Principal } from './auth-service.ts';
import { AuthError } from './auth-types.ts';
import type { OriginPolicy } from './origin-check.ts';
import { dropConnection } from '../app/slow-sockets.ts';
import { hasPermission, SOCKET_EVENTS, type SocketEventName } from './policy.ts';

/** How often live sockets re-check their token (expiry, revocation on another node). */
const RECHECK_MS = 30_000;

/**
 * How long a closed socket's connection may stay to deliver what was queued before it (the
 * refusal that says why); a client that does not read is then cut (slow-sockets.ts).
 */
const CLOSE_GRACE_MS = 5_000;

/** The console's socket.io server and its sockets (typed events; the principal in `data`). */
type AnyServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;
type AnySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

export interface SocketAuth {
  /** Refused handshakes and refused events, for /metrics. */
  readonly refused: { handshakes: number; events: number };
  /** Registers a client-event handler that runs only when the socket's roles allow the event. */
  onEvent(socket: AnySocket, event: SocketEventName & keyof ClientToServerEvents, handler: (...args: never[]) => void): void;
  /** May this principal receive or send `event`? */
  may(principal: Principal, event: SocketEventName): boolean;
  close(): void;
}

type HandshakeDeps = {
  guard: AccessGuard;
  auth: AuthService;
  origins: OriginPolicy;
  /** Where a failure inside the server (a store's error) is logged in full, under the id the client is given. */
  log?: (level: 'error', message: string) => void;
  /** Live connections one account may hold on this node (`CITYTWIN_SOCKETS_PER_ACCOUNT`); unset = no bound. */
  maxSocketsPerAccount?: number;
};

/**
 * Counts one account's live connections on this node against its bound, in a map kept as sockets
 * come and go: one more when a handshake is accepted (so a burst of handshakes in one tick counts
 * each, though socket.io adds a socket to its namespace only a tick after its check passed), one
 * less when the socket disconnects — or, for a client gone before its socket joined the namespace
 * (socket.io then drops it without a `disconnect`), once that tick has passed. A handshake costs
 * one look-up, not a walk over the node's sockets.
 */
class AccountSockets {
  /** Live and just-accepted connections, by credential (absent at 0). */
  private readonly held = new Map<string, number>();
  constructor(readonly max: number) {}

  /**
   * Whose connections one more socket of `p` counts with: a signed-in account's (all its sessions
   * together), or one API or display token's — a display token's principal names the admin who
   * made it, and a wall of many screens must not share the admin's bound.
   */
  static holder(p: Principal): { key: string; name: string } {
    return p.via === 'session'
      ? { key: `a:${p.username}`, name: `the account ${p.username}` }
      : { key: `t:${p.tokenId}`, name: `the ${p.via} token ${p.tokenId} of ${p.username}` };
  }

  /** The refusal for one more connection of `p`, or null when it may connect (and is counted until it goes). */
  admit(socket: AnySocket, p: Principal): string | null {
    const { key, name } = AccountSockets.holder(p);
    const held = this.held.get(key) ?? 0;
    if (held >= this.max)
      return `${name} already holds ${held} live connections on this node, the most one account or token may hold (CITYTWIN_SOCKETS_PER_ACCOUNT = ${this.max}): close a console first`;
    this.held.set(key, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const n = (this.held.get(key) ?? 1) - 1;
      if (n > 0) this.held.set(key, n);
      else this.held.delete(key);
    };
    socket.once('disconnect', release);
    // socket.io joins the socket (or drops it, its client gone) in the tick after `next()`.
    setImmediate(() => {
      if (!socket.connected) release();
    });
    return null;
  }
}

/**
 * A failure inside the server while checking a socket's credentials: logged in full under a new
 * id; the client's reason is worded and carries the id, never the error's text (docs/security.md).
 */
function internalSocketReason(deps: HandshakeDeps, what: string, err: unknown): string {
  const id = randomUUID();
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  deps.log?.('error', `${what} failed (request id ${id}): ${detail}`);
  return `authentication is unavailable: the server logged the cause under the request id ${id}`;
}

/** The handshake check: the page's origin, then the credentials (token, bearer header or cookie); refusals are counted. */
function authenticateHandshake(deps: HandshakeDeps, refused: { handshakes: number }): Parameters<AnyServer['use']>[0] {
  const accounts = deps.maxSocketsPerAccount ? new AccountSockets(deps.maxSocketsPerAccount) : null;
  return (socket, next) => {
    const client = socket.handshake.address;
    const fail = (status: number, reason: string) => {
      refused.handshakes++;
      const err = new Error(reason) as Error & { data: { status: number; reason: string } };
      err.data = { status, reason };
      next(err);
    };
    const origin = deps.origins.check(socket.request.headers);
    if (!origin.ok) {
      deps.auth.denied('', client, `socket.io handshake: ${origin.reason}`);
      return fail(403, origin.reason);
    }
    let token: string | null;
    try {
      const given: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
      if (given !== undefined && given !== null) {
        if (typeof given !== 'string') return fail(401, `auth.token must be a string, got ${typeof given}`);
        token = given;
      } else {
        token = deps.guard.credentials(socket.request);
      }
    } catch (err) {
      return fail(err instanceof HttpError ? err.status : 400, (err as Error).message);
    }
    if (!token) {
      deps.auth.record('auth_failed', 'refused', '', client, 'socket.io handshake without credentials');
      return fail(401, 'sign in first: pass auth: { token } (from POST /api/auth/login) or the session cookie');
    }
    deps.guard
      .principal(token, client)
      .then((principal) => {
        const crowded = accounts?.admit(socket, principal);
        if (crowded) {
          deps.auth.denied(principal.username, client, `socket.io handshake: ${crowded}`);
          return fail(429, crowded);
        }
        socket.data.principal = principal;
        socket.data.token = token;
        next();
      })
      .catch((err: unknown) =>
        err instanceof HttpError
          ? fail(err.status, err.message)
          : fail(500, internalSocketReason(deps, `socket.io handshake from ${client}`, err)),
      );
  };
}

export function attachSocketAuth(io: AnyServer, deps: HandshakeDeps): SocketAuth {
  const refused = { handshakes: 0, events: 0 };

  io.use(authenticateHandshake(deps, refused));

  const may = (principal: Principal, event: SocketEventName) => hasPermission(principal.roles, SOCKET_EVENTS[event].permission);

  const closeSocket = (socket: AnySocket, reason: string) => {
    socket.emit('refused', { event: 'connection', reason });
    socket.disconnect(true);
    // engine.io closes the connection only once its queue is read: never, for a client that
    // stopped reading, which would keep it (and all that waits for it) open.
    const conn = socket.conn;
    setTimeout(() => {
      if (conn.readyState !== 'closed') dropConnection(socket);
    }, CLOSE_GRACE_MS).unref();
  };

  const unsubscribe = deps.auth.onRevoked((tokenId, username, reason) => {
    for (const socket of io.of('/').sockets.values()) {
      const p = socket.data.principal as Principal | undefined;
      if (!p) continue;
      if ((tokenId && p.tokenId === tokenId) || (username && p.username === username))
        closeSocket(socket, reason ?? (tokenId ? `token ${tokenId} was revoked` : `account ${username} was disabled`));
    }
  });

  // Catches what another web node changed: a revoked or expired credential, a disabled account,
  // and roles other than those of the handshake (the socket would keep the old ones).
  const recheck = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      const token = socket.data.token as string | undefined;
      const held = socket.data.principal as Principal | undefined;
      if (!token || !held) continue;
      deps.auth
        .authenticate(token, socket.handshake.address)
        .then((now) => {
          if ([...now.roles].sort().join() !== [...held.roles].sort().join())
            closeSocket(socket, `the roles of ${now.username} changed (${held.roles.join(', ')} → ${now.roles.join(', ')}): connect again`);
        })
        .catch((err: unknown) =>
          closeSocket(
            socket,
            err instanceof AuthError ? err.message : internalSocketReason(deps, `socket.io credential re-check of ${held.username}`, err),
          ),
        );
    }
  }, RECHECK_MS);
  recheck.unref();

  return {
    refused,
    may,
    onEvent(socket, event, handler) {
      const guarded = (...args: never[]) => {
        const principal = socket.data.principal as Principal;
        if (!may(principal, event)) {
          refused.events++;
          const permission = SOCKET_EVENTS[event].permission;
          deps.auth.denied(principal.username, socket.handshake.address, `socket event ${event} needs ${permission}`);
          socket.emit('refused', {
            event,
            permission,
            reason: `the event ${event} needs the permission ${permission}, which your roles (${principal.roles.join(', ')}) do not hold`,
          });
          return;
        }
        handler(...args);
      };
      // The handler checks what the client sent; the cast names the event's listener type only.
      socket.on(event, guarded as ClientToServerEvents[typeof event]);
    },
    close() {
      clearInterval(recheck);
      unsubscribe();
    },
  };
}
