/**
 * Accounts, roles and data classification against the whole product (embedded parts): one
 * account per role walks EVERY route of the server's route table and every socket.io event and
 * the outcome must match the policy source (web/server/auth/policy.ts) that also generates
 * docs/security.md; classification filtering on the API and the socket stream; bad cookies,
 * tokens, headers and handshakes; display tokens; a bounded brute-force attempt on loopback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { serverRoutes } from '../web/server/auth/policy-doc.ts';
import { hasPermission, ROLES, SOCKET_EVENTS, type Access, type Role, type SocketEventName } from '../web/server/auth/policy.ts';
import type { DeltaMessage, SnapshotMessage } from '../web/shared/protocol.ts';
import { decodeDelta } from '../web/shared/delta-codec.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('security');
let app: RunningCityTwin;
let base: string;
let admin: string;
let publisher: mqtt.MqttClient;
const PROBE_TOKEN = 'probe-token-for-tests-0123456789';
const passwordOf = (role: Role) => `pw-for-${role}-1234`;
const userOf = (role: Role) => `${role}-user`;
/** Where the routing table sends waterlogging cases: the security test's case handler is bound to it. */
const CASE_DEPARTMENT = '武汉市水务局';

function allowed(role: Role | null, access: Access): boolean {
  if (access === 'public') return true;
  if (role === null) return false;
  return hasPermission([role], access === 'probe' ? 'system.metrics' : access);
}

/** A request that passes validation far enough to show the access decision. */
function concrete(method: string, path: string, role: Role): { path: string; body?: unknown } {
  const p = path.replace('{sensorId}', 'sec-pub').replace('{tokenId}', 'aaaaaaaaaaaa').replace('{username}', userOf(role));
  // Bodies that are well-formed JSON but incomplete: an allowed caller gets 400, a refused one 403.
  if (method === 'POST' && p === `/api/users/${userOf(role)}`) return { path: p, body: { displayName: `${role} user` } };
  if (method === 'POST') return { path: p, body: {} };
  return { path: p };
}

interface Live {
  socket: Socket;
  snapshots: SnapshotMessage[];
  deltas: DeltaMessage[];
  stats: number;
  refused: Array<{ event: string; reason: string }>;
  ids: string[];
  seenIds: Set<string>;
  error: Error | null;
  incidentLists: number;
  incidentUpdates: number;
  unitLists: number;
  unitUpdates: number;
  escalationLists: number;
  cells: number;
  caseUpdates: number;
}

function connectLive(token: unknown, extra: Record<string, unknown> = {}): Live {
  const socket = connectSocket(base, {
    transports: ['websocket'],
    reconnection: false,
    auth: token === undefined ? {} : { token },
    ...extra,
  });
  const live: Live = {
    socket,
    snapshots: [],
    deltas: [],
    stats: 0,
    refused: [],
    ids: [],
    seenIds: new Set(),
    error: null,
    incidentLists: 0,
    incidentUpdates: 0,
    unitLists: 0,
    unitUpdates: 0,
    escalationLists: 0,
    cells: 0,
    caseUpdates: 0,
  };
  socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
  socket.on('connect_error', (err) => (live.error = err));
  socket.on('snapshot', (s: SnapshotMessage) => {
    live.snapshots.push(s);
    live.ids = [];
    for (const x of s.sensors) {
      live.ids[x.i] = x.id;
      live.seenIds.add(x.id);
    }
  });
  socket.on('delta', (d: DeltaMessage) => {
    live.deltas.push(d);
    for (const x of d.added) {
      live.ids[x.i] = x.id;
      live.seenIds.add(x.id);
    }
    for (const i of decodeDelta(d).index) if (live.ids[i]) live.seenIds.add(live.ids[i]!);
  });
  socket.on('stats', () => live.stats++);
  socket.on('incidents', () => live.incidentLists++);
  socket.on('incident', () => live.incidentUpdates++);
  socket.on('units', () => live.unitLists++);
  socket.on('unit', () => live.unitUpdates++);
  socket.on('escalations', () => live.escalationLists++);
  socket.on('cells', () => live.cells++);
  socket.on('case', () => live.caseUpdates++);
  socket.on('refused', (r: { event: string; reason: string }) => live.refused.push(r));
  return live;
}

async function publishSensor(id: string, classification: string, value: number): Promise<void> {
  await publisher.publishAsync(
    `citytwin/v1/sensors/${id}/meta`,
    JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.55, classification }),
    { qos: 1, retain: true },
  );
  await publisher.publishAsync(`citytwin/v1/sensors/${id}/data`, JSON.stringify({ ts: Date.now(), values: { water_level_cm: value } }), {
    qos: 1,
  });
}

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '200', CITYTWIN_BATCH_MAX_DELAY_MS: '50', CITYTWIN_PROBE_TOKEN: PROBE_TOKEN });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  for (const role of ROLES) {
    if (role === 'admin') continue;
    const created = await call(base, admin, 'POST', '/api/users', { username: userOf(role), roles: [role], password: passwordOf(role) });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
  }
  // The case handler takes the waterlogging cases (the shipped routing table sends them to the water authority).
  expect((await call(base, admin, 'POST', `/api/case-departments/${userOf('department')}`, { department: CASE_DEPARTMENT })).status).toBe(
    200,
  );
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'security-pub' });
  await publishSensor('sec-pub', 'public', 5);
  await publishSensor('sec-int', 'internal', 6);
  await publishSensor('sec-sen', 'sensitive', 7);
  await waitFor('the three sensors in the twin', () =>
    ['sec-pub', 'sec-int', 'sec-sen'].every((id) => app.twin!.state.byId.get(id)?.lastTs),
  );
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('the policy on every route and socket event', () => {
  for (const role of [...ROLES, null]) {
    it(`${role ?? 'an anonymous client'}: every HTTP route allows or refuses as the policy says`, async () => {
      // A session of its own: the walk ends with a logout.
      const token =
        role === null
          ? null
          : role === 'admin'
            ? await login(base, 'admin', TEST_ADMIN_PASSWORD)
            : await login(base, userOf(role), passwordOf(role));
      const mismatches: string[] = [];
      for (const r of serverRoutes()) {
        if (r.path === '/api/auth/logout') continue; // walked last: it ends the session
        if (r.permission === 'probe' && token === null) continue; // loopback: checked below
        const req = concrete(r.method, r.path, role ?? 'admin');
        const res = await call(base, token, r.method, req.path, req.body);
        const expectAllowed = allowed(role, r.permission);
        const refused = res.status === 401 || res.status === 403;
        if (expectAllowed === refused) mismatches.push(`${r.method} ${req.path}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
        if (!expectAllowed) {
          expect(typeof res.body.error).toBe('string');
          if (token) {
            expect(res.status).toBe(403);
            expect(res.body.permission).toBe(r.permission === 'probe' ? 'system.metrics' : r.permission);
          } else expect(res.status).toBe(401);
        }
      }
      expect(mismatches).toEqual([]);
      if (token) {
        expect((await call(base, token, 'POST', '/api/auth/logout')).status).toBe(200);
        expect((await call(base, token, 'GET', '/api/auth/me')).status).toBe(401);
      }
    });

    it(`${role ?? 'an anonymous client'}: every socket.io event is delivered or refused as the policy says`, async () => {
      if (role === null) {
        const live = connectLive(undefined);
        await waitFor('the refused handshake', () => live.error);
        expect(live.error!.message).toMatch(/sign in first/);
        live.socket.close();
        return;
      }
      const token = role === 'admin' ? admin : await login(base, userOf(role), passwordOf(role));
      const live = connectLive(token);
      await waitFor('a connection', () => live.socket.connected || live.error);
      // A zoomed-out viewport is answered with aggregate cells at any registry size.
      live.socket.emit('viewport', { bbox: [113.7, 29.95, 115.1, 31.4], zoom: 9, encoding: 'columns' });
      await publishSensor('sec-pub', 'public', 8 + Math.random());
      // A manual report opens an incident on its own: every reader gets an `incident` event.
      await publisher.publishAsync(
        'citytwin/v1/events/sec-manual',
        JSON.stringify({
          id: `r-${role}-${Date.now()}`,
          ts: Date.now(),
          type: 'manual_report',
          category: 'waterlogging',
          lng: 114.31,
          lat: 30.56,
        }),
        { qos: 1 },
      );
      // A hotline report becomes a case: every reader of cases gets a `case` event (the case
      // handler is bound to its department), once the socket is in its case room.
      if (hasPermission([role], SOCKET_EVENTS.case.permission))
        await waitFor('the socket in its case desk room', () =>
          [...app.web!.io.of('/').adapter.rooms].some(([name, ids]) => name.startsWith('cases:') && ids.has(live.socket.id ?? '')),
        );
      await publisher.publishAsync(
        'citytwin/v1/events/hotline-12345',
        JSON.stringify({
          id: `c-${role}-${Date.now()}`,
          ts: Date.now(),
          type: 'citizen_report',
          category: 'waterlogging',
          lng: 114.31,
          lat: 30.56,
          text: '地下通道积水',
        }),
        { qos: 1 },
      );
      // An AVL fix moves a unit: every reader of units gets a `unit` event.
      const units = (await call(base, admin, 'GET', '/api/units')).body as Array<{ id: string; homeLng: number; homeLat: number }>;
      const unit = units[Math.floor(Math.random() * units.length)]!;
      await publisher.publishAsync(
        `citytwin/v1/units/${unit.id}/position`,
        JSON.stringify({ ts: Date.now(), lng: unit.homeLng + 0.0003, lat: unit.homeLat }),
        { qos: 1 },
      );
      if (hasPermission([role], SOCKET_EVENTS.case.permission)) await waitFor('a case event', () => live.caseUpdates > 0);
      await new Promise((r) => setTimeout(r, 1500));
      const seen: Record<SocketEventName, boolean> = {
        resume: live.refused.every((r) => r.event !== 'resume'),
        snapshot: live.snapshots.length > 0,
        delta: live.deltas.length > 0,
        stats: live.stats > 0,
        incidents: live.incidentLists > 0,
        incident: live.incidentUpdates > 0,
        units: live.unitLists > 0,
        unit: live.unitUpdates > 0,
        viewport: live.refused.every((r) => r.event !== 'viewport'),
        cells: live.cells > 0,
        // Sent only in answer to a `viewport` asking for columns (a big registry zoomed in): the ask went through.
        points: live.refused.every((r) => r.event !== 'viewport'),
        escalations: live.escalationLists > 0,
        case: live.caseUpdates > 0,
      };
      for (const [event, def] of Object.entries(SOCKET_EVENTS))
        expect([event, seen[event as SocketEventName]]).toEqual([event, hasPermission([role], def.permission)]);
      live.socket.close();
    });
  }

  it('opens health and metrics on loopback and with the probe token, to no one else without permission', async () => {
    expect((await call(base, null, 'GET', '/api/health')).status).toBe(200);
    expect((await call(base, PROBE_TOKEN, 'GET', '/metrics')).status).toBe(200);
    const metrics = await call(base, null, 'GET', '/metrics');
    expect(metrics.body).toMatch(/citytwin_auth_logins_total\{outcome="ok"\} \d+/);
    expect(metrics.body).toMatch(/citytwin_auth_refused_total\{reason="forbidden"\} [1-9]/);
    expect(metrics.body).toContain('citytwin_mqtt_refused_publishes_total');
  });
});

describe('data classification', () => {
  const cases: Array<[Role, string[], string[]]> = [
    ['display', ['sec-pub'], ['sec-int', 'sec-sen']],
    ['leader', ['sec-pub', 'sec-int'], ['sec-sen']],
    ['operator', ['sec-pub', 'sec-int', 'sec-sen'], []],
  ];
  for (const [role, visible, hidden] of cases) {
    it(`${role}: the API and the live stream show ${visible.join(', ')} and nothing of ${hidden.join(', ') || 'nothing'}`, async () => {
      const token =
        role === 'display'
          ? (await call(base, admin, 'POST', '/api/auth/tokens', { name: 'wall', kind: 'display', password: TEST_ADMIN_PASSWORD })).body
              .token
          : await login(base, userOf(role), passwordOf(role));
      const list = await call(base, token, 'GET', '/api/sensors?limit=10000');
      const listed = new Set((list.body.sensors as Array<{ id: string }>).map((s) => s.id));
      for (const id of visible) expect(listed.has(id), id).toBe(true);
      for (const id of hidden) {
        expect(listed.has(id), id).toBe(false);
        const one = await call(base, token, 'GET', `/api/sensors/${id}`);
        expect(one.status).toBe(403);
        expect(one.body.error).toMatch(/carries (internal|sensitive) data/);
      }
      const live = connectLive(token);
      await waitFor('a snapshot', () => live.snapshots.length > 0);
      for (const [k, id] of ['sec-pub', 'sec-int', 'sec-sen'].entries())
        await publishSensor(id, ['public', 'internal', 'sensitive'][k]!, 20 + k);
      await waitFor('the visible sensors on the stream', () =>
        visible.every((id) => live.deltas.some((d) => decodeDelta(d).index.some((i) => live.ids[i] === id))),
      );
      for (const id of visible) expect(live.seenIds.has(id)).toBe(true);
      for (const id of hidden) expect(live.seenIds.has(id)).toBe(false);
      // Each view numbers its own sensors densely, so indices never point at hidden rows.
      expect(live.snapshots[0]!.sensors.every((s, k) => s.i === k)).toBe(true);
      // The status strip's counts cover only what the role may see (no count of hidden sensors).
      const stats = await call(base, token, 'GET', '/api/stats');
      if (stats.status === 200) {
        const mine = (await call(base, token, 'GET', '/api/sensors?limit=10000')).body.total as number;
        const everyone = (await call(base, admin, 'GET', '/api/sensors?limit=10000')).body.total as number;
        expect(stats.body.sensorsTotal).toBe(mine);
        expect(everyone - mine).toBeGreaterThanOrEqual(hidden.length);
        expect(Object.values(stats.body.byState as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(mine);
      } else {
        expect(stats.status).toBe(403);
      }
      live.socket.close();
    });
  }

  it('moves a reclassified sensor out of a lower view with a new epoch', async () => {
    const token = (await call(base, admin, 'POST', '/api/auth/tokens', { name: 'wall 2', kind: 'display', password: TEST_ADMIN_PASSWORD }))
      .body.token;
    const live = connectLive(token);
    await waitFor('a snapshot', () => live.snapshots.length > 0);
    expect(live.seenIds.has('sec-pub')).toBe(true);
    await publishSensor('sec-pub', 'sensitive', 9);
    // The client resyncs on the epoch change and its new snapshot no longer lists the sensor.
    await waitFor('a resync without the sensor', () => {
      const d = live.deltas.at(-1);
      if (d && live.snapshots.at(-1)!.epoch !== d.epoch) live.socket.emit('resume', { epoch: live.snapshots.at(-1)!.epoch, lastSeq: 0 });
      return live.snapshots.length > 1 && !live.snapshots.at(-1)!.sensors.some((s) => s.id === 'sec-pub');
    });
    await publishSensor('sec-pub', 'public', 10);
    live.socket.close();
  });
});

describe('tokens, sessions and bad credentials', () => {
  it('creates, uses and revokes an API token, and closes sockets that use a revoked one', async () => {
    const created = await call(base, admin, 'POST', '/api/auth/tokens', {
      name: 'script',
      roles: ['analyst'],
      password: TEST_ADMIN_PASSWORD,
    });
    expect(created.status).toBe(403); // admin does not hold analyst
    const op = await login(base, userOf('operator'), passwordOf('operator'));
    const mine = await call(base, op, 'POST', '/api/auth/tokens', { name: 'nightly', ttlDays: 7, password: passwordOf('operator') });
    expect(mine.status).toBe(200);
    expect(mine.body.token).toMatch(/^ctw_/);
    expect((await call(base, mine.body.token, 'GET', '/api/auth/me')).body).toMatchObject({
      username: userOf('operator'),
      via: 'token',
      roles: ['operator'],
    });
    expect(
      (await call(base, op, 'POST', '/api/auth/tokens', { name: 'display', kind: 'display', password: passwordOf('operator') })).status,
    ).toBe(403);
    const live = connectLive(mine.body.token);
    await waitFor('connected', () => live.socket.connected);
    const disp = await call(base, mine.body.token, 'GET', '/api/auth/tokens');
    expect(disp.body.some((t: { id: string }) => t.id === mine.body.info.id)).toBe(true);
    expect(JSON.stringify(disp.body)).not.toContain(mine.body.token);
    // Someone else may not revoke it; the owner may.
    const dispatcher = await login(base, userOf('dispatcher'), passwordOf('dispatcher'));
    expect((await call(base, dispatcher, 'DELETE', `/api/auth/tokens/${mine.body.info.id}`)).status).toBe(403);
    expect((await call(base, op, 'DELETE', `/api/auth/tokens/${mine.body.info.id}`)).status).toBe(200);
    await waitFor('the socket closed', () => !live.socket.connected);
    expect(live.refused.at(-1)?.reason).toMatch(/revoked/);
    const after = await call(base, mine.body.token, 'GET', '/api/auth/me');
    expect(after).toMatchObject({ status: 401, body: { error: expect.stringMatching(/revoked/) } });
  });

  it('refuses malformed, unknown and expired tokens and cookies with the reason', async () => {
    expect((await call(base, 'not-a-token', 'GET', '/api/sensors')).body.error).toMatch(/malformed token/);
    const unknown = `ctw_${randomBytes(32).toString('base64url')}`;
    expect(await call(base, unknown, 'GET', '/api/sensors')).toMatchObject({ status: 401, body: { error: 'unknown token' } });
    // An expired token, written as another node would have.
    const expired = `ctw_${randomBytes(32).toString('base64url')}`;
    await app.clickhouse.insert({
      table: 'api_tokens',
      values: [
        {
          token_id: 'e0e0e0e0e0e0',
          token_hash: createHash('sha256').update(expired).digest('hex'),
          owner: 'admin',
          name: 'old',
          roles: ['admin'],
          kind: 'token',
          created_at: Date.now() - 10 * 86_400_000,
          expires_at: Date.now() - 86_400_000,
          revoked: 0,
          updated_at: Date.now(),
        },
      ],
      format: 'JSONEachRow',
    });
    expect(await call(base, expired, 'GET', '/api/sensors')).toMatchObject({
      status: 401,
      body: { error: expect.stringMatching(/expired at/) },
    });
    const basic = await fetch(new URL('/api/sensors', base), { headers: { authorization: 'Basic YWRtaW46eA==' } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { error: string }).error).toMatch(/Bearer <token>/);
    const cookie = await fetch(new URL('/api/sensors', base), { headers: { cookie: 'citytwin_session=%00garbage; other=1' } });
    expect(cookie.status).toBe(401);
    expect((await call(base, null, 'GET', '/api/health')).status).toBe(200);
  });

  it('refuses forged socket.io handshakes without crashing', async () => {
    for (const token of ['forged', 123, `cts_${randomBytes(32).toString('base64url')}`]) {
      const live = connectLive(token);
      await waitFor(`the refusal of ${String(token).slice(0, 8)}`, () => live.error);
      expect(live.error!.message).toMatch(/malformed token|must be a string|unknown token/);
      live.socket.close();
    }
    expect(app.web!.refusedSocketEvents().handshakes).toBeGreaterThanOrEqual(3);
    const ok = connectLive(admin);
    await waitFor('a good client still served', () => ok.snapshots.length > 0);
    ok.socket.close();
  });

  it('refuses oversize headers, bodies and URLs, and non-JSON bodies', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(base);
      const req = request({ host: u.hostname, port: u.port, path: '/api/health', headers: { 'x-big': 'a'.repeat(20_000) } }, (res) =>
        resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    const big = await fetch(new URL('/api/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'x'.repeat(20_000) }),
    });
    expect(big.status).toBe(413);
    const form = await fetch(new URL('/api/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=admin&password=x',
    });
    expect(form.status).toBe(415);
    expect((await fetch(new URL(`/api/sensors?x=${'a'.repeat(5000)}`, base))).status).toBe(414);
  });

  it('sends the security headers', async () => {
    const res = await fetch(new URL('/api/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('sets an HttpOnly SameSite cookie that works on its own, and changes a password', async () => {
    const res = await fetch(new URL('/api/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: userOf('analyst'), password: passwordOf('analyst') }),
    });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^citytwin_session=cts_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const cookie = setCookie.split(';')[0]!;
    const me = await fetch(new URL('/api/auth/me', base), { headers: { cookie } });
    expect(await me.json()).toMatchObject({
      username: userOf('analyst'),
      roles: ['analyst'],
      clearance: ['public', 'internal', 'sensitive'],
    });
    const token = ((await res.json()) as { token: string }).token;
    expect(
      (await call(base, token, 'POST', '/api/auth/password', { currentPassword: 'wrong-one-xx', newPassword: 'a new password' })).status,
    ).toBe(403);
    expect(
      (await call(base, token, 'POST', '/api/auth/password', { currentPassword: passwordOf('analyst'), newPassword: 'short' })).body.error,
    ).toMatch(/at least 10/);
    expect(
      (
        await call(base, token, 'POST', '/api/auth/password', {
          currentPassword: passwordOf('analyst'),
          newPassword: 'a brand new password',
        })
      ).status,
    ).toBe(200);
    await login(base, userOf('analyst'), 'a brand new password');
  });
});

describe('login throttling (bounded brute force on loopback)', () => {
  it('slows then refuses a guessing run, even the right password, and records it', async () => {
    await call(base, admin, 'POST', '/api/users', { username: 'victim', roles: ['dispatcher'], password: 'the real password' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(new URL('/api/auth/login', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'victim', password: `guess-${i}` }),
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    // Three free failures, then every quick retry is refused unchecked.
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const right = await fetch(new URL('/api/auth/login', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'victim', password: 'the real password' }),
    });
    expect(right.status).toBe(429);
    expect(((await right.json()) as { error: string }).error).toMatch(/too many failed logins/);
    const events = await call(base, admin, 'GET', '/api/security/events?username=victim&limit=50');
    const types = (events.body as Array<{ type: string }>).map((e) => e.type);
    expect(types.filter((t) => t === 'login_failed')).toHaveLength(4);
    expect(types).toContain('login_throttled');
    // Passwords never reach the log.
    expect(JSON.stringify(events.body)).not.toMatch(/guess-|the real password/);
    const denied = await call(base, admin, 'GET', '/api/security/events?type=access_denied&limit=5');
    expect(denied.body.length).toBeGreaterThan(0);
  });
});
