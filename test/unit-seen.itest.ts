/**
 * The unit a reading came in, for a metric the vocabulary does not know (docs/ingest.md, "Units
 * of metrics the vocabulary does not know"), end to end on `citytwin all` with the embedded
 * broker (aedes) and the embedded ClickHouse engine: a device nobody registered publishes SenML
 * with `u` through a gateway (MQTT.js); the twin keeps the unit, the sensor API, the history API
 * and the live stream (socket.io) show it; a device changing unit shows the newest; a hostile
 * unit string is refused (the reading kept without a unit); after a restart the rebuilt twin
 * shows the units again — stored once per change, not with each reading.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import type { SensorDetail, SensorSummary } from '../web/shared/protocol.ts';
import { consoleFetch, openLiveView, type LiveView } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('unit-seen');
let app: RunningCityTwin;
let base: string;
let client: mqtt.MqttClient;
const views: LiveView[] = [];

/** The device's name in its SenML base name, and the sensor id it is kept under. */
const DEVICE = 'urn:dev:mac:0024befffe804ff1:';
const SENSOR = 'urn-dev-mac-0024befffe804ff1';
const HOSTILE = 'urn-dev-mac-hostile';

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await consoleFetch(base, path);
  return { status: res.status, body: (await res.json()) as T };
}

async function settled(): Promise<void> {
  const m = app.ingest!.pipeline.metrics;
  await waitFor('every message stored or rejected', () => m.stored + m.rejected === m.received && app.ingest!.writer.pendingMessages === 0);
}

async function publish(records: unknown[]): Promise<void> {
  await client.publishAsync('citytwin/v1/gateways/gw-1/senml', JSON.stringify(records), { qos: 1 });
  await settled();
}

/** The newest summary of `id` the live view was sent (snapshot rows and delta `added`). */
function lastSummary(view: LiveView, id: string): SensorSummary | undefined {
  let found: SensorSummary | undefined;
  for (const s of view.snapshots) for (const x of s.sensors) if (x.id === id) found = x;
  for (const d of view.deltas) for (const x of d.added) if (x.id === id) found = x;
  return found;
}

async function start(): Promise<void> {
  app = await startTestCity(dir.path);
  base = app.url!;
  client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'unit-seen-gw', protocolVersion: 4 });
}

async function stop(): Promise<void> {
  for (const v of views.splice(0)) v.socket.close();
  await client?.endAsync();
  await app?.close();
}

beforeAll(start, 60_000);
afterAll(async () => {
  await stop();
  dir.remove();
});

describe('the unit a metric outside the vocabulary came in', () => {
  it('ingest → twin → HTTP and socket.io: the unit is shown with the value; a change of unit shows the newest', async () => {
    const live = await openLiveView(base);
    views.push(live);
    await waitFor('the first snapshot', () => live.snapshots.length > 0);

    await publish([
      { bn: DEVICE, n: 'temp', u: 'Cel', v: 21.5 },
      { n: 'pressure', u: 'hPa', v: 1003.2 },
    ]);
    const detail = await waitFor('the device in the twin', async () => {
      const r = await api<SensorDetail>(`/api/sensors/${SENSOR}`);
      return r.status === 200 && r.body.latest.temp ? r.body : null;
    });
    expect(detail.state).toBe('unregistered');
    expect(detail.latest.temp).toMatchObject({ value: 21.5, unit: 'Cel' });
    expect(detail.latest.pressure).toMatchObject({ value: 1003.2, unit: 'hPa' });
    const history = await api<{ unit?: string; points: unknown[] }>(`/api/sensors/${SENSOR}/readings?metric=temp`);
    expect(history.body).toMatchObject({ unit: 'Cel', points: [[expect.any(Number), 21.5]] });
    // The stream names an unknown device's headline metric and its unit.
    const summary = await waitFor('the device on the live stream', () => lastSummary(live, SENSOR) ?? null);
    expect(summary).toMatchObject({ kind: 'unknown', metric: 'temp', unit: 'Cel', value: 21.5 });

    // Stored before the change below (a batch keeps only the newest change of each metric).
    await app.twin!.unitLog.flush();
    // The device changes unit mid-stream: the newest is shown, and the stream sends its summary again.
    await publish([{ bn: DEVICE, n: 'temp', u: 'K', v: 295.1 }]);
    const after = await waitFor('the new unit', async () => {
      const r = await api<SensorDetail>(`/api/sensors/${SENSOR}`);
      return r.body.latest.temp?.unit === 'K' ? r.body : null;
    });
    expect(after.latest.temp).toMatchObject({ value: 295.1, unit: 'K' });
    expect(after.latest.pressure).toMatchObject({ unit: 'hPa' });
    await waitFor('the new unit on the live stream', () => (lastSummary(live, SENSOR)?.unit === 'K' ? true : null));

    // Readings carry no unit column: the unit is one row per change of unit, not per reading.
    await publish([{ bn: DEVICE, n: 'temp', u: 'K', v: 295.4 }]);
    await app.twin!.unitLog.flush();
    const rows = await queryRows<{ metric: string; unit: string }>(
      app.clickhouse,
      'SELECT metric, unit FROM device_metric_units WHERE sensor_id = {id:String} ORDER BY seen_at, metric',
      { id: SENSOR },
    );
    expect(rows).toEqual([
      { metric: 'pressure', unit: 'hPa' },
      { metric: 'temp', unit: 'Cel' },
      { metric: 'temp', unit: 'K' },
    ]);
    const columns = await queryRows<{ name: string }>(app.clickhouse, "SELECT name FROM system.columns WHERE table = 'readings'");
    expect(columns.map((c) => c.name)).not.toContain('unit');
  });

  it('a hostile unit string is refused: the reading is stored and shown without a unit, nothing of the string kept', async () => {
    await publish([{ bn: 'urn:dev:mac:hostile:', n: 'level', u: 'cm', v: 4 }]);
    await waitFor('the unit', async () =>
      (await api<SensorDetail>(`/api/sensors/${HOSTILE}`)).body.latest?.level?.unit === 'cm' ? true : null,
    );
    await app.twin!.unitLog.flush();
    const hostile = '<img src=x onerror=alert(1)>\u202E';
    await publish([{ bn: 'urn:dev:mac:hostile:', n: 'level', u: hostile, v: 5 }]);
    const detail = await waitFor('the refused unit', async () => {
      const r = await api<SensorDetail>(`/api/sensors/${HOSTILE}`);
      return r.body.latest.level?.value === 5 ? r.body : null;
    });
    // Not the string, and not the older unit either: the value is no longer in centimetres.
    expect(detail.latest.level).toMatchObject({ value: 5, unit: '' });
    await publish([{ bn: 'urn:dev:mac:hostile:', n: 'level', u: 'm'.repeat(40), v: 6 }]);
    await waitFor('the long unit refused', async () =>
      (await api<SensorDetail>(`/api/sensors/${HOSTILE}`)).body.latest.level?.value === 6 ? true : null,
    );
    expect((await api<SensorDetail>(`/api/sensors/${HOSTILE}`)).body.latest.level?.unit).toBe('');
    await app.twin!.unitLog.flush();
    const kept = await queryRows<{ unit: string }>(app.clickhouse, 'SELECT unit FROM device_metric_units WHERE sensor_id = {id:String}', {
      id: HOSTILE,
    });
    expect(kept.map((r) => r.unit).sort()).toEqual(['', 'cm']);
    expect(app.ingest!.pipeline.metrics.rejected).toBe(0);
  });

  it('survives a restart: the rebuilt twin shows the units again (HTTP and the snapshot)', async () => {
    await stop();
    await start();
    const detail = await api<SensorDetail>(`/api/sensors/${SENSOR}`);
    expect(detail.status).toBe(200);
    expect(detail.body.latest.temp).toMatchObject({ value: 295.4, unit: 'K' });
    expect(detail.body.latest.pressure).toMatchObject({ unit: 'hPa' });
    expect((await api<SensorDetail>(`/api/sensors/${HOSTILE}`)).body.latest.level?.unit).toBe('');
    const live = await openLiveView(base);
    views.push(live);
    await waitFor('the first snapshot', () => live.snapshots.length > 0);
    // An unknown device's headline is the first metric the rebuilt twin reads back; its unit goes with it.
    const summary = lastSummary(live, SENSOR);
    expect(summary?.unit).toBe({ temp: 'K', pressure: 'hPa' }[summary?.metric ?? '']);
    // Read back, not written again.
    await app.twin!.unitLog.flush();
    const rows = await queryRows<{ n: number | string }>(app.clickhouse, 'SELECT count() AS n FROM device_metric_units');
    expect(Number(rows[0]!.n)).toBe(5);
  });
});
