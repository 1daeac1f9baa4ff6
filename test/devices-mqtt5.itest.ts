/**
 * MQTT 5 devices end to end (contracts.md "Devices as they come (v1.1)"): the embedded broker
 * (aedes 1.2) speaks MQTT 3.1.1 only, so MQTT 5 devices publish to a Mosquitto 2 started by the
 * test, which `citytwin all` subscribes to (CITYTWIN_MQTT_URL). The city is the river-town
 * package: its `noise_level` kind is declared by its vocabulary.json (not a v1 kind), and one of
 * its sensors (nz-bahnhof) carries the device names `urn:dev:ow:10e2073a0108006a:` and
 * `gw-7/noise-3` in sensors.csv. Clients: Debian's `mosquitto_pub -V mqttv5` and MQTT.js with
 * protocolVersion 5.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import { consoleFetch, type LiveView, openLiveView } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { type Mosquitto, startMosquitto } from './support/mosquitto.ts';
import { startTestCity } from './support/test-city.ts';

const RIVER_TOWN = join(import.meta.dirname, 'fixtures', 'cities', 'river-town');
const dir = tempDir('devices-mqtt5');
let mosquitto: Mosquitto;
let app: RunningCityTwin;
let base: string;
let live: LiveView | null = null;

/** Publishes with Debian's `mosquitto_pub` over MQTT 5 (QoS 1); resolves with its exit code and stderr. */
function mosquittoPub5(url: string, topic: string, message: string, id: string) {
  const { hostname, port } = new URL(url);
  const args = ['-h', hostname, '-p', port, '-V', 'mqttv5', '-i', id, '-q', '1', '-t', topic, '-m', message];
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile('mosquitto_pub', args, { timeout: 10_000 }, (err, _out, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
    );
  });
}

async function api<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await consoleFetch(base, path);
  return { status: res.status, body: (await res.json()) as T };
}

/** Stored readings of a sensor (FINAL: a reading delivered twice is one). */
function stored(sensorId: string): Promise<Array<{ metric: string; value: number }>> {
  return queryRows<{ metric: string; value: number }>(
    app.clickhouse,
    'SELECT metric, value FROM readings FINAL WHERE sensor_id = {id:String} ORDER BY ts, metric',
    { id: sensorId },
  );
}

/** Waits until every message the ingest received is stored or rejected. */
async function settled(atLeast: number): Promise<void> {
  const m = app.ingest!.pipeline.metrics;
  await waitFor(
    `${atLeast} messages received, every one stored or rejected`,
    () => m.received >= atLeast && m.stored + m.rejected === m.received && app.ingest!.writer.pendingMessages === 0,
  );
}

beforeAll(async () => {
  mosquitto = await startMosquitto();
  app = await startTestCity(dir.path, { CITYTWIN_MQTT_URL: mosquitto.url, CITYTWIN_CITY: RIVER_TOWN });
  base = app.url!;
});

afterAll(async () => {
  live?.socket.close();
  await app?.close();
  await mosquitto?.stop();
  dir.remove();
});

describe('MQTT 5 devices through Mosquitto, in a city whose package declares a kind', () => {
  it("the package's declared kind is listed by the vocabulary API with its labels and SenML unit", async () => {
    const vocabulary = await api<{
      sensorKinds: Array<{ kind: string; origin: string; label: { zh: string; en: string }; metrics: string[] }>;
      metrics: Array<{ metric: string; unit: string }>;
    }>('/api/vocabulary');
    expect(vocabulary.status).toBe(200);
    expect(vocabulary.body.sensorKinds.find((k) => k.kind === 'noise_level')).toMatchObject({
      origin: 'package',
      label: { zh: '噪声', en: 'Noise level' },
      metrics: ['noise_dba'],
    });
    expect(vocabulary.body.metrics.find((m) => m.metric === 'noise_dba')).toMatchObject({ unit: 'dB' });
  });

  it('mosquitto_pub over MQTT 5 on a sensor topic and MQTT.js 5 on a gateway topic: readings of the declared kind reach storage, the API and the live stream', async () => {
    live = await openLiveView(base);
    const received = app.ingest!.pipeline.metrics.received;
    const rejectedBefore = app.ingest!.pipeline.metrics.rejected;

    // A sensor's own topic, the device named by its sensor id.
    const sensorPack = JSON.stringify([{ bn: 'nz-markt:', n: 'noise_dba', u: 'dB', v: 61.5 }]);
    expect(await mosquittoPub5(mosquitto.url, 'citytwin/v1/sensors/nz-markt/data', sensorPack, 'noise-markt')).toEqual({
      code: 0,
      stderr: '',
    });

    // A gateway's pack: nz-bahnhof by both its names (the second by its unit alone), and a
    // device nobody registered, kept under its name.
    const gateway = await mqtt.connectAsync(mosquitto.url, { clientId: 'gw-7', protocolVersion: 5 });
    try {
      const gatewayPack = [
        { bn: 'urn:dev:ow:10e2073a0108006a:', n: 'noise_dba', u: 'dB', v: 70.25, t: -2 },
        { bn: '', n: 'gw-7/noise-3', u: 'dB', v: 71.5 },
        { bn: 'urn:dev:mac:00aabbccddeeff01:', n: 'noise_dba', u: 'dB', v: 44 },
      ];
      await gateway.publishAsync('citytwin/v1/gateways/gw-7/senml', JSON.stringify(gatewayPack), {
        qos: 1,
        properties: { contentType: 'application/senml+json' },
      });
    } finally {
      await gateway.endAsync();
    }
    await settled(received + 2);
    expect(app.ingest!.pipeline.metrics.rejected).toBe(rejectedBefore);

    expect(await stored('nz-markt')).toEqual([{ metric: 'noise_dba', value: 61.5 }]);
    expect(await stored('nz-bahnhof')).toEqual([
      { metric: 'noise_dba', value: 70.25 },
      { metric: 'noise_dba', value: 71.5 },
    ]);
    expect(await stored('urn-dev-mac-00aabbccddeeff01')).toEqual([{ metric: 'noise_dba', value: 44 }]);

    const detail = await api<{ kind: string; latest: Record<string, { value: number; unit: string }> }>('/api/sensors/nz-bahnhof');
    expect(detail.body).toMatchObject({ kind: 'noise_level', latest: { noise_dba: { value: 71.5, unit: 'dB' } } });
    const unknown = await api<{ state: string; registered: boolean }>('/api/sensors/urn-dev-mac-00aabbccddeeff01');
    expect(unknown.body).toMatchObject({ state: 'unregistered', registered: false });

    // The live stream: the sensors arrive with their declared kind and their headline value.
    const view = live;
    const kinds = await waitFor('the noise sensors on the live stream', () => {
      const k = new Map<string, string>();
      for (const s of view.snapshots.flatMap((m) => m.sensors)) k.set(s.id, s.kind);
      for (const s of view.deltas.flatMap((m) => m.added)) k.set(s.id, s.kind);
      const markt = view.view.get('nz-markt');
      const bahnhof = view.view.get('nz-bahnhof');
      return markt?.[1] === 61.5 && bahnhof?.[1] === 71.5 && k.has('nz-markt') && k.has('nz-bahnhof') ? k : null;
    });
    expect(kinds.get('nz-markt')).toBe('noise_level');
    expect(kinds.get('nz-bahnhof')).toBe('noise_level');
  });

  it("the KPI's sensor health lists a sensor of a declared kind as the register has it, whatever its meta says", async () => {
    const device = await mqtt.connectAsync(mosquitto.url, { clientId: 'noise-schule', protocolVersion: 5 });
    try {
      const meta = { kind: 'rain_gauge', lng: 15.5878704, lat: 48.1901075, name: 'renamed by the device' };
      await device.publishAsync('citytwin/v1/sensors/nz-schule/meta', JSON.stringify(meta), { qos: 1, retain: true });
    } finally {
      await device.endAsync();
    }
    const row = await waitFor('nz-schule in the sensor health drill', async () => {
      const drill = await api<{ rows: Array<Record<string, unknown>> }>('/api/kpi/drill/sensor-health?limit=5000');
      return drill.body.rows.find((r) => r.sensorId === 'nz-schule') ?? null;
    });
    expect(row).toMatchObject({ kind: 'noise_level', name: '学校噪声', source: 'env.noise' });
  });
});
