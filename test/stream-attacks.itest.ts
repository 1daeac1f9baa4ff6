/**
 * The live stream attacked as an outsider with a credential would (docs/security.md, "The live
 * stream under attack"): `citytwin all` in this process with 20,000 generated sensors, the
 * simulator streaming their readings and the viewport threshold below the registry (the
 * big-registry stream, docs/scale.md); real socket.io clients, and a console written by hand on
 * a TCP socket (support/raw-socket-io.ts) that can stop reading while it goes on asking.
 * Each attack is bounded in count and time; what it measured is printed.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { DeltaMessage, PointsMessage, SnapshotMessage } from '../web/shared/protocol.ts';
import { clearanceMask } from '../web/server/auth/classification.ts';
import { call, login, mintToken, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { RawSocketIo } from './support/raw-socket-io.ts';
import { startTestCity } from './support/test-city.ts';

const MB = 1024 * 1024;
const dir = tempDir('stream-attacks');
let app: RunningCityTwin;
let base: string;
let admin: string;
const tokens: Record<string, string> = {};
/** The bbox of every sensor of the city. */
let city: [number, number, number, number];

async function user(name: string, roles: string[]): Promise<string> {
  const password = `pw-${name}-long-enough`;
  const made = await call(base, admin, 'POST', '/api/users', { username: name, roles, password });
  expect(made.status, JSON.stringify(made.body)).toBe(200);
  return login(base, name, password);
}

function openSocket(token: string): Promise<Socket> {
  const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

/** The server's socket of `username` (this node's), if connected. */
function serverSocketOf(username: string) {
  for (const s of app.web!.io.of('/').sockets.values()) if ((s.data.principal as { username: string }).username === username) return s;
  return undefined;
}

/** The server's sockets of `username` (this node's). */
function serverSocketsOf(username: string) {
  return [...app.web!.io.of('/').sockets.values()].filter((s) => (s.data.principal as { username: string }).username === username);
}

/** What waits in the server's process for one client: engine.io's queue and the WebSocket's buffer (bytes). */
function backlogOf(username: string): number {
  return backlogOfSocket(serverSocketOf(username));
}

function backlogOfSocket(socket: ReturnType<typeof serverSocketOf>): number {
  const conn = socket?.conn as unknown as
    | { writeBuffer: { data?: unknown }[]; transport: { socket?: { bufferedAmount?: number } } }
    | undefined;
  if (!conn) return 0;
  let bytes = conn.transport.socket?.bufferedAmount ?? 0;
  for (const p of conn.writeBuffer) bytes += typeof p.data === 'string' ? p.data.length : ((p.data as Buffer | undefined)?.byteLength ?? 0);
  return bytes;
}

async function metric(name: string): Promise<number> {
  const text = (await call(base, admin, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
}

beforeAll(async () => {
  // The total of what may wait for all clients lowered to 48 MiB, so that a few sockets reach it.
  app = await startTestCity(
    dir.path,
    { CITYTWIN_SENSORS: '20000', CITYTWIN_SIMULATE: '1', CITYTWIN_VIEWPORT_THRESHOLD: '10000', CITYTWIN_SOCKETS_PER_ACCOUNT: '6' },
    { socketBacklog: { maxTotalBytes: 48 * MB } },
  );
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  tokens.operator = await user('op-watch', ['operator']);
  tokens.slow = await user('op-slow', ['operator']);
  tokens.flood = await user('op-flood', ['operator']);
  tokens.leaving = await user('op-leaving', ['operator']);
  tokens.stuck = await user('op-stuck', ['operator']);
  tokens.poll = await user('op-poll', ['operator']);
  tokens.many = await user('op-many', ['operator']);
  tokens.crowd = await user('op-crowd', ['operator']);
  tokens.hotline = await user('hotline-attack', ['hotline']);
  tokens.display = await mintToken(base, admin, TEST_ADMIN_PASSWORD, { name: 'hall wall', kind: 'display' });
  const sensors = app.twin!.state.sensors;
  await waitFor('the registry above the viewport threshold', () => sensors.length > 10_000, 60_000);
  let [w, s, e, n] = [180, 90, -180, -90];
  for (const x of sensors) {
    if (x.lng === null || x.lat === null) continue;
    [w, s, e, n] = [Math.min(w, x.lng), Math.min(s, x.lat), Math.max(e, x.lng), Math.max(n, x.lat)];
  }
  city = [w - 1e-6, s - 1e-6, e + 1e-6, n + 1e-6];
}, 240_000);

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('a console that never reads', () => {
  it('is disconnected once a bounded backlog waits for it; another console keeps its stream', async () => {
    // A console that reads: the whole city's table, then its deltas.
    const watcher = await openSocket(tokens.operator!);
    const seen = { tables: 0, rows: 0, deltas: 0, dropped: false };
    watcher.on('snapshot', (m: SnapshotMessage) => {
      seen.tables++;
      seen.rows = m.sensors.length;
    });
    watcher.on('points', (_m: PointsMessage) => seen.tables++);
    watcher.on('delta', (_d: DeltaMessage) => seen.deltas++);
    watcher.on('disconnect', () => (seen.dropped = true));
    watcher.emit('viewport', { bbox: city, zoom: 14 });
    await waitFor("the watcher's table of the whole city", () => seen.rows > 10_000, 30_000);
    await waitFor('deltas to the watcher', () => seen.deltas > 0, 30_000);

    // The attacker: signs in, stops reading, asks for the whole table again and again and
    // answers the heartbeat blind, so the server has no reason to think it gone.
    const raw = await RawSocketIo.open(base);
    raw.pause();
    raw.connect({ token: tokens.slow });
    await waitFor("the slow console's socket on the server", () => serverSocketOf('op-slow'), 10_000);
    const rssBefore = process.memoryUsage().rss;
    let peak = 0;
    let asked = 0;
    // At most 40 s and 400 requests; stop early at 400 MB waiting (the unbounded case).
    for (const deadline = Date.now() + 40_000; asked < 400 && Date.now() < deadline; asked++) {
      if (!serverSocketOf('op-slow')) break;
      raw.pong();
      raw.emit('viewport', { bbox: city, zoom: 14 + (asked % 2) * 0.1 });
      peak = Math.max(peak, backlogOf('op-slow'));
      if (peak > 400 * MB) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rssPeak = process.memoryUsage().rss;
    console.log(
      `slow console: ${asked} requests, peak backlog ${(peak / MB).toFixed(1)} MB, RSS ${(rssBefore / MB).toFixed(0)} → ${(rssPeak / MB).toFixed(0)} MB, ` +
        `dropped: ${serverSocketOf('op-slow') === undefined}`,
    );
    expect(serverSocketOf('op-slow') === undefined, 'the slow console is disconnected').toBe(true);
    // The bound (32 MiB) plus what one sweep may add (a table of the whole city is ≈3.5 MB).
    expect(peak).toBeLessThan(48 * MB);
    expect(await metric('citytwin_socket_slow_clients_disconnected_total')).toBe(1);
    // The watcher was not touched and keeps getting deltas.
    const deltasBefore = seen.deltas;
    await waitFor('more deltas to the watcher', () => seen.deltas > deltasBefore + 5, 30_000);
    expect(seen.dropped).toBe(false);
    raw.close();
    watcher.close();
  }, 120_000);
});

/** A socket.io client that keeps what it was told: refusals, tables (rows), deltas, and whether it was dropped. */
async function watch(token: string) {
  // Listeners first: the server sends incidents, units and escalations as it accepts the socket.
  const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token } });
  const got = { refused: [] as { event: string; reason: string }[], tables: 0, rows: -1, deltas: 0, escalations: 0, cases: 0, dropped: '' };
  socket.on('refused', (r: { event: string; reason: string }) => got.refused.push(r));
  socket.on('snapshot', (m: SnapshotMessage) => {
    got.tables++;
    got.rows = m.sensors.length;
  });
  socket.on('points', (m: PointsMessage) => {
    got.tables++;
    got.rows = m.count;
  });
  socket.on('delta', () => got.deltas++);
  socket.on('escalations', () => got.escalations++);
  socket.on('case', () => got.cases++);
  socket.on('disconnect', (reason: string) => (got.dropped = reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return { socket, got };
}

/** Sensors of the twin inside `bbox`. */
const sensorsInside = ([w, s, e, n]: number[]) =>
  app.twin!.state.sensors.filter((x) => x.lng !== null && x.lat !== null && x.lng >= w! && x.lng <= e! && x.lat >= s! && x.lat <= n!)
    .length;

describe('a console on the polling transport that never polls', () => {
  it('is disconnected by the same bound', async () => {
    const url = (sid?: string) => new URL(`/socket.io/?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`, base);
    const open = await (await fetch(url())).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const post = (body: string) => fetch(url(sid), { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    expect((await post(`40${JSON.stringify({ token: tokens.poll })}`)).status).toBe(200);
    await waitFor("the polling console's socket", () => serverSocketOf('op-poll'), 10_000);
    let peak = 0;
    let asked = 0;
    for (const deadline = Date.now() + 40_000; asked < 400 && Date.now() < deadline && serverSocketOf('op-poll'); asked++) {
      // A pong and a table request in one POST (engine.io's packets separated by 0x1e); never a GET.
      const res = await post(`3\x1e42${JSON.stringify(['viewport', { bbox: city, zoom: 14 + (asked % 2) * 0.1 }])}`);
      if (res.status !== 200) break;
      peak = Math.max(peak, backlogOf('op-poll'));
      if (peak > 400 * MB) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`polling console: ${asked} requests, peak backlog ${(peak / MB).toFixed(1)} MB`);
    await waitFor('the polling console disconnected', () => serverSocketOf('op-poll') === undefined, 10_000);
    expect(peak).toBeLessThan(48 * MB);
    expect(await metric('citytwin_socket_slow_clients_disconnected_total')).toBe(2);
    // Its session is gone: what it sends now is refused.
    expect((await post('3')).status).toBe(400);
  }, 120_000);
});

describe('many sockets of one credential that never read', () => {
  it('are bounded together: the ones with the most waiting are disconnected first', async () => {
    const raws: RawSocketIo[] = [];
    for (let k = 0; k < 4; k++) {
      const raw = await RawSocketIo.open(base);
      raw.pause();
      raw.connect({ token: tokens.many });
      raws.push(raw);
    }
    await waitFor('four sockets on the server', () => serverSocketsOf('op-many').length === 4, 10_000);
    const dropped0 = await metric('citytwin_socket_slow_clients_disconnected_total');
    let peakTotal = 0;
    let rounds = 0;
    for (const deadline = Date.now() + 60_000; rounds < 300 && Date.now() < deadline && serverSocketsOf('op-many').length > 0; rounds++) {
      for (const raw of raws) {
        raw.pong();
        raw.emit('viewport', { bbox: city, zoom: 14 + (rounds % 2) * 0.1 });
      }
      peakTotal = Math.max(
        peakTotal,
        serverSocketsOf('op-many').reduce((a, s) => a + backlogOfSocket(s), 0),
      );
      if (peakTotal > 400 * MB) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`four sockets of one credential: ${rounds} rounds, peak total backlog ${(peakTotal / MB).toFixed(1)} MB`);
    expect(serverSocketsOf('op-many')).toHaveLength(0);
    expect(await metric('citytwin_socket_slow_clients_disconnected_total')).toBe(dropped0 + 4);
    // 48 MiB in all plus what a round or two may add before the next check (four tables of the
    // whole city, ≈4 MB each); under their own bounds alone, four sockets would hold 128 MiB.
    expect(peakTotal).toBeLessThan(96 * MB);
    for (const raw of raws) raw.close();
  }, 120_000);
});

describe('one credential opening socket after socket', () => {
  it('holds at most the bound per account: a burst past it is refused with the reason, another account is not', async () => {
    const tries = await Promise.allSettled(Array.from({ length: 10 }, () => openSocket(tokens.crowd!)));
    const open = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    const refused = tries.flatMap((t) =>
      t.status === 'rejected' ? [t.reason as Error & { data?: { status: number; reason: string } }] : [],
    );
    expect(open).toHaveLength(6);
    expect(refused).toHaveLength(4);
    for (const err of refused) {
      expect(err.data?.status).toBe(429);
      expect(err.data?.reason).toMatch(/op-crowd already holds 6 live connections.*CITYTWIN_SOCKETS_PER_ACCOUNT = 6/);
    }
    // Another account connects meanwhile.
    const other = await openSocket(tokens.operator!);
    // One closed, one more may connect.
    open.pop()!.close();
    await waitFor('the server to see five', () => serverSocketsOf('op-crowd').length === 5, 10_000);
    open.push(await openSocket(tokens.crowd!));
    expect(serverSocketsOf('op-crowd')).toHaveLength(6);
    for (const s of [...open, other]) s.close();
  }, 60_000);
});

describe('viewport requests as an attacker sends them', () => {
  it('refuses malformed viewports with the value quoted, and answers the next good one', async () => {
    const { socket, got } = await watch(tokens.operator!);
    const bad: [unknown, RegExp][] = [
      ['everything', /^viewport must be an object \{bbox, zoom\}, not "everything"$/],
      [[114, 30, 115, 31], /^viewport must be an object .*not \[114,30,115,31\]$/],
      [{ bbox: [114, Number.NaN, 115, 31], zoom: 14 }, /four finite numbers, not \[114,null,115,31\]$/],
      [{ bbox: [-1e308, -1e308, 1e308, 1e308], zoom: 14 }, /within -180\.\.180.*not \[-1e\+308,-1e\+308,1e\+308,1e\+308\]$/],
      [{ bbox: [-114, -30, -115, -31], zoom: 14 }, /west ≤ east, south ≤ north, not \[-114,-30,-115,-31\]$/],
      [{ bbox: [114, 30, 115, 31], zoom: 99 }, /^viewport\.zoom must be a number from 0 to 24, not 99$/],
      [{ bbox: [114, 30, 115, 31], zoom: '14' }, /zoom .* not "14"$/],
      [{ bbox: [114, 30, 115, 31], zoom: 14, encoding: 'protobuf' }, /^viewport\.encoding must be 'columns' or absent, not "protobuf"$/],
      [{ bbox: [114, 30, 115, 31], zoom: 14, kinds: Array.from({ length: 100 }, (_, k) => `k${k}`) }, /at most 64 sensor kinds/],
    ];
    for (const [req] of bad) socket.emit('viewport', req);
    await waitFor('a refusal of each malformed viewport', () => got.refused.length >= bad.length, 10_000);
    for (const [k, [, want]] of bad.entries()) {
      expect(got.refused[k]!.event).toBe('viewport');
      expect(got.refused[k]!.reason).toMatch(want);
    }
    expect(got.tables).toBe(0);
    const box = [114.25, 30.55, 114.3, 30.6];
    socket.emit('viewport', { bbox: box, zoom: 15 });
    await waitFor('the good viewport answered', () => got.tables === 1, 10_000);
    expect(got.rows).toBe(sensorsInside(box));
    // The whole world at the deepest zoom is valid: the city's table, within the points cap.
    socket.emit('viewport', { bbox: [-180, -90, 180, 90], zoom: 24, encoding: 'columns' });
    await waitFor('the whole world answered', () => got.tables === 2, 30_000);
    expect(got.rows).toBe(Math.min(20_000, sensorsInside([-180, -90, 180, 90])));
    expect(got.dropped).toBe('');
    socket.close();
  });

  it('answers a flood of viewports from one socket with a burst of 32, then at most one per 100 ms, and always the newest', async () => {
    const { socket, got } = await watch(tokens.flood!);
    const boxes = [
      [114.2, 30.5, 114.3, 30.6],
      [114.3, 30.5, 114.4, 30.6],
    ];
    const last = [114.25, 30.55, 114.27, 30.57];
    const started = Date.now();
    for (let k = 0; k < 2000; k++) socket.emit('viewport', { bbox: boxes[k % 2], zoom: 15, encoding: 'columns' });
    socket.emit('viewport', { bbox: last, zoom: 15, encoding: 'columns' });
    const want = sensorsInside(last);
    await waitFor('the newest viewport answered', () => got.rows === want && got.tables > 0, 60_000);
    const elapsed = Date.now() - started;
    // Let whatever was still waiting arrive: the count below must be final.
    await waitFor('the flood to settle', async () => {
      const before = got.tables;
      await new Promise((r) => setTimeout(r, 300));
      return got.tables === before;
    });
    console.log(`2,001 viewports in one burst: ${got.tables} tables answered in ${elapsed} ms`);
    // A burst of 32 at once, then one per 100 ms.
    expect(got.tables).toBeLessThanOrEqual(32 + 1 + Math.ceil(elapsed / 100));
    expect(got.rows).toBe(want);
    expect(got.dropped).toBe('');
    socket.close();
  });

  it('cuts a socket that sends an event over 64 KiB; the server goes on serving', async () => {
    const { socket, got } = await watch(tokens.operator!);
    socket.emit('viewport', { bbox: [114, 30, 115, 31], zoom: 14, kinds: ['x'.repeat(1024 * 1024)] });
    await waitFor('the oversized event to cut the socket', () => got.dropped, 10_000);
    const again = await watch(tokens.operator!);
    again.socket.emit('viewport', { bbox: [114.25, 30.55, 114.3, 30.6], zoom: 15 });
    await waitFor('a new socket answered', () => again.got.tables === 1, 10_000);
    again.socket.close();
  });

  it('closes a connection whose events come before signing in, and sends it nothing of the city', async () => {
    const raw = await RawSocketIo.open(base, true);
    raw.emit('viewport', { bbox: city, zoom: 14 });
    raw.emit('resume', { epoch: null, lastSeq: null });
    await waitFor('the connection closed', () => raw.closed, 10_000);
    // Only engine.io's open packet (its session id and timings) was sent.
    expect(raw.text).toContain('0{"sid":');
    expect(raw.text).not.toMatch(/sensors|"kind"|snapshot|points/);
    // Signing in without credentials is refused; what comes after it is not answered.
    const anonymous = await RawSocketIo.open(base, true);
    anonymous.connect({});
    anonymous.emit('viewport', { bbox: city, zoom: 14 });
    await waitFor('the refusal', () => anonymous.text.includes('sign in first'), 10_000);
    await waitFor('the anonymous connection closed', () => anonymous.closed, 10_000);
    expect(anonymous.text).not.toMatch(/sensors|"kind"|snapshot|points/);
  });
});

describe('credentials mid-stream', () => {
  it("ends a session's stream at once when it signs out, and a stuck console's the same way", async () => {
    const { socket, got } = await watch(tokens.leaving!);
    socket.emit('viewport', { bbox: city, zoom: 14 });
    await waitFor('the table', () => got.tables === 1, 30_000);
    await waitFor('deltas', () => got.deltas > 0, 30_000);
    expect((await call(base, tokens.leaving!, 'POST', '/api/auth/logout', {})).status).toBe(200);
    await waitFor('the signed-out socket closed', () => got.dropped, 10_000);
    expect(got.refused.at(-1)?.reason).toMatch(/revoked/);
    const deltas = got.deltas;

    // A console that stopped reading: its socket leaves the stream at once all the same.
    const raw = await RawSocketIo.open(base);
    raw.pause();
    raw.connect({ token: tokens.stuck });
    await waitFor("the stuck console's socket", () => serverSocketOf('op-stuck'), 10_000);
    raw.emit('viewport', { bbox: city, zoom: 14 });
    await waitFor('a backlog for the stuck console', () => backlogOf('op-stuck') > 0, 30_000);
    expect((await call(base, tokens.stuck!, 'POST', '/api/auth/logout', {})).status).toBe(200);
    await waitFor("the stuck console's socket gone", () => serverSocketOf('op-stuck') === undefined, 10_000);
    expect((await call(base, tokens.stuck!, 'GET', '/api/sensors?limit=1')).status).toBe(401);
    expect(got.deltas).toBe(deltas);
    // Its connection is cut too (it would read no refusal), not kept open with what waits for it.
    await waitFor(
      "the stuck console's connection cut",
      () => {
        raw.pong();
        return raw.closed;
      },
      15_000,
      250,
    );
    raw.close();
  });

  it("gives a wall display nothing of the operators' events, and refuses the stream to a role without it", async () => {
    const op = await watch(tokens.operator!);
    const wall = await watch(tokens.display!);
    // Events a display does not hold, asked for by name, and the stream's own with junk.
    for (const event of ['escalations', 'case', 'units.manage', 'incident', 'stats']) wall.socket.emit(event, { all: true });
    wall.socket.emit('resume', { epoch: 'x'.repeat(10_000), lastSeq: -1 });
    wall.socket.emit('viewport', { bbox: city, zoom: 14, encoding: 'columns' });
    await waitFor("the wall's table", () => wall.got.rows > 0, 30_000);
    await waitFor("the operator's escalations", () => op.got.escalations > 0, 10_000);
    expect(wall.got.escalations).toBe(0);
    expect(wall.got.cases).toBe(0);
    // The display's table holds only what its clearance (public) may see.
    const publicInCity = app.twin!.stream.grid.registryCount(clearanceMask(['public']));
    expect(publicInCity).toBeLessThan(app.twin!.stream.grid.registryCount(clearanceMask(['public', 'internal', 'sensitive'])));
    expect(wall.got.rows).toBe(publicInCity);
    const hotline = await watch(tokens.hotline!);
    hotline.socket.emit('viewport', { bbox: city, zoom: 14 });
    hotline.socket.emit('resume', { epoch: null, lastSeq: null });
    await waitFor('both refused', () => hotline.got.refused.length === 2, 10_000);
    expect(hotline.got.refused.map((r) => r.reason).join()).toMatch(/needs the permission live\.read/);
    expect(hotline.got.tables).toBe(0);
    for (const c of [op, wall, hotline]) c.socket.close();
  });
});
