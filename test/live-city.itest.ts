/**
 * The whole product in one process, on the embedded broker and on a real Mosquitto: MQTT in,
 * stored in the embedded ClickHouse, the twin's state on the socket.io stream and the API.
 */
import mqtt from 'mqtt';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import { SensorStateCode } from '../twin-model/index.ts';
import type { DeltaMessage, SnapshotMessage } from '../web/shared/protocol.ts';
import { openLiveView, type LiveView } from './support/console-client.ts';
import { login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';

/** Bearer token of the signed-in admin (set in beforeAll). */
let token = '';

async function getJson(base: string, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() };
}

function scenario(name: string, external: () => Promise<Mosquitto | null>) {
  describe(`live city on ${name}`, () => {
    const dir = tempDir('live');
    let mosquitto: Mosquitto | null = null;
    let app: RunningCityTwin;
    let publisher: mqtt.MqttClient;
    let live: LiveView;

    beforeAll(async () => {
      mosquitto = await external();
      const config = loadConfig({
        CITYTWIN_HTTP_PORT: '0',
        CITYTWIN_MQTT_PORT: '0',
        CITYTWIN_DATA_DIR: dir.path,
        CITYTWIN_SIMULATE: '0',
        CITYTWIN_LOG_LEVEL: 'warn',
        CITYTWIN_SENSORS: '300',
        CITYTWIN_BATCH_MAX_DELAY_MS: '50',
        CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
        ...(mosquitto ? { CITYTWIN_MQTT_URL: mosquitto.url } : {}),
      });
      app = await startCityTwin(config, 'all');
      publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: `pub-${name}` });
      token = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
      live = await openLiveView(app.url!, token);
      await waitFor('first snapshot', () => live.snapshots.length > 0);
    });

    afterAll(async () => {
      live?.socket.close();
      await publisher?.endAsync();
      await app?.close();
      await mosquitto?.stop();
      dir.remove();
    });

    it('takes meta and readings to the map stream, storage and the API', async () => {
      const now = Date.now();
      await publisher.publishAsync(
        'citytwin/v1/sensors/wl-test-1/meta',
        JSON.stringify({ kind: 'water_level', lng: 114.3, lat: 30.55, source: 'test-src', name: '测试积水点' }),
        { qos: 1, retain: true },
      );
      await publisher.publishAsync(
        'citytwin/v1/sensors/wl-test-1/data',
        JSON.stringify({ ts: now - 60_000, values: { water_level_cm: 8 } }),
        { qos: 1 },
      );
      await publisher.publishAsync(
        'citytwin/v1/sensors/wl-test-1/data',
        JSON.stringify([{ bn: 'wl-test-1:', bt: now / 1000, n: 'water_level_cm', u: 'cm', v: 33 }]),
        { qos: 1 },
      );
      await publisher.publishAsync('citytwin/v1/sensors/ghost-1/data', JSON.stringify({ ts: now, values: { pm25: 40 } }), { qos: 1 });
      await waitFor('the alarm on the stream', () => live.view.get('wl-test-1')?.[0] === SensorStateCode.alarm);
      expect(live.view.get('wl-test-1')?.[1]).toBe(33);
      await waitFor('the unregistered sensor on the stream', () => live.view.get('ghost-1')?.[0] === SensorStateCode.unregistered);
      // Sequence numbers have no gaps.
      const seqs = live.deltas.map((d) => d.seq);
      expect(seqs).toEqual(seqs.map((_, k) => live.snapshots[0]!.seq + 1 + k));

      const sensor = await getJson(app.url!, '/api/sensors/wl-test-1');
      expect(sensor.status).toBe(200);
      expect(sensor.body).toMatchObject({ id: 'wl-test-1', kind: 'water_level', lng: 114.3, lat: 30.55, registered: true, state: 'alarm' });
      expect(sensor.body.latest.water_level_cm).toEqual({ value: 33, ts: now, unit: 'cm' });
      expect(sensor.body.stateReason).toContain('water_level_cm 33');

      await waitFor('both readings stored', () => app.ingest!.pipeline.metrics.readingsStored >= 3);
      const readings = await getJson(
        app.url!,
        `/api/sensors/wl-test-1/readings?metric=water_level_cm&from=${now - 3600_000}&to=${now + 1000}`,
      );
      expect(readings.status).toBe(200);
      expect(readings.body).toEqual({
        sensorId: 'wl-test-1',
        metric: 'water_level_cm',
        points: [
          [now - 60_000, 8],
          [now, 33],
        ],
        resolution: 'raw',
        unit: 'cm',
      });
      const iso = await getJson(
        app.url!,
        `/api/sensors/wl-test-1/readings?metric=water_level_cm&from=${new Date(now - 3600_000).toISOString()}&to=${new Date(now + 1000).toISOString()}`,
      );
      expect(iso.body.points).toHaveLength(2);
    });

    it('accounts for every message and reports health, stats and metrics', async () => {
      await publisher.publishAsync('citytwin/v1/sensors/wl-test-1/data', '{not json', { qos: 1 });
      const m = app.ingest!.pipeline.metrics;
      await waitFor('the bad message rejected', () => m.rejected >= 1 && app.ingest!.writer.pendingMessages === 0);
      expect(m.received).toBe(m.stored + m.rejected);
      const health = await getJson(app.url!, '/api/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
      const metrics = await (await fetch(new URL('/metrics', app.url!))).text();
      expect(metrics).toContain(`citytwin_ingest_messages_total{outcome="rejected"} ${m.rejected}`);
      expect(metrics).toMatch(/citytwin_ingest_lag_seconds \d/);
      await waitFor('a stats push', () => live.stats.length > 0);
      expect(live.stats.at(-1)).toMatchObject({ connectedClients: 1, broker: 'ok', storage: 'ok' });
      const letters = await getJson(app.url!, '/api/dead-letters?reason=invalid_json');
      expect(letters.body[0]).toMatchObject({ topic: 'citytwin/v1/sensors/wl-test-1/data', reason: 'invalid_json', payload: '{not json' });
    });

    it('answers bad API input with a 4xx JSON error', async () => {
      expect(await getJson(app.url!, '/api/sensors/no-such-sensor')).toMatchObject({
        status: 404,
        body: { error: expect.stringContaining('no-such-sensor') },
      });
      expect(await getJson(app.url!, '/api/sensors/bad%20id')).toMatchObject({
        status: 400,
        body: { error: expect.stringContaining('sensorId') },
      });
      expect(await getJson(app.url!, '/api/sensors/wl-test-1/readings')).toMatchObject({
        status: 400,
        body: { error: expect.stringContaining('metric') },
      });
      expect(await getJson(app.url!, '/api/sensors/wl-test-1/readings?metric=water_level_cm&from=yesterday')).toMatchObject({
        status: 400,
      });
      expect(await getJson(app.url!, '/api/sensors/wl-test-1/readings?metric=water_level_cm&from=2000&to=1000')).toMatchObject({
        status: 400,
      });
      expect(await getJson(app.url!, '/api/sensors?limit=0')).toMatchObject({ status: 400 });
      expect(await getJson(app.url!, '/api/nothing-here')).toMatchObject({ status: 404 });
      const post = await fetch(new URL('/api/sensors', app.url!), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(post.status).toBe(405);
    });

    it('lets a reconnecting client resume without a gap', async () => {
      const first = live.deltas.at(-1) ?? null;
      const epoch = live.snapshots[0]!.epoch;
      const lastSeq = first?.seq ?? live.snapshots[0]!.seq;
      await publisher.publishAsync(
        'citytwin/v1/sensors/wl-test-1/data',
        JSON.stringify({ ts: Date.now(), values: { water_level_cm: 12 } }),
        { qos: 1 },
      );
      await waitFor('a new delta', () => app.twin!.stream.lastSeq > lastSeq);
      const again = connectSocket(app.url!, { transports: ['websocket'], reconnection: false, auth: { token } });
      const got: DeltaMessage[] = [];
      const snaps: SnapshotMessage[] = [];
      again.on('delta', (d: DeltaMessage) => got.push(d));
      again.on('snapshot', (s: SnapshotMessage) => snaps.push(s));
      again.on('connect', () => again.emit('resume', { epoch, lastSeq }));
      await waitFor('the missed deltas', () => got.length > 0);
      again.close();
      expect(snaps).toHaveLength(0);
      expect(got[0]!.seq).toBe(lastSeq + 1);
      const stale = connectSocket(app.url!, { transports: ['websocket'], reconnection: false, auth: { token } });
      const staleSnaps: SnapshotMessage[] = [];
      stale.on('snapshot', (s: SnapshotMessage) => staleSnaps.push(s));
      stale.on('connect', () => stale.emit('resume', { epoch: 'another-epoch', lastSeq: 3 }));
      await waitFor('a fresh snapshot for an unknown epoch', () => staleSnaps.length > 0);
      stale.close();
    });
  });
}

scenario('the embedded aedes broker', async () => null);
scenario('an external Mosquitto', startMosquitto);
