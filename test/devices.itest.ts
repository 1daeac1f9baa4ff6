/**
 * Devices as they come (contracts.md v1.1), end to end on `citytwin all` with the embedded
 * broker (aedes) and the embedded ClickHouse engine: the SenML examples of RFC 8428 §5.1
 * published by real clients — `mosquitto_pub` (MQTT 3.1.1) on the sensors' topics, MQTT.js on a
 * gateway's topic — after an administrator declared the kinds the examples' devices are and
 * meta bound the devices' names. Unknown devices are kept, units converted, inconvertible
 * ones dead-lettered with their reason; an MQTT 5 client is refused with the way out.
 *
 * The examples' own times (2010, 2011) are older than the ingest keeps (30 days): they are
 * moved to now, all by the same shift (their structure unchanged); one unmoved example shows
 * the refusal.
 */
import { execFile } from 'node:child_process';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import { consoleFetch } from './support/console-client.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { RFC8428_SECTIONS, RFC_DEVICE, RFC_DEVICE_2, rfc8428Example, type Rfc8428Section } from './support/rfc8428.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('devices');
let app: RunningCityTwin;
let base: string;
let client: mqtt.MqttClient;

/** Publishes with Debian's `mosquitto_pub` (QoS 1) and resolves with its exit code and stderr. */
function mosquittoPub(url: string, topic: string, message: string, version: 'mqttv311' | 'mqttv5', id: string) {
  const { hostname, port } = new URL(url);
  const args = ['-h', hostname, '-p', port, '-V', version, '-i', id, '-q', '1', '-t', topic, '-m', message];
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile('mosquitto_pub', args, { timeout: 10_000 }, (err, _out, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
    );
  });
}

/** The example with its absolute times (≥ 2^28 s) moved so that the newest is `nowS` − 1 s. */
function rebased(section: Rfc8428Section, nowS: number): string {
  const pack = JSON.parse(rfc8428Example(section).toString('utf8')) as Array<Record<string, number>>;
  let newest = 0;
  let bt = 0;
  for (const r of pack) {
    if (r.bt !== undefined) bt = r.bt;
    const t = bt + (r.t ?? 0);
    if (t >= 2 ** 28) newest = Math.max(newest, t);
  }
  if (newest === 0) return JSON.stringify(pack);
  const shift = nowS - 1 - newest;
  return JSON.stringify(
    pack.map((r) => ({
      ...r,
      ...(r.bt !== undefined ? { bt: r.bt + shift } : {}),
      ...(r.t !== undefined && r.t >= 2 ** 28 ? { t: r.t + shift } : {}),
    })),
  );
}

async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await consoleFetch(base, path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  return { status: res.status, body: (await res.json()) as T };
}

const declare = (body: unknown) =>
  api<{ kind?: { kind: string; origin: string }; changed?: boolean; error?: string }>('/api/vocabulary/kinds', {
    method: 'POST',
    body: JSON.stringify(body),
  });

/** Stored readings of a sensor (FINAL: a reading delivered twice is one). */
async function stored(sensorId: string): Promise<Array<{ metric: string; value: number }>> {
  return queryRows<{ metric: string; value: number }>(
    app.clickhouse,
    'SELECT metric, value FROM readings FINAL WHERE sensor_id = {id:String} ORDER BY ts, metric',
    { id: sensorId },
  );
}

/** Waits until every message the ingest received is stored or rejected. */
async function settled(): Promise<void> {
  const m = app.ingest!.pipeline.metrics;
  await waitFor('every message stored or rejected', () => m.stored + m.rejected === m.received && app.ingest!.writer.pendingMessages === 0);
}

beforeAll(async () => {
  app = await startTestCity(dir.path);
  base = app.url!;
  client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'devices-gw', protocolVersion: 4 });
});

afterAll(async () => {
  await client?.endAsync();
  await app?.close();
  dir.remove();
});

describe('devices as they come, on the embedded broker', () => {
  it('an administrator declares kinds (SenML units checked, every problem listed), recorded in the audit log', async () => {
    const bad = await declare({
      kind: 'Soil Moisture',
      label: { zh: '土壤', en: 'Soil' },
      metrics: { vwc: 'percent', water_level_cm: 'm' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('kind "Soil Moisture" is not a kind name');
    expect(bad.body.error).toContain('unit "percent" is not a SenML unit');
    expect(bad.body.error).toContain('metric "water_level_cm" has the unit "cm" (v1 vocabulary), not "m"');

    const kinds = [
      {
        kind: 'rfc_multisensor',
        label: { zh: '多参数传感器', en: 'Multi-sensor' },
        metrics: { temp: 'Cel', voltage: 'V', current: 'A', humidity: '%RH', lon: 'lon', lat: 'lat', battery: '%EL' },
      },
      { kind: 'power_meter', label: { zh: '电表', en: 'Power meter' }, metrics: { voltage: 'V', current: 'A' } },
      { kind: 'room_climate', label: { zh: '室内环境', en: 'Room climate' }, metrics: { temperature: 'Cel', humidity: '%RH' } },
    ];
    for (const k of kinds) {
      const r = await declare(k);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ kind: { kind: k.kind, origin: 'admin' }, changed: true });
    }
    expect((await declare(kinds[1])).body.changed).toBe(false);

    const vocabulary = await api<{
      sensorKinds: Array<{ kind: string; origin: string; label: { zh: string } }>;
      metrics: Array<{ metric: string; unit: string }>;
    }>('/api/vocabulary');
    expect(vocabulary.body.sensorKinds.find((k) => k.kind === 'room_climate')).toMatchObject({
      origin: 'admin',
      label: { zh: '室内环境' },
    });
    expect(vocabulary.body.sensorKinds.find((k) => k.kind === 'water_level')).toMatchObject({ origin: 'v1' });
    expect(vocabulary.body.metrics.find((m) => m.metric === 'battery')).toMatchObject({ unit: '%EL' });

    const audit = await waitFor('the declarations in the audit log', async () => {
      const r = await api<{ entries: Array<{ object: string; actor: string }> }>(
        '/api/audit/entries?stream=config&action=vocabulary_kind_declared',
      );
      return r.body.entries.length === 3 ? r.body.entries : null;
    });
    expect(audit.map((e) => e.object).sort()).toEqual(['power_meter', 'rfc_multisensor', 'room_climate']);
    expect(audit.every((e) => e.actor === 'admin')).toBe(true);
  });

  it('meta binds the RFC devices to sensors; a name another sensor has is refused', async () => {
    const at = { lng: 114.3, lat: 30.55, source: 'iot-gateways' };
    const metas: Array<[string, Record<string, unknown>]> = [
      ['ms-1', { kind: 'rfc_multisensor', ...at, externalIds: [`${RFC_DEVICE}:`] }],
      ['pm-2', { kind: 'power_meter', ...at, externalIds: [RFC_DEVICE_2] }],
      ['room-2', { kind: 'room_climate', ...at, externalIds: ['2001:db8::2/'] }],
      ['thief-1', { kind: 'power_meter', ...at, externalIds: [RFC_DEVICE] }],
    ];
    for (const [id, meta] of metas)
      await client.publishAsync(`citytwin/v1/sensors/${id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
    await settled();
    const refused = await api<Array<{ topic: string; detail: string }>>('/api/dead-letters?reason=bad_schema');
    expect(refused.body.find((d) => d.topic.includes('thief-1'))?.detail).toContain(`"${RFC_DEVICE}" is the name of sensor ms-1`);
  });

  it("RFC 8428 §5.1.1–5.1.6 on the sensors' own topics with mosquitto_pub (MQTT 3.1.1): every reading stored, by unit where unnamed", async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const sends: Array<[string, Rfc8428Section]> = [
      ['ms-1', '5.1.1'],
      ['ms-1', '5.1.2a'],
      ['pm-2', '5.1.2b'],
      ['ms-1', '5.1.3'],
      ['ms-1', '5.1.4'],
      ['ms-1', '5.1.5'],
    ];
    const rejectedBefore = app.ingest!.pipeline.metrics.rejected;
    for (const [id, section] of sends) {
      const r = await mosquittoPub(
        app.mqttUrl,
        `citytwin/v1/sensors/${id}/data`,
        rebased(section, nowS),
        'mqttv311',
        `pub-${id}-${section}`,
      );
      expect(r, section).toEqual({ code: 0, stderr: '' });
    }
    await settled();
    expect(app.ingest!.pipeline.metrics.rejected).toBe(rejectedBefore);
    // §5.1.6 is a collection of two devices: one sensor's topic takes one device's records.
    expect(await mosquittoPub(app.mqttUrl, 'citytwin/v1/sensors/room-2/data', rebased('5.1.6', nowS), 'mqttv311', 'pub-room-2')).toEqual({
      code: 0,
      stderr: '',
    });
    await settled();
    const collection = await api<Array<{ topic: string; detail: string }>>('/api/dead-letters?reason=bad_schema');
    expect(collection.body[0]).toMatchObject({
      topic: 'citytwin/v1/sensors/room-2/data',
      detail: expect.stringMatching(/^record 2: SenML name "2001:db8::1\/temperature"/),
    });
    // §5.1.3 and §5.1.4 (its resolved form) are the same readings: stored once.
    const ms = await stored('ms-1');
    expect(ms.filter((r) => r.metric === 'temp').map((r) => r.value)).toEqual([23.1, 23.1]);
    expect(ms.filter((r) => r.metric === 'voltage').map((r) => r.value)).toEqual([120.1]);
    expect(ms.filter((r) => r.metric === 'humidity').map((r) => r.value)).toEqual([20, 20.3, 20.7, 21.2]);
    expect(ms.filter((r) => r.metric === 'lon')).toHaveLength(4);
    expect(ms.filter((r) => r.metric === 'battery').map((r) => r.value)).toEqual([98]);
    const texts = await queryRows<{ metric: string; value: string }>(
      app.clickhouse,
      "SELECT metric, value FROM readings_text FINAL WHERE sensor_id = 'ms-1' ORDER BY metric",
    );
    expect(texts).toEqual([
      { metric: 'label', value: 'Machine Room' },
      { metric: 'nfv-reader', value: 'aGkgCg' },
      { metric: 'open', value: 'false' },
    ]);
    // §5.1.2's second pack: base unit A for the currents, its own unit V for the voltage, times relative to bt.
    expect((await stored('pm-2')).map((r) => [r.metric, r.value])).toEqual([
      ['current', 1.2],
      ['current', 1.3],
      ['current', 1.4],
      ['current', 1.5],
      ['current', 1.6],
      ['current', 1.7],
      ['voltage', 120.1],
    ]);
    // The declared kind's sensor shows its headline (temp) in the twin and the API, with its unit.
    const detail = await api<{ kind: string; latest: Record<string, { value: number; unit: string }> }>('/api/sensors/ms-1');
    expect(detail.body.kind).toBe('rfc_multisensor');
    expect(detail.body.latest.humidity).toMatchObject({ value: 21.2, unit: '%RH' });
  });

  it("the same examples on a gateway's topic with MQTT.js: every record lands on its sensor, the unknown device of §5.1.6 is kept", async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const sourceBefore = app.ingest!.pipeline.metrics.bySource.get('gateway:gw-1')?.stored ?? 0;
    const rejectedBefore = app.ingest!.pipeline.metrics.rejected;
    for (const section of RFC8428_SECTIONS)
      await client.publishAsync('citytwin/v1/gateways/gw-1/senml', rebased(section, nowS), { qos: 1 });
    // A device nobody registered, named by its URN alone: kept under its name, the unit in the metric.
    await client.publishAsync('citytwin/v1/gateways/gw-1/senml', JSON.stringify([{ n: 'urn:dev:ow:ffff000000000001', u: 'Cel', v: 9.5 }]), {
      qos: 1,
    });
    await settled();
    expect(app.ingest!.pipeline.metrics.bySource.get('gateway:gw-1')?.stored).toBe(sourceBefore + RFC8428_SECTIONS.length + 1);
    expect(app.ingest!.pipeline.metrics.rejected).toBe(rejectedBefore);
    expect((await stored('room-2')).map((r) => [r.metric, r.value])).toEqual([
      ['humidity', 30],
      ['temperature', 25.2],
    ]);
    expect((await stored('2001-db8--1')).map((r) => [r.metric, r.value])).toEqual([
      ['humidity', 67],
      ['temperature', 12.3],
    ]);
    expect(await stored('urn-dev-ow-ffff000000000001')).toEqual([{ metric: 'value_Cel', value: 9.5 }]);
    // Its reading keeps the unit it was sent in, by the unit's SenML name.
    const urn = await api<{ latest: Record<string, { value: number; unit: string }> }>('/api/sensors/urn-dev-ow-ffff000000000001');
    expect(urn.body.latest).toEqual({ value_Cel: { value: 9.5, ts: expect.any(Number), unit: 'Cel' } });
    const unknown = await api<{ state: string; registered: boolean; latest: Record<string, { value: number; unit: string }> }>(
      '/api/sensors/2001-db8--1',
    );
    expect(unknown.body).toMatchObject({ state: 'unregistered', registered: false, latest: { temperature: { value: 12.3, unit: 'Cel' } } });
    const sources = await api<Array<{ id: string; registered: boolean; ingest: { received: number; stored: number } }>>('/api/sources');
    expect(sources.body.find((s) => s.id === 'gateway:gw-1')).toMatchObject({ registered: false });
  });

  it('converts units where convertible; dead-letters the rest naming both units, and times older than kept', async () => {
    await client.publishAsync('citytwin/v1/sensors/ms-1/data', JSON.stringify([{ bn: `${RFC_DEVICE}:`, n: 'temp', u: 'K', v: 300 }]), {
      qos: 1,
    });
    await client.publishAsync('citytwin/v1/sensors/ms-1/data', JSON.stringify([{ bn: 'ms-1:', n: 'temp', u: 'm', v: 3 }]), { qos: 1 });
    await client.publishAsync('citytwin/v1/sensors/pm-2/data', rfc8428Example('5.1.2b'), { qos: 1 });
    await settled();
    expect((await stored('ms-1')).filter((r) => r.metric === 'temp').map((r) => r.value)).toContain(26.85);
    const mismatch = await api<Array<{ topic: string; detail: string }>>('/api/dead-letters?reason=unit_mismatch');
    expect(mismatch.body[0]).toMatchObject({
      topic: 'citytwin/v1/sensors/ms-1/data',
      detail: 'record 0: temp is in "Cel"; unit "m" (length) cannot be converted to "Cel" (temperature)',
    });
    const old = await api<Array<{ topic: string; detail: string }>>('/api/dead-letters?reason=bad_time');
    expect(old.body[0]).toMatchObject({ topic: 'citytwin/v1/sensors/pm-2/data', detail: expect.stringContaining('older than 30 days') });
  });

  it('an MQTT 5 client is refused by the embedded broker, counted and named with the way out', async () => {
    const before = app.broker!.counters().unsupportedProtocol;
    const r = await mosquittoPub(app.mqttUrl, 'citytwin/v1/sensors/ms-1/data', rebased('5.1.1', 0), 'mqttv5', 'gw-mqtt5');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unsupported Protocol Version');
    expect(app.broker!.counters().unsupportedProtocol).toBe(before + 1);
    const metrics = await (await fetch(new URL('/metrics', base))).text();
    expect(metrics).toMatch(/citytwin_mqtt_unsupported_protocol_total \d+/);
  });

  it('the kinds administrators and meta declared, and the device names meta bound, are stored: a restart keeps them', async () => {
    const soil = {
      kind: 'soil_probe',
      lng: 114.3,
      lat: 30.55,
      metrics: { soil_moisture: '%' },
      externalIds: ['urn:dev:ow:5011000000000001:'],
    };
    await client.publishAsync('citytwin/v1/sensors/soil-1/meta', JSON.stringify(soil), { qos: 1, retain: true });
    await settled();
    const declared = await api<{ sensorKinds: Array<{ kind: string; origin: string }> }>('/api/vocabulary');
    expect(declared.body.sensorKinds.find((k) => k.kind === 'soil_probe')).toMatchObject({ origin: 'meta' });

    await client.endAsync();
    await app.close();
    app = await startTestCity(dir.path);
    base = app.url!;
    client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'devices-gw', protocolVersion: 4 });

    const vocabulary = await api<{ sensorKinds: Array<{ kind: string; origin: string; metrics: string[] }> }>('/api/vocabulary');
    expect(vocabulary.body.sensorKinds.find((k) => k.kind === 'soil_probe')).toMatchObject({ origin: 'meta', metrics: ['soil_moisture'] });
    expect(vocabulary.body.sensorKinds.find((k) => k.kind === 'room_climate')).toMatchObject({ origin: 'admin' });
    // The names bound by meta before the restart still pick their sensors in a gateway's pack.
    const pack = [
      { bn: 'urn:dev:ow:5011000000000001:', n: 'soil_moisture', u: '%', v: 31 },
      { bn: `${RFC_DEVICE_2}:`, n: 'current', u: 'mA', v: 2500 },
    ];
    await client.publishAsync('citytwin/v1/gateways/gw-1/senml', JSON.stringify(pack), { qos: 1 });
    await settled();
    expect(app.ingest!.pipeline.metrics.rejected).toBe(0);
    expect(await stored('soil-1')).toEqual([{ metric: 'soil_moisture', value: 31 }]);
    expect((await stored('pm-2')).filter((r) => r.metric === 'current').map((r) => r.value)).toContain(2.5);
  });
});
