/**
 * The bound on one account's live socket.io connections, on a real socket.io server and
 * socket.io clients (loopback). The access guard is the project's interface, answered by hand so
 * that two handshakes can be accepted in a chosen order.
 */
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessGuard } from './access-guard.ts';
import type { AuthService, Principal } from './auth-service.ts';
import { OriginPolicy } from './origin-check.ts';
import { attachSocketAuth, type SocketAuth } from './socket-auth.ts';

let http: HttpServer | null = null;
let server: Server | null = null;
let auth: SocketAuth | null = null;
const clients: ClientSocket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  auth?.close();
  server?.close();
  if (http?.listening) await new Promise((r) => http!.close(r));
  [http, server, auth] = [null, null, null];
});

const principal = { username: 'op-1', roles: ['operator'], tokenId: 't1', via: 'session' } as unknown as Principal;
/** A display token the admin made: its principal names the admin. */
const display = (tokenId: string) => ({ username: 'admin', roles: ['display'], tokenId, via: 'display' }) as unknown as Principal;

/** A socket.io server under the bound of `max` connections per account; each handshake's principal is answered when the test says so. */
async function boundServer(max: number) {
  const answers: ((p: Principal) => void)[] = [];
  const guard = {
    credentials: () => null,
    principal: () => new Promise<Principal>((resolve) => answers.push(resolve)),
  } as unknown as AccessGuard;
  const denied: string[] = [];
  const service = {
    denied: (_u: string, _c: string, why: string) => denied.push(why),
    onRevoked: () => () => {},
  } as unknown as AuthService;
  http = createServer();
  server = new Server(http, { transports: ['websocket'] });
  auth = attachSocketAuth(server as never, {
    guard,
    auth: service,
    origins: new OriginPolicy({ allowed: [], secure: false }),
    maxSocketsPerAccount: max,
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  const open = () => {
    const c = connect(url, { transports: ['websocket'], auth: { token: 'tok' }, reconnection: false });
    clients.push(c);
    return c;
  };
  const outcome = (c: ClientSocket) =>
    new Promise<string>((resolve) => {
      if (c.connected) resolve('connected');
      c.on('connect', () => resolve('connected'));
      c.on('connect_error', (err) => resolve(`refused: ${(err as { data?: { reason?: string } }).data?.reason ?? err.message}`));
    });
  const untilAsked = async (n: number) => {
    for (let k = 0; k < 500 && answers.length < n; k++) await new Promise((r) => setTimeout(r, 10));
    expect(answers.length).toBe(n);
  };
  /** Waits (bounded) until `done()` holds on the server. */
  const until = async (what: string, done: () => boolean) => {
    for (let k = 0; k < 500 && !done(); k++) await new Promise((r) => setTimeout(r, 10));
    expect(done(), what).toBe(true);
  };
  return { answers, denied, open, outcome, untilAsked, until, server: server! };
}

describe('socket-auth: connections per account', () => {
  it('counts a socket accepted in this tick once, not as both accepted and connected', async () => {
    const { answers, denied, open, outcome, untilAsked, server } = await boundServer(2);
    const first = open();
    const second = open();
    await untilAsked(2);
    // The second handshake is accepted right after the first socket joined, in the same tick.
    server.on('connection', () => answers[1]!(principal));
    answers[0]!(principal);
    expect(await outcome(first)).toBe('connected');
    expect(await outcome(second)).toBe('connected');
    expect(denied).toEqual([]);
  });

  it('refuses the handshake over the bound when a burst is accepted in one tick', async () => {
    const { answers, denied, open, outcome, untilAsked } = await boundServer(2);
    const sockets = [open(), open(), open()];
    await untilAsked(3);
    for (const answer of answers) answer(principal);
    const outcomes = await Promise.all(sockets.map(outcome));
    expect(outcomes.filter((o) => o === 'connected')).toHaveLength(2);
    expect(outcomes.filter((o) => o.startsWith('refused'))).toEqual([expect.stringMatching(/op-1 already holds 2 live connections.*= 2/)]);
    expect(denied).toHaveLength(1);
  });

  it('counts a display token on its own, not with the admin who made it or with another token', async () => {
    const { answers, denied, open, outcome, untilAsked } = await boundServer(1);
    const admin = { ...principal, username: 'admin', tokenId: 's-admin' } as Principal;
    const sockets = [open(), open(), open(), open()];
    await untilAsked(4);
    answers[0]!(admin);
    answers[1]!(display('d-1'));
    answers[2]!(display('d-2'));
    answers[3]!(display('d-1'));
    const outcomes = await Promise.all(sockets.map(outcome));
    expect(outcomes.slice(0, 3)).toEqual(['connected', 'connected', 'connected']);
    expect(outcomes[3]).toMatch(/the display token d-1 of admin already holds 1 live connections/);
    expect(denied).toHaveLength(1);
  });

  it('counts a disconnected socket down, so the account connects again', async () => {
    const { answers, denied, open, outcome, untilAsked, until, server } = await boundServer(1);
    for (let round = 0; round < 3; round++) {
      const c = open();
      await untilAsked(round + 1);
      answers[round]!(principal);
      expect(await outcome(c)).toBe('connected');
      c.close();
      await until('the server saw the socket go', () => server.of('/').sockets.size === 0);
    }
    expect(denied).toEqual([]);
  });

  it('counts down a socket whose client left before it joined the namespace', async () => {
    const { answers, denied, open, outcome, untilAsked, until, server } = await boundServer(1);
    const gone = open();
    await untilAsked(1);
    gone.close();
    await until('the server saw the connection close', () => server.engine.clientsCount === 0);
    // Accepted now, the socket never joins (its connection is closed) and sends no `disconnect`.
    answers[0]!(principal);
    const next = open();
    await untilAsked(2);
    answers[1]!(principal);
    expect(await outcome(next)).toBe('connected');
    expect(denied).toEqual([]);
  });
});
