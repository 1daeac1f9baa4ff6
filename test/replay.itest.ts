/**
 * Replay equals live: the all-in-one process on embedded parts receives sensor data and a
 * hotline report over MQTT, sensors alarm, an incident opens, is acknowledged and a unit is
 * dispatched; the live state at a moment T (the twin, GET /api/sensors, /api/incidents,
 * /api/units) must equal what the replay rebuilds for T from ClickHouse — sensor states and
 * values, incidents, unit statuses — and playing the frames from an earlier keyframe up to T
 * must arrive at the same sensor states. T and the earlier keyframe are on the 10 s replay grid
 * the API snaps keyframes and frames to (docs/replay.md): the test waits for the grid point after
 * the last reading and compares there. Then the timeline's operator actions, the
 * after-action report and the export (clearance, CSV, Parquet).
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import type { IncidentView, SensorSummary, SnapshotMessage } from '../web/shared/protocol.ts';
import { decodeFrame, type EncodedFrame } from '../web/shared/replay-protocol.ts';
import { decodeDelta } from '../web/shared/delta-codec.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('replay');
let app: RunningCityTwin;
let publisher: mqtt.MqttClient;
let admin = '';
let base = '';

const SENSORS = ['wl-rp-1', 'wl-rp-2', 'wl-rp-3', 'wl-rp-4'];
/** Each sensor's water level (cm) over the last few minutes, oldest first. wl-rp-4 is sensitive. */
const SERIES: Record<string, number[]> = {
  'wl-rp-1': [12, 33, 34, 29, 28], // rose into alarm, fell back but not below the hysteresis: still alarm
  'wl-rp-2': [8, 9, 10, 9, 10], // normal
  'wl-rp-3': [10, 14, 20, 27, 28], // warning
  'wl-rp-4': [5, 6, 7, 8, 9],
};
/** Reading times, seconds before T0: spread over earlier minutes (rollup) and the current one (raw). */
const AGO_S = [170, 130, 95, 50, 3];

beforeAll(async () => {
  app = await startTestCity(dir.path, { CITYTWIN_BATCH_MAX_DELAY_MS: '50' });
  base = app.url!;
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'pub-replay' });
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
});

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

interface Live {
  at: number;
  sensors: SensorSummary[];
  incidents: IncidentView[];
  units: Array<{ id: string; status: string }>;
}

let T = 0;
let live: Live;
let incidentId = '';
/** The first grid point after the sensors registered (their meta stored), before the last readings. */
let framesFrom = 0;
const GRID_MS = 10_000;
const gridCeil = (ms: number) => Math.ceil(ms / GRID_MS) * GRID_MS;
const until = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now()) + 20));

async function storedReadings(): Promise<number> {
  const rs = await app.clickhouse.query({
    query: `SELECT count() AS n FROM readings WHERE sensor_id LIKE 'wl-rp-%'`,
    format: 'JSONEachRow',
  });
  return Number(((await rs.json()) as Array<{ n: string }>)[0]!.n);
}

describe('replay equals live', () => {
  it('records the live state at T after alarms, an incident, an acknowledgement and a dispatch', async () => {
    const t0 = Date.now();
    for (const [k, id] of SENSORS.entries()) {
      const meta = {
        kind: 'water_level',
        lng: 114.3 + k * 0.0004,
        lat: 30.55,
        classification: id === 'wl-rp-4' ? 'sensitive' : 'public',
        name: `下穿通道 ${k + 1}`,
      };
      await publisher.publishAsync(`citytwin/v1/sensors/${id}/meta`, JSON.stringify(meta), { qos: 1, retain: true });
    }
    await waitFor('the sensors registered', () => SENSORS.every((id) => app.twin!.state.byId.get(id)?.registered));
    framesFrom = gridCeil(Date.now() + 1);
    for (const [j, ago] of AGO_S.entries()) {
      for (const id of SENSORS) {
        await publisher.publishAsync(
          `citytwin/v1/sensors/${id}/data`,
          JSON.stringify({ ts: t0 - ago * 1000, values: { water_level_cm: SERIES[id]![j] } }),
          { qos: 1 },
        );
      }
    }
    await waitFor('the alarm in the twin', () => app.twin!.state.byId.get('wl-rp-1')?.state === 2);
    await publisher.publishAsync(
      'citytwin/v1/events/hotline',
      JSON.stringify({
        id: 'case-rp-1',
        ts: t0 - 20_000,
        type: 'citizen_report',
        category: 'waterlogging',
        lng: 114.3001,
        lat: 30.5501,
        severity: 3,
        text: '下穿通道积水',
      }),
      { qos: 1 },
    );
    const opened = await waitFor('the incident', () => app.twin!.activeIncidents()[0]);
    incidentId = opened.id;
    expect(
      (await call(base, admin, 'POST', `/api/incidents/${incidentId}/actions`, { action: 'acknowledge', reason: 'pump team informed' }))
        .status,
    ).toBe(200);
    const recs = await call(base, admin, 'GET', `/api/incidents/${incidentId}/recommendations`);
    expect(recs.status).toBe(200);
    const unitId = recs.body[0].unitId as string;
    const sent = await call(base, admin, 'POST', `/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    // One more reading each, as they arrive now (the frames below play these): after the grid
    // point the frames start at.
    await until(framesFrom);
    for (const id of SENSORS)
      await publisher.publishAsync(
        `citytwin/v1/sensors/${id}/data`,
        JSON.stringify({ ts: Date.now(), values: { water_level_cm: SERIES[id]!.at(-1)! + 0.5 } }),
        { qos: 1 },
      );
    await waitFor('every reading stored', async () => (await storedReadings()) >= SENSORS.length * (AGO_S.length + 1));
    await app.twin!.flushIncidents();
    await app.dispatch!.flush();

    // T: the grid point after everything above (keyframes are rebuilt on the grid).
    T = gridCeil(Date.now() + 1);
    await until(T);
    const sensors = (await call(base, admin, 'GET', '/api/sensors?limit=10000')).body.sensors as SensorSummary[];
    const incidents = (await call(base, admin, 'GET', '/api/incidents')).body as IncidentView[];
    const units = (await call(base, admin, 'GET', '/api/units')).body as Array<{ id: string; status: string }>;
    live = { at: T, sensors, incidents, units };
    // The city's register lists its own sensors from the start, besides the ones published here.
    expect(
      sensors
        .filter((s) => s.id.startsWith('wl-rp-'))
        .map((s) => s.id)
        .sort(),
    ).toEqual(SENSORS);
    expect(live.units.find((u) => u.id === unitId)!.status).toBe('dispatched');
    // The twin's own entries agree with the API.
    for (const s of sensors) expect(app.twin!.state.byId.get(s.id)!.state).toBe(s.state);
  });

  it('rebuilds the same sensor states and values, incidents and unit statuses for T from ClickHouse', async () => {
    const kf = await call(base, admin, 'GET', `/api/replay/keyframe?at=${T}`);
    expect(kf.status, JSON.stringify(kf.body).slice(0, 300)).toBe(200);
    const snapshot = kf.body.snapshot as SnapshotMessage;
    const byId = new Map(snapshot.sensors.map((s) => [s.id, s]));
    for (const s of live.sensors) {
      const r = byId.get(s.id);
      expect(r, s.id).toBeDefined();
      expect({ id: s.id, state: r!.state, value: r!.value, ts: r!.ts, lng: r!.lng, lat: r!.lat, registered: r!.registered }).toEqual({
        id: s.id,
        state: s.state,
        value: s.value,
        ts: s.ts,
        lng: s.lng,
        lat: s.lat,
        registered: s.registered,
      });
    }
    expect(byId.get('wl-rp-1')!.state).toBe(2);
    expect(byId.get('wl-rp-3')!.state).toBe(1);
    const pick = (i: IncidentView) => ({
      id: i.id,
      type: i.type,
      status: i.status,
      severity: i.severity,
      confidence: i.confidence,
      evidence: i.evidence.map((e) => e.id).sort(),
    });
    expect((kf.body.incidents as IncidentView[]).map(pick)).toEqual(live.incidents.map(pick));
    const statusOf = new Map((kf.body.units as Array<{ id: string; status: string }>).map((u) => [u.id, u.status]));
    expect(statusOf.size).toBe(live.units.length);
    for (const u of live.units) expect([u.id, statusOf.get(u.id)]).toEqual([u.id, u.status]);
    // Before the data arrived: no incident, no values.
    const before = await call(base, admin, 'GET', `/api/replay/keyframe?at=${T - 10 * 60_000}`);
    expect(before.body.incidents).toEqual([]);
    expect((before.body.snapshot as SnapshotMessage).sensors.every((s) => s.value === null)).toBe(true);
  });

  it('plays frames from an earlier keyframe to T and arrives at the same states', async () => {
    // From the grid point after the registrations (the back-dated readings above are older than them).
    const from = framesFrom;
    const kf = (await call(base, admin, 'GET', `/api/replay/keyframe?at=${from}`)).body as { snapshot: SnapshotMessage };
    const state = new Map(kf.snapshot.sensors.map((s) => [s.i, { id: s.id, state: s.state, value: s.value }]));
    const res = await call(base, admin, 'GET', `/api/replay/frames?from=${from}&to=${T}&step=5000`);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body.epoch).toBe(kf.snapshot.epoch);
    expect(res.body.source).toBe('raw');
    const frames = res.body.frames as EncodedFrame[];
    expect(frames.length).toBe(Math.ceil((T - from) / 5000));
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, k) => k + 1));
    let changes = 0;
    for (const f of frames) {
      const { index, state: st, value: val } = decodeDelta(decodeFrame(f).delta);
      for (let k = 0; k < index.length; k++) {
        const s = state.get(index[k]!)!;
        s.state = st[k]!;
        s.value = Number.isNaN(val[k]!) ? null : val[k]!;
        changes++;
      }
    }
    expect(changes).toBeGreaterThan(0);
    const liveById = new Map(live.sensors.map((s) => [s.id, s]));
    for (const s of state.values())
      expect({ id: s.id, state: s.state, value: s.value }).toEqual({
        id: s.id,
        state: liveById.get(s.id)!.state,
        value: liveById.get(s.id)!.value,
      });
    // Whole-minute steps come from the rollup.
    const rolled = await call(
      base,
      admin,
      'GET',
      `/api/replay/frames?from=${Math.floor(T / 60_000) * 60_000 - 10 * 60_000}&to=${T}&speed=1000`,
    );
    expect(rolled.body).toMatchObject({ source: 'rollup', step: 120_000 });
    expect((await call(base, admin, 'GET', `/api/replay/frames?from=${T}&to=${from}&step=5000`)).status).toBe(400);
  });

  it('puts the operator actions on the timeline and the incident changes in the events of the range', async () => {
    const res = await call(base, admin, 'GET', `/api/replay/events?from=${T - 10 * 60_000}&to=${T}`);
    expect(res.status).toBe(200);
    const actions = res.body.actions as Array<{ actor: string; what: string; source: string; automatic: boolean; incidentId: string }>;
    expect(actions.find((a) => a.source === 'incident' && a.what === 'acknowledged')).toMatchObject({
      actor: 'admin',
      automatic: false,
      incidentId,
    });
    expect(actions.find((a) => a.source === 'dispatch' && a.what === 'assign')).toMatchObject({ actor: 'admin', incidentId });
    expect(actions.some((a) => a.actor === 'twin' && a.source === 'incident')).toBe(false);
    const changes = res.body.changes as Array<{ what: string; incident: IncidentView }>;
    expect(changes[0]!.what).toBe('opened');
    expect(changes.at(-1)!.incident.status).toBe('acknowledged');
    expect(res.body.coverage.counts.reduce((a: number, b: number) => a + b, 0)).toBe(SENSORS.length * (AGO_S.length + 1));
    const sentUnit = (res.body.units as Array<{ id: string; statuses: [number, string][] }>).find((u) =>
      u.statuses.some((s) => s[1] === 'dispatched'),
    );
    expect(sentUnit).toBeDefined();
  });

  it('writes the after-action report as JSON, Markdown and HTML with a map snapshot', async () => {
    const json = await call(base, admin, 'GET', `/api/replay/incidents/${incidentId}/report`);
    expect(json.status).toBe(200);
    expect(json.body.timeline.map((h: { what: string }) => h.what)).toContain('acknowledged');
    expect(json.body.decisions.map((d: { action: string }) => d.action)).toContain('assign');
    expect(json.body.responseTimes.durations.acknowledgeS).toBeGreaterThanOrEqual(0);
    expect(json.body.range.from).toBeLessThan(json.body.incident.openedAt);
    const md = await call(base, admin, 'GET', `/api/replay/incidents/${incidentId}/report?format=md&lang=en`);
    expect(md.headers.get('content-type')).toMatch(/markdown/);
    expect(md.body).toContain(`# After-action report: ${incidentId}`);
    expect(md.body).toContain('| admin | Acknowledged |');
    const html = await call(base, admin, 'GET', `/api/replay/incidents/${incidentId}/report?format=html`);
    expect(html.body).toContain('<svg');
    expect(html.body).toContain('事后复盘报告');
    expect((await call(base, admin, 'GET', '/api/replay/incidents/inc-999999/report')).status).toBe(404);
  });

  it('exports CSV and Parquet within the clearance, and refuses what a role may not have', async () => {
    const range = `from=${T - 10 * 60_000}&to=${T + 1}`;
    const csv = await call(base, admin, 'GET', `/api/replay/export?${range}`);
    expect(csv.status).toBe(200);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('"sensor_id","kind","classification","metric","ts","ts_ms","value"');
    expect(lines.length - 1).toBe(SENSORS.length * (AGO_S.length + 1));
    expect(lines.some((l) => l.startsWith('"wl-rp-4","water_level","sensitive"'))).toBe(true);
    const open = await call(base, admin, 'GET', `/api/replay/export?${range}&classes=public`);
    expect((open.body as string).includes('wl-rp-4')).toBe(false);
    const pq = await fetch(new URL(`/api/replay/export?${range}&format=parquet`, base), { headers: { authorization: `Bearer ${admin}` } });
    const bytes = Buffer.from(await pq.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(bytes.subarray(-4).toString('latin1')).toBe('PAR1');

    for (const [role, pw] of [
      ['leader', 'pw-for-leader-1234'],
      ['display', 'pw-for-display-1234'],
    ] as const) {
      expect((await call(base, admin, 'POST', '/api/users', { username: `${role}-rp`, roles: [role], password: pw })).status).toBe(200);
    }
    const leader = await login(base, 'leader-rp', 'pw-for-leader-1234');
    expect((await call(base, leader, 'GET', `/api/replay/keyframe?at=${T}`)).status).toBe(200);
    const leaderIds = ((await call(base, leader, 'GET', `/api/replay/keyframe?at=${T}`)).body.snapshot as SnapshotMessage).sensors.map(
      (s) => s.id,
    );
    expect(leaderIds).not.toContain('wl-rp-4');
    expect((await call(base, leader, 'GET', `/api/replay/export?${range}`)).status).toBe(403);
    const display = await login(base, 'display-rp', 'pw-for-display-1234');
    expect((await call(base, display, 'GET', `/api/replay/keyframe?at=${T}`)).status).toBe(403);
  });
});
