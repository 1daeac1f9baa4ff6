/**
 * Sessions, passwords, lockout, CSRF, origins and static files against the whole product
 * (embedded broker and ClickHouse, real HTTP and socket.io on loopback):
 *
 * - a password change, an admin reset and disabling an account end every session and API token
 *   of the user; re-enabling revives none; tokens live at most CITYTWIN_MAX_TOKEN_TTL_DAYS and
 *   minting one needs the current password;
 * - a socket.io handshake from a page on another port of the same host is refused, the
 *   console's own origin, the allow-list and scripts without Origin are served;
 * - a same-site form POST cannot log anyone out; cookie-authenticated changes need the
 *   console's header; the recommendations GET writes nothing to the dispatch log;
 * - guessing a name from one address locks that address out, not the account's owner; an admin
 *   unlocks; the password route is throttled; weak passwords are refused with what is required;
 * - static serving stays inside its folder and serves no source maps.
 *
 * A second client address is 127.0.0.2 (loopback: Linux routes 127.0.0.0/8 to `lo`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { DispatchLogEntry } from '../twin-model/index.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('sessions');
const site = tempDir('sessions-site');
let app: RunningCityTwin;
let base: string;
let origin: string;
/** An origin on another port of the same host: a page there is same-site, not same-origin. */
let otherPort: string;
let admin: string;
let publisher: mqtt.MqttClient;
const ALLOWED = 'https://console.example.org';
const MAX_TTL_DAYS = 30;

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request with full control of the headers and the client address. */
function http(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<Answer> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method,
        headers: {
          ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}),
          ...options.headers,
        },
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Static files stay text.
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });

async function loginFrom(username: string, password: string, from?: string): Promise<Answer> {
  const { body, ...type } = json({ username, password });
  return http('POST', '/api/auth/login', { headers: type, body, ...(from ? { from } : {}) });
}

/** Signs in and returns the session cookie (`citytwin_session=…`). */
async function sessionCookie(username: string, password: string): Promise<string> {
  const res = await loginFrom(username, password);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const set = res.headers['set-cookie'];
  return (Array.isArray(set) ? set[0]! : String(set)).split(';')[0]!;
}

async function createUser(username: string, password: string, roles: string[] = ['operator']): Promise<void> {
  const res = await call(base, admin, 'POST', '/api/users', { username, roles, password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

function socketWith(options: { token?: string; headers?: Record<string, string> }): {
  socket: Socket;
  error: () => (Error & { data?: { status: number; reason: string } }) | null;
  snapshots: () => number;
  refused: () => string[];
} {
  const socket = connectSocket(base, {
    transports: ['websocket'],
    reconnection: false,
    ...(options.token ? { auth: { token: options.token } } : {}),
    ...(options.headers ? { extraHeaders: options.headers } : {}),
  });
  let error: (Error & { data?: { status: number; reason: string } }) | null = null;
  let snapshots = 0;
  const refused: string[] = [];
  socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
  socket.on('connect_error', (err) => (error = err));
  socket.on('snapshot', () => snapshots++);
  socket.on('refused', (r: { reason: string }) => refused.push(r.reason));
  return { socket, error: () => error, snapshots: () => snapshots, refused: () => refused };
}

async function dispatchLog(): Promise<DispatchLogEntry[]> {
  await app.dispatch!.flush();
  const res = await fetch(new URL('/api/dispatch/log', base), { headers: { authorization: `Bearer ${admin}` } });
  expect(res.status).toBe(200);
  return (await res.text())
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DispatchLogEntry);
}

beforeAll(async () => {
  // The console's files as a build would leave them, beside a folder that must stay private.
  mkdirSync(join(site.path, 'dist/web/assets'), { recursive: true });
  mkdirSync(join(site.path, 'dist/web-private'), { recursive: true });
  writeFileSync(join(site.path, 'dist/web/index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(site.path, 'dist/web/assets/console.js'), 'console.log("console");');
  writeFileSync(join(site.path, 'dist/web/assets/console.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
  writeFileSync(join(site.path, 'dist/web-private/secret.txt'), 'private: not for the web');
  const cwd = process.cwd();
  process.chdir(site.path);
  try {
    app = await startTestCity(dir.path, {
      CITYTWIN_ALLOWED_ORIGINS: ALLOWED,
      CITYTWIN_MAX_TOKEN_TTL_DAYS: String(MAX_TTL_DAYS),
      CITYTWIN_BATCH_MAX_DELAY_MS: '50',
    });
  } finally {
    process.chdir(cwd);
  }
  base = app.url!;
  origin = new URL(base).origin;
  otherPort = `http://127.0.0.1:${Number(new URL(base).port) + 1}`;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'sessions-itest' });
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
  site.remove();
});

describe('a changed password, a reset or a disabled account ends every session and token', () => {
  it('a password change ends every session and API token of the user; the caller gets a fresh session', async () => {
    await createUser('rotate-user', 'first password 1');
    const s1 = await login(base, 'rotate-user', 'first password 1');
    const s2 = await login(base, 'rotate-user', 'first password 1');
    const api = await call(base, s1, 'POST', '/api/auth/tokens', { name: 'nightly', password: 'first password 1' });
    expect(api.status, JSON.stringify(api.body)).toBe(200);
    const live = socketWith({ token: s2 });
    await waitFor('the second session on the stream', () => live.snapshots() > 0);
    const changed = await call(base, s1, 'POST', '/api/auth/password', {
      currentPassword: 'first password 1',
      newPassword: 'second password 2',
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.token).toMatch(/^cts_/);
    for (const old of [s1, s2, api.body.token as string]) {
      expect(await call(base, old, 'GET', '/api/auth/me')).toMatchObject({
        status: 401,
        body: { error: expect.stringMatching(/revoked/) },
      });
    }
    await waitFor('the old session’s socket closed', () => !live.socket.connected);
    expect((await call(base, changed.body.token, 'GET', '/api/auth/me')).body).toMatchObject({ username: 'rotate-user', via: 'session' });
    live.socket.close();
  });

  it('an admin reset ends every session and API token of the user', async () => {
    await createUser('reset-user', 'first password 1');
    const session = await login(base, 'reset-user', 'first password 1');
    const api = (await call(base, session, 'POST', '/api/auth/tokens', { name: 'script', password: 'first password 1' })).body
      .token as string;
    expect((await call(base, admin, 'POST', '/api/users/reset-user', { password: 'reset password 3' })).status).toBe(200);
    for (const old of [session, api]) expect((await call(base, old, 'GET', '/api/auth/me')).status).toBe(401);
    await login(base, 'reset-user', 'reset password 3');
  });

  it('disabling ends sessions, API and display tokens; re-enabling revives none of them', async () => {
    await createUser('second-admin', 'admin two password', ['admin']);
    const session = await login(base, 'second-admin', 'admin two password');
    const api = (await call(base, session, 'POST', '/api/auth/tokens', { name: 'script', password: 'admin two password' })).body
      .token as string;
    const wall = (
      await call(base, session, 'POST', '/api/auth/tokens', { name: 'hall wall', kind: 'display', password: 'admin two password' })
    ).body.token as string;
    expect((await call(base, wall, 'GET', '/api/auth/me')).status).toBe(200);
    // A password change keeps the wall screens this admin set up (documented in docs/security.md).
    const changed = await call(base, session, 'POST', '/api/auth/password', {
      currentPassword: 'admin two password',
      newPassword: 'admin two password 2',
    });
    expect(changed.status).toBe(200);
    expect((await call(base, wall, 'GET', '/api/auth/me')).status).toBe(200);
    const fresh = changed.body.token as string;
    expect((await call(base, admin, 'POST', '/api/users/second-admin', { disabled: true })).status).toBe(200);
    expect((await call(base, admin, 'POST', '/api/users/second-admin', { disabled: false })).status).toBe(200);
    for (const old of [session, fresh, api, wall]) {
      expect(await call(base, old, 'GET', '/api/auth/me')).toMatchObject({
        status: 401,
        body: { error: expect.stringMatching(/revoked/) },
      });
    }
    await login(base, 'second-admin', 'admin two password 2');
  });

  it('caps a token’s lifetime at CITYTWIN_MAX_TOKEN_TTL_DAYS and needs the current password to mint one', async () => {
    const long = await call(base, admin, 'POST', '/api/auth/tokens', { name: 'forever', ttlDays: 366, password: TEST_ADMIN_PASSWORD });
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(new RegExp(`366.*at most ${MAX_TTL_DAYS} days.*CITYTWIN_MAX_TOKEN_TTL_DAYS`));
    const without = await call(base, admin, 'POST', '/api/auth/tokens', { name: 'no password' });
    expect(without.status).toBe(400);
    expect(without.body.error).toMatch(/password/);
    const wrong = await call(base, admin, 'POST', '/api/auth/tokens', { name: 'wrong password', password: 'not the password' });
    expect(wrong).toMatchObject({ status: 403, body: { code: 'current_password_wrong' } });
    const before = Date.now();
    for (const kind of ['token', 'display']) {
      const made = await call(base, admin, 'POST', '/api/auth/tokens', { name: `default ${kind}`, kind, password: TEST_ADMIN_PASSWORD });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      expect(made.body.info.expiresAt).toBeLessThanOrEqual(Date.now() + MAX_TTL_DAYS * 86_400_000);
      expect(made.body.info.expiresAt).toBeGreaterThanOrEqual(before + (MAX_TTL_DAYS - 1) * 86_400_000);
    }
  });
});

describe('socket.io handshakes are checked against the server’s origins', () => {
  it('refuses a page on another port of the same host, serves its own origin, the allow-list and scripts without Origin', async () => {
    const cookie = await sessionCookie('admin', TEST_ADMIN_PASSWORD);
    const foreign = socketWith({ headers: { cookie, origin: otherPort } });
    await waitFor('the refusal of the foreign page', () => foreign.error());
    expect(foreign.error()!.data).toMatchObject({ status: 403 });
    expect(foreign.error()!.message).toContain(otherPort);
    expect(foreign.snapshots()).toBe(0);
    foreign.socket.close();
    for (const good of [origin, ALLOWED]) {
      const own = socketWith({ headers: { cookie, origin: good } });
      await waitFor(`a snapshot for ${good}`, () => own.snapshots() > 0 || own.error());
      expect(own.error()).toBeNull();
      own.socket.close();
    }
    const script = socketWith({ token: admin });
    await waitFor('a snapshot for a script', () => script.snapshots() > 0 || script.error());
    expect(script.error()).toBeNull();
    script.socket.close();
  });
});

describe('cross-site requests cannot change anything', () => {
  it('refuses a same-site form POST to log out; the session survives; the console’s own call works', async () => {
    const cookie = await sessionCookie('admin', TEST_ADMIN_PASSWORD);
    const form = await http('POST', '/api/auth/logout', {
      headers: { cookie, origin: otherPort, 'sec-fetch-site': 'same-site', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    expect(form.status).toBe(403);
    expect(form.body.error).toContain(otherPort);
    // A browser that sends no Origin: the console's header is still missing.
    const bare = await http('POST', '/api/auth/logout', { headers: { cookie } });
    expect(bare.status).toBe(403);
    expect(bare.body.error).toMatch(/x-citytwin-csrf/i);
    expect((await http('GET', '/api/auth/me', { headers: { cookie } })).status).toBe(200);
    const own = await http('POST', '/api/auth/logout', {
      headers: { cookie, origin, 'sec-fetch-site': 'same-origin', 'x-citytwin-csrf': '1' },
    });
    expect(own.status).toBe(200);
    expect((await http('GET', '/api/auth/me', { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a cross-origin login and any change with a foreign Origin, even with a bearer token', async () => {
    const { body, ...type } = json({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    expect((await http('POST', '/api/auth/login', { headers: { ...type, origin: otherPort }, body })).status).toBe(403);
    expect((await http('POST', '/api/auth/login', { headers: { ...type, 'sec-fetch-site': 'cross-site' }, body })).status).toBe(403);
    const token = await login(base, 'admin', TEST_ADMIN_PASSWORD);
    expect((await http('POST', '/api/auth/logout', { headers: { authorization: `Bearer ${token}`, origin: otherPort } })).status).toBe(403);
    expect((await http('POST', '/api/auth/logout', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('a recommendations GET writes nothing; an explicit POST records the ranking once; an assignment records the ranking it acted on', async () => {
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({ id: 's-1', ts: Date.now(), type: 'manual_report', category: 'waterlogging', lng: 114.31, lat: 30.555, severity: 4 }),
      { qos: 1 },
    );
    const incidentId = await waitFor('the incident', () => app.twin!.activeIncidents()[0]?.id ?? null);
    const recommends = async () => (await dispatchLog()).filter((e) => e.action === 'recommend' && e.incidentId === incidentId);
    for (let i = 0; i < 3; i++) expect((await call(base, admin, 'GET', `/api/incidents/${incidentId}/recommendations`)).status).toBe(200);
    expect(await recommends()).toHaveLength(0);
    const shown = await call(base, admin, 'POST', `/api/incidents/${incidentId}/recommendations`, { limit: 8 });
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(shown.body.length).toBeGreaterThan(0);
    await call(base, admin, 'POST', `/api/incidents/${incidentId}/recommendations`, { limit: 8 });
    expect(await recommends()).toHaveLength(1);
    // A script that assigns straight from the GET: the ranking it acted on is recorded before the assignment.
    await publisher.publishAsync(
      'citytwin/v1/events/field-staff',
      JSON.stringify({ id: 's-2', ts: Date.now(), type: 'manual_report', category: 'fire', lng: 114.27, lat: 30.6, severity: 4 }),
      { qos: 1 },
    );
    const second = await waitFor('a second incident', () => app.twin!.activeIncidents().find((i) => i.id !== incidentId)?.id ?? null);
    const recs = (await call(base, admin, 'GET', `/api/incidents/${second}/recommendations`)).body as Array<{
      unitId: string;
      version: number;
    }>;
    expect((await dispatchLog()).some((e) => e.incidentId === second)).toBe(false);
    const assigned = await call(base, admin, 'POST', `/api/incidents/${second}/dispatch`, {
      unitIds: [recs[0]!.unitId],
      expectedVersions: { [recs[0]!.unitId]: recs[0]!.version },
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    const actions = (await dispatchLog()).filter((e) => e.incidentId === second).map((e) => e.action);
    expect(actions.slice(0, 2)).toEqual(['recommend', 'assign']);
  });
});

describe('lockout that cannot keep anyone out', () => {
  it('locks out the guessing address, not the owner elsewhere; an admin unlocks', async () => {
    await createUser('target-user', 'target password 1');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await loginFrom('target-user', `guess-${i}-password`, '127.0.0.2')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    expect((await loginFrom('target-user', 'target password 1', '127.0.0.2')).status).toBe(429);
    // The owner, from their own desk.
    expect((await loginFrom('target-user', 'target password 1')).status).toBe(200);
    const unlocked = await call(base, admin, 'POST', '/api/security/unlock', { username: 'target-user', address: '127.0.0.2' });
    expect(unlocked.status, JSON.stringify(unlocked.body)).toBe(200);
    expect(unlocked.body.cleared).toBeGreaterThanOrEqual(2);
    expect((await loginFrom('target-user', 'target password 1', '127.0.0.2')).status).toBe(200);
    const bad = await call(base, admin, 'POST', '/api/security/unlock', {});
    expect(bad.status).toBe(400);
  });

  it('throttles the password route like a login', async () => {
    await createUser('pw-user', 'pw user password');
    const session = await login(base, 'pw-user', 'pw user password');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (
          await call(base, session, 'POST', '/api/auth/password', {
            currentPassword: `wrong-${i}-password`,
            newPassword: 'a new password 9',
          })
        ).status,
      );
    expect(statuses).toEqual([403, 403, 403, 403, 429]);
    const right = await call(base, session, 'POST', '/api/auth/password', {
      currentPassword: 'pw user password',
      newPassword: 'a new password 9',
    });
    expect(right.status).toBe(429);
    expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(right.body.code).toBe('too_many_attempts');
  });

  it('refuses weak passwords and says what is required', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['short', 'password_too_short', /at least 10 characters/],
      ['aaaaaaaaaa', 'password_repeated', /one character repeated/],
      ['password123', 'password_common', /common/],
      ['Qwertyuiop!', 'password_common', /common/],
      ['P@ssw0rd2024', 'password_common', /common/],
      ['woaini1314520', 'password_common', /common/],
      ['zhangwei2024', 'password_username', /user name/],
      ['Zhangwei2024!', 'password_username', /user name/],
    ];
    for (const [password, code, message] of cases) {
      const res = await call(base, admin, 'POST', '/api/users', { username: 'zhangwei2024', roles: ['analyst'], password });
      expect([password, res.status, res.body.code]).toEqual([password, 400, code]);
      expect(res.body.error).toMatch(message);
      expect(res.body.error).not.toContain(password);
    }
    await createUser('zhangwei2024', 'hankou ferry at dawn', ['analyst']);
    const session = await login(base, 'zhangwei2024', 'hankou ferry at dawn');
    const weak = await call(base, session, 'POST', '/api/auth/password', {
      currentPassword: 'hankou ferry at dawn',
      newPassword: '1111111111',
    });
    expect(weak).toMatchObject({ status: 400, body: { code: 'password_repeated' } });
  });
});

describe('static files', () => {
  it('serves nothing outside the console’s folder and no source maps', async () => {
    expect((await http('GET', '/assets/console.js')).status).toBe(200);
    for (const path of ['/..%2fweb-private/secret.txt', '/..%2Fweb-private%2Fsecret.txt', '/assets/..%2f..%2fweb-private/secret.txt']) {
      const res = await http('GET', path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(String(typeof res.body === 'string' ? res.body : JSON.stringify(res.body))).not.toContain('private: not for the web');
    }
    const map = await http('GET', '/assets/console.js.map');
    expect(map.status).toBe(404);
    expect(JSON.stringify(map.body)).not.toContain('secret-source');
  });

  it('builds the console without source maps', async () => {
    const config = (await import('../vite.config.ts')).default as { build?: { sourcemap?: unknown } };
    expect(config.build?.sourcemap ?? false).toBe(false);
  });
});
