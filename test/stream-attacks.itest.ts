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
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
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

/** What waits in the server's process for one client: engine.io's queue and the WebSocket's buffer (bytes). */
function backlogOf(username: string): number {
  const conn = serverSocketOf(username)?.conn as unknown as
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
  app = await startTestCity(dir.path, {
    CITYTWIN_SENSORS: '20000',
    CITYTWIN_SIMULATE: '1',
    CITYTWIN_VIEWPORT_THRESHOLD: '10000',
  });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  tokens.operator = await user('op-watch', ['operator']);
  tokens.slow = await user('op-slow', ['operator']);
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
