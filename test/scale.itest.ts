/**
 * The console's stream for a big registry (docs/scale.md), at a low threshold: 3,000 sensors
 * registered over MQTT with a threshold of 1,000. Aggregate cells equal the registry's counts
 * in the bbox for each clearance (from the twin's grid and from ClickHouse), a zoomed-in
 * viewport gets exactly the sensors inside it and then deltas of those only, and a zoomed-out
 * client gets cells, refreshed. A client that asks for columns gets the same table as `points`.
 */
import mqtt from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { generateCity } from '../twin-model/city/index.ts';
import { KIND_METRICS, type Classification, type SensorKind } from '../twin-model/index.ts';
import type { CellsMessage, DeltaMessage, PointsMessage, SnapshotMessage } from '../web/shared/protocol.ts';
import { decodeDelta } from '../web/shared/delta-codec.ts';
import { decodePoints } from '../web/shared/points-codec.ts';
import { cellDeg } from '../web/server/live/sensor-aggregate.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const SENSORS = 3000;
const SEED = 4242;
const dir = tempDir('scale');
let app: RunningCityTwin;
let base: string;
let admin: string;
let display: string;
let publisher: mqtt.MqttClient;

interface Registered {
  id: string;
  lng: number;
  lat: number;
  kind: SensorKind;
  classification: Classification;
}
/** What was registered, as the test knows it. */
const registry: Registered[] = [];
const CLASSES: Classification[] = ['public', 'internal', 'sensitive'];

const inBox = (r: { lng: number; lat: number }, [w, s, e, n]: number[]) => r.lng >= w! && r.lng <= e! && r.lat >= s! && r.lat <= n!;

interface Client {
  socket: Socket;
  snapshots: SnapshotMessage[];
  /** Viewport tables that came as `points` (also in `snapshots`, decoded). */
  points: PointsMessage[];
  deltas: DeltaMessage[];
  cells: CellsMessage[];
  /** Ids in the current table by row. */
  ids: string[];
  /** Ids seen in deltas of the current epoch. */
  changed: string[];
}

function connect(token: string): Client {
  const socket = connectSocket(base, { transports: ['websocket'], reconnection: false, auth: { token } });
  const c: Client = { socket, snapshots: [], points: [], deltas: [], cells: [], ids: [], changed: [] };
  socket.on('connect', () => socket.emit('resume', { epoch: null, lastSeq: null }));
  const onTable = (s: SnapshotMessage) => {
    c.snapshots.push(s);
    c.ids = [];
    c.changed = [];
    for (const x of s.sensors) c.ids[x.i] = x.id;
  };
  socket.on('snapshot', onTable);
  socket.on('points', (p: PointsMessage) => {
    c.points.push(p);
    onTable(decodePoints(p));
  });
  socket.on('delta', (d: DeltaMessage) => {
    c.deltas.push(d);
    for (const x of d.added) c.ids[x.i] = x.id;
    for (const i of decodeDelta(d).index) c.changed.push(c.ids[i]!);
  });
  socket.on('cells', (m: CellsMessage) => c.cells.push(m));
  return c;
}

/** A bbox on cell boundaries of `level`, so the cells cover exactly the bbox. */
function alignedBbox(level: number, w: number, s: number, cols: number, rows: number): [number, number, number, number] {
  const side = cellDeg(level);
  const x = Math.floor(w / side);
  const y = Math.floor(s / side);
  // Just inside the far edges: the next row and column of cells is not part of the bbox.
  return [x * side, y * side, (x + cols) * side - 1e-9, (y + rows) * side - 1e-9];
}

beforeAll(async () => {
  // No sensors of the city's own register: the registry is exactly the sensors this test stores.
  app = await startTestCity(dir.path, { CITYTWIN_SENSORS: '0', CITYTWIN_VIEWPORT_THRESHOLD: '1000', CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  expect(
    (await call(base, admin, 'POST', '/api/users', { username: 'display-user', roles: ['display'], password: 'pw-for-display-1234' }))
      .status,
  ).toBe(200);
  display = await login(base, 'display-user', 'pw-for-display-1234');
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'scale-pub' });
  // Sites of a generated city (positions and kinds as a real deployment spreads them).
  const sites = generateCity({ seed: SEED, sensorCount: SENSORS }).sensorSites;
  for (const [k, site] of sites.entries()) {
    const r: Registered = { id: `sc-${k}`, lng: site.lng, lat: site.lat, kind: site.kind, classification: CLASSES[k % 3]! };
    registry.push(r);
    void publisher.publishAsync(
      `citytwin/v1/sensors/${r.id}/meta`,
      JSON.stringify({ kind: site.kind, lng: r.lng, lat: r.lat, classification: r.classification }),
      { qos: 1 },
    );
  }
  await waitFor('every sensor in the twin', () => app.twin!.state.sensors.length >= SENSORS, 60_000);
  await waitFor('every sensor in the grid', () => app.twin!.stream.grid.size >= SENSORS, 10_000);
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('a registry above the viewport threshold', () => {
  const bbox = alignedBbox(10, 114.2, 30.45, 4, 3);

  it('counts the registry in the bbox per clearance, from the twin and from ClickHouse', async () => {
    for (const [token, cleared] of [
      [admin, CLASSES],
      [display, ['public']],
    ] as const) {
      const want = registry.filter((r) => inBox(r, bbox) && (cleared as readonly string[]).includes(r.classification)).length;
      expect(want).toBeGreaterThan(20);
      const twin = await call(base, token, 'GET', `/api/sensors/aggregate?bbox=${bbox.join(',')}&zoom=10.4`);
      expect(twin.status, JSON.stringify(twin.body)).toBe(200);
      expect(twin.body).toMatchObject({
        level: 10,
        source: 'twin',
        total: want,
        registry: registry.filter((r) => (cleared as readonly string[]).includes(r.classification)).length,
      });
      expect(twin.body.cells.reduce((a: number, c: { n: number }) => a + c.n, 0)).toBe(want);
      // Registered but silent: every sensor counts as stale or waiting in the state counts.
      for (const c of twin.body.cells as CellsMessage['cells']) expect(c.states.reduce((a, b) => a + b, 0)).toBe(c.n);
      // The stored registry agrees once the meta rows are written.
      await waitFor(
        'the registry stored',
        async () =>
          (await call(base, token, 'GET', `/api/sensors/aggregate?bbox=${bbox.join(',')}&zoom=10.4&source=registry`)).body.total === want,
        30_000,
      );
      const stored = await call(base, token, 'GET', `/api/sensors/aggregate?bbox=${bbox.join(',')}&zoom=10.4&source=registry`);
      expect(new Map(stored.body.cells.map((c: { key: string; n: number }) => [c.key, c.n]))).toEqual(
        new Map(twin.body.cells.map((c: { key: string; n: number }) => [c.key, c.n])),
      );
    }
    const bad = await call(base, admin, 'GET', '/api/sensors/aggregate?bbox=1,2,3&zoom=9');
    expect(bad.status).toBe(400);
  });

  it('sends a zoomed-in viewport exactly its sensors, then deltas of those only', async () => {
    const client = connect(admin);
    await waitFor('the empty viewport table', () => client.snapshots[0]);
    expect(client.snapshots[0]).toMatchObject({ scope: 'viewport', sensors: [] });
    // A street-level view around a registered sensor.
    const centre = registry[Math.floor(registry.length / 2)]!;
    const view: [number, number, number, number] = [centre.lng - 0.03, centre.lat - 0.02, centre.lng + 0.03, centre.lat + 0.02];
    client.socket.emit('viewport', { bbox: view, zoom: 14.5 });
    await waitFor('the viewport snapshot', () => client.snapshots.length >= 2);
    const inside = registry.filter((r) => inBox(r, view));
    expect(inside.length).toBeGreaterThan(0);
    expect(client.snapshots[1]!.scope).toBe('viewport');
    expect(client.snapshots[1]!.sensors.map((s) => s.id).sort()).toEqual(inside.map((r) => r.id).sort());

    // Readings inside and outside the viewport, and a sensor registered inside it.
    const outside = registry.find((r) => !inBox(r, view))!;
    const now = Date.now();
    const metric = (r: Registered) => KIND_METRICS[r.kind][0]!;
    await publisher.publishAsync(`citytwin/v1/sensors/${centre.id}/data`, JSON.stringify({ ts: now, values: { [metric(centre)]: 1 } }), {
      qos: 1,
    });
    await publisher.publishAsync(`citytwin/v1/sensors/${outside.id}/data`, JSON.stringify({ ts: now, values: { [metric(outside)]: 2 } }), {
      qos: 1,
    });
    await publisher.publishAsync(
      'citytwin/v1/sensors/sc-new/meta',
      JSON.stringify({ kind: 'water_level', lng: centre.lng + 0.001, lat: centre.lat, classification: 'public' }),
      { qos: 1 },
    );
    await waitFor('the deltas', () => client.changed.includes(centre.id) && client.changed.includes('sc-new'));
    // Give the outside reading the same time to arrive: it never does.
    await waitFor('the outside reading in the twin', () => app.twin!.state.byId.get(outside.id)?.latest.has(metric(outside)));
    await new Promise((r) => setTimeout(r, 300));
    expect(client.changed).not.toContain(outside.id);
    const seqs = client.deltas.map((d) => d.seq);
    expect(seqs).toEqual(seqs.map((_, k) => k + 1));
    expect(client.deltas.every((d) => d.epoch === client.snapshots[1]!.epoch)).toBe(true);
    expect(client.cells).toEqual([]);
    client.socket.close();
  });

  it('gives a display only the public sensors of a zoomed-in viewport', async () => {
    const client = connect(display);
    await waitFor('the empty viewport table', () => client.snapshots[0]);
    const centre = registry[Math.floor(registry.length / 3)]!;
    const view: [number, number, number, number] = [centre.lng - 0.05, centre.lat - 0.03, centre.lng + 0.05, centre.lat + 0.03];
    client.socket.emit('viewport', { bbox: view, zoom: 15 });
    await waitFor('the viewport snapshot', () => client.snapshots.length >= 2);
    const want = registry.filter((r) => inBox(r, view) && r.classification === 'public').map((r) => r.id);
    expect(want.length).toBeGreaterThan(0);
    expect(client.snapshots[1]!.sensors.map((s) => s.id).sort()).toEqual(want.sort());
    client.socket.close();
  });

  it('sends a client that asks for columns the same table as points, within its clearance, then its deltas', async () => {
    const rows = connect(display);
    const columns = connect(display);
    await waitFor('the empty viewport tables', () => rows.snapshots[0] && columns.snapshots[0]);
    const centre = registry[Math.floor(registry.length / 4)]!;
    const view: [number, number, number, number] = [centre.lng - 0.05, centre.lat - 0.03, centre.lng + 0.05, centre.lat + 0.03];
    rows.socket.emit('viewport', { bbox: view, zoom: 15 });
    columns.socket.emit('viewport', { bbox: view, zoom: 15, encoding: 'columns' });
    await waitFor('both viewport tables', () => rows.snapshots.length >= 2 && columns.snapshots.length >= 2);
    expect(rows.points).toEqual([]);
    expect(columns.points).toHaveLength(1);
    const want = registry.filter((r) => inBox(r, view) && r.classification === 'public').map((r) => r.id);
    expect(want.length).toBeGreaterThan(0);
    // The sensors above the display's clearance are not in the columns at all.
    const p = columns.points[0]!;
    const ids = columns.snapshots[1]!.sensors.map((x) => x.id);
    expect([...ids].sort()).toEqual([...want].sort());
    const hidden = registry.filter((r) => inBox(r, view) && r.classification !== 'public').map((r) => r.id);
    expect(hidden.length).toBeGreaterThan(0);
    for (const id of hidden) expect(ids).not.toContain(id);
    expect(p.ids).toBe(ids.join(''));
    // Row for row what the other client got as summaries (twin order, dense numbering).
    const { epoch: _a, serverTime: _b, ...fromColumns } = columns.snapshots[1]!;
    const { epoch: _c, serverTime: _d, ...fromRows } = rows.snapshots[1]!;
    expect(fromColumns).toEqual(fromRows);
    // Then the deltas of its sensors, in its epoch.
    const target = registry.find((r) => r.id === want[0])!;
    await publisher.publishAsync(
      `citytwin/v1/sensors/${target.id}/data`,
      JSON.stringify({ ts: Date.now(), values: { [KIND_METRICS[target.kind][0]!]: 3 } }),
      { qos: 1 },
    );
    await waitFor('the delta', () => columns.changed.includes(target.id));
    expect(columns.deltas.every((d) => d.epoch === p.epoch)).toBe(true);
    rows.socket.close();
    columns.socket.close();
  });

  it('sends a zoomed-out client cells, again every few seconds, and points after zooming in', async () => {
    const client = connect(admin);
    await waitFor('the empty viewport table', () => client.snapshots[0]);
    client.socket.emit('viewport', { bbox, zoom: 10.2 });
    await waitFor('cells', () => client.cells[0]);
    const first = client.cells[0]!;
    expect(first.level).toBe(10);
    expect(first.total).toBe((await call(base, admin, 'GET', `/api/sensors/aggregate?bbox=${bbox.join(',')}&zoom=10.2`)).body.total);
    expect(first.total).toBeGreaterThanOrEqual(registry.filter((r) => inBox(r, bbox)).length);
    // The table was empty already: no second snapshot to clear it.
    expect(client.snapshots).toHaveLength(1);
    await waitFor('refreshed cells', () => client.cells.length >= 2, 10_000);
    // Zooming in: a points table replaces the cells; zooming just below the points zoom keeps them.
    const centre = registry[Math.floor(registry.length / 2)]!;
    const view: [number, number, number, number] = [centre.lng - 0.02, centre.lat - 0.015, centre.lng + 0.02, centre.lat + 0.015];
    client.socket.emit('viewport', { bbox: view, zoom: 14.1 });
    await waitFor('points', () => client.snapshots.length >= 2);
    expect(client.snapshots[1]!.sensors.length).toBeGreaterThan(0);
    const cellsBefore = client.cells.length;
    client.socket.emit('viewport', { bbox: view, zoom: 13.8 });
    await waitFor('points again', () => client.snapshots.length >= 3);
    expect(client.snapshots[2]!.sensors.length).toBe(client.snapshots[1]!.sensors.length);
    client.socket.emit('viewport', { bbox, zoom: 12 });
    await waitFor('cells again', () => client.cells.length > cellsBefore);
    expect(client.snapshots.at(-1)!.sensors).toEqual([]);
    client.socket.close();
  });
});
