/**
 * The KPI screen's figures against the data (docs/kpi.md): known data goes in through the real
 * paths — sensor registrations, readings, hotline cases and reports over MQTT, operator and
 * dispatcher actions over the API — and, for last week (which no live path can write), straight
 * into ClickHouse. Then every figure of `GET /api/kpi/summary`, which reads the rollups, is
 * checked against a direct computation on the raw tables (SQL with FINAL, or the response-time
 * code of twin-model run on the stored incident changes and dispatch log), and every drill-down
 * against its figure. A leader gets the same aggregates as an admin, but no sensitive rows.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { decodeIncidentSnapshot, queryRows } from '../storage/index.ts';
import { responseTimesOf, summarizeResponseTimes } from '../twin-model/dispatch/response-times.ts';
import { KIND_METRICS, type Incident, type IncidentChange } from '../twin-model/index.ts';
import type { KpiDrill, KpiSummary } from '../web/server/kpi/kpi-routes.ts';
import { dayStartOf, HOUR_MS, kpiWindows, STEP_DURATION, WEEK_MS } from '../web/server/kpi/kpi-model.ts';
import { KpiStore } from '../storage/kpi-store.ts';
import type { RecommendationView } from '../web/shared/protocol.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('kpi');
let app: RunningCityTwin;
let publisher: mqtt.MqttClient;
let admin: string;
let leader: string;
let T = 0;
let summary: KpiSummary;

const now = () => Date.now();
const pub = (topic: string, body: unknown) =>
  publisher.publishAsync(topic, typeof body === 'string' ? body : JSON.stringify(body), { qos: 1 });
const api = async <B = any>(method: string, path: string, body?: unknown, token = admin): Promise<{ status: number; body: B }> =>
  call(app.url!, token, method, path, body);
const ch = <R>(sql: string, params: Record<string, unknown> = {}) => queryRows<R>(app.clickhouse, sql, params);

/** Places far enough apart (> 3 km) that each report opens its own incident. */
const PLACES = [
  { lng: 114.31, lat: 30.555, category: 'waterlogging' },
  { lng: 114.27, lat: 30.6, category: 'waterlogging' },
  { lng: 114.36, lat: 30.52, category: 'power' },
  { lng: 114.2, lat: 30.57, category: 'crowd' },
  { lng: 114.42, lat: 30.6, category: 'waterlogging' },
];

async function storedCount(sql: string): Promise<number> {
  const [r] = await ch<{ n: string }>(sql);
  return Number(r?.n ?? 0);
}

/** An incident change row as the incident store writes it (for the days the live path cannot reach). */
function changeRow(
  id: string,
  seq: number,
  at: number,
  what: string,
  incident: Partial<Incident> & { type: Incident['type']; status: Incident['status']; openedAt: number },
) {
  const full = {
    id,
    lng: 114.3,
    lat: 30.58,
    district: '420106',
    assetId: null,
    severity: 3,
    severityPinned: false,
    confidence: 0.8,
    updatedAt: at,
    lastEvidenceAt: at,
    resolutionProposed: false,
    evidence: [],
    ...incident,
  };
  return [id, seq, at, 'kpi-test', what, '', full.type, full.status, JSON.stringify(full)];
}

beforeAll(async () => {
  app = await startTestCity(dir.path);
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'kpi-itest' });
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
  expect(
    (await api('POST', '/api/users', { username: 'kpi-leader', roles: ['leader'], password: 'leader-password-1' })).status,
  ).toBeLessThan(300);
  leader = await login(app.url!, 'kpi-leader', 'leader-password-1');

  const city = app.city!;
  const t0 = now();
  const dayStart = dayStartOf(t0, city.timezone!);
  /** A moment `min` minutes ago, but never before today's start (the test may run just after midnight). */
  const earlier = (min: number) => Math.max(dayStart + 1000, t0 - min * 60_000);

  // --- sensors: registered over MQTT (retained meta), some online (fresh readings), some offline (an hour old) ---
  const sites = city.sensorSites.filter((s) => s.kind !== 'service_hall').slice(0, 40);
  const halls = city.sensorSites.filter((s) => s.kind === 'service_hall').slice(0, 6);
  for (const [i, s] of [...sites, ...halls].entries()) {
    // Two sensors carry their own `sensitive` classification: counted in the aggregates, never listed for a leader.
    const classification = i < 2 ? { classification: 'sensitive' } : {};
    await pub(`citytwin/v1/sensors/${s.id}/meta`, {
      kind: s.kind,
      lng: s.lng,
      lat: s.lat,
      name: s.nameZh,
      district: s.district,
      source: s.sourceId,
      ...classification,
    });
  }
  for (const [i, s] of sites.entries()) {
    const ts = i % 3 === 0 ? t0 - 60 * 60_000 : t0 - 1000 * i;
    const metric = KIND_METRICS[s.kind][0]!;
    await pub(`citytwin/v1/sensors/${s.id}/data`, { ts, values: { [metric]: 1 + i } });
  }
  for (const [i, s] of halls.entries()) {
    // Two readings each: the KPI shows the newer one.
    await pub(`citytwin/v1/sensors/${s.id}/data`, { ts: t0 - 120_000, values: { queue_length: 100 + i, wait_min: 50 } });
    await pub(`citytwin/v1/sensors/${s.id}/data`, { ts: t0 - 60_000 + i, values: { queue_length: 10 * (i + 1), wait_min: 5 + i } });
  }
  // Rejected messages: malformed payloads.
  for (let i = 0; i < 3; i++) await pub(`citytwin/v1/sensors/${sites[0]!.id}/data`, '{not json');

  // --- hotline cases today over MQTT (about noise and street lights: no incident rule opens on them); one delivered twice (counts once) ---
  for (let i = 0; i < 5; i++) {
    const body = {
      id: `kpi-h${i}`,
      ts: earlier(5 + i),
      type: 'citizen_report',
      category: i % 2 ? 'noise' : 'street_light',
      lng: 114.05 + 0.01 * i,
      lat: 30.45,
      severity: 2,
      text: `热线 ${i}`,
    };
    await pub('citytwin/v1/events/hotline-12345', body);
    if (i === 0) await pub('citytwin/v1/events/hotline-12345', body);
  }

  // --- incidents today: manual reports open them; operators and dispatchers act on them over the API ---
  for (const [i, p] of PLACES.entries()) {
    await pub('citytwin/v1/events/field-staff', {
      id: `kpi-m${i}`,
      ts: now(),
      type: 'manual_report',
      category: p.category,
      lng: p.lng,
      lat: p.lat,
      severity: 4,
    });
  }
  const opened = await waitFor(
    'five incidents',
    () => (app.twin!.activeIncidents().length >= PLACES.length ? app.twin!.activeIncidents() : null),
    30_000,
  );
  const near = (p: (typeof PLACES)[number]) =>
    opened.slice().sort((a, b) => Math.hypot(a.lng - p.lng, a.lat - p.lat) - Math.hypot(b.lng - p.lng, b.lat - p.lat))[0]!.id;
  const [a, b, c, d] = [near(PLACES[0]!), near(PLACES[1]!), near(PLACES[2]!), near(PLACES[3]!)];
  const act = async (id: string, action: string) =>
    expect((await api('POST', `/api/incidents/${id}/actions`, { action })).status).toBe(200);
  await act(a, 'acknowledge');
  await act(b, 'acknowledge');
  await act(c, 'acknowledge');
  await act(d, 'false_alarm');
  // Incident a: a unit is sent, drives, arrives; then the incident is resolved.
  const recs = await api<RecommendationView[]>('GET', `/api/incidents/${a}/recommendations`);
  expect(recs.status).toBe(200);
  const unit = recs.body[0]!.unitId;
  expect((await api('POST', `/api/incidents/${a}/dispatch`, { unitIds: [unit] })).status).toBe(200);
  expect((await api('POST', `/api/units/${unit}/status`, { status: 'en_route' })).status).toBe(200);
  expect((await api('POST', `/api/units/${unit}/status`, { status: 'on_scene' })).status).toBe(200);
  await act(a, 'resolve');
  await act(c, 'resolve');

  // --- earlier today and last week: written straight into ClickHouse, as the incident store would ---
  const lastWeek = t0 - WEEK_MS;
  const lastWeekDayStart = dayStartOf(lastWeek, city.timezone!);
  /** `ms` before this moment last week, but never before that day's start (as `earlier` for today). */
  const beforeLastWeek = (ms: number) => Math.max(lastWeekDayStart + 1000, lastWeek - ms);
  const rows = [
    changeRow('inc-900001', 900001, earlier(90), 'opened', { type: 'fire', status: 'open', openedAt: earlier(90), district: '420102' }),
    changeRow('inc-900001', 900002, earlier(86), 'acknowledged', {
      type: 'fire',
      status: 'acknowledged',
      openedAt: earlier(90),
      district: '420102',
    }),
    changeRow('inc-900001', 900003, earlier(20), 'resolved', {
      type: 'fire',
      status: 'resolved',
      openedAt: earlier(90),
      district: '420102',
    }),
    changeRow('inc-900002', 900004, earlier(70), 'opened', {
      type: 'waterlogging',
      status: 'open',
      openedAt: earlier(70),
      district: '420104',
    }),
    changeRow('inc-900002', 900005, earlier(61), 'acknowledged', {
      type: 'waterlogging',
      status: 'acknowledged',
      openedAt: earlier(70),
      district: '420104',
    }),
    ...[0, 1, 2].flatMap((k) => [
      changeRow(`inc-80000${k}`, 800000 + 2 * k, beforeLastWeek((k + 1) * HOUR_MS), 'opened', {
        type: 'waterlogging',
        status: 'open',
        openedAt: beforeLastWeek((k + 1) * HOUR_MS),
        district: '420103',
      }),
      changeRow(`inc-80000${k}`, 800001 + 2 * k, beforeLastWeek(k * HOUR_MS), 'closed', {
        type: 'waterlogging',
        status: 'closed',
        openedAt: beforeLastWeek((k + 1) * HOUR_MS),
        district: '420103',
      }),
    ]),
  ];
  // Each direct insert carries its own deduplication token: without one, the engine may judge it a
  // retry of an earlier insert (the embedded connection keeps the last token it was given).
  await app.clickhouse.insert({
    table: 'incident_changes',
    values: rows,
    format: 'JSONCompactEachRow',
    clickhouse_settings: { insert_deduplication_token: `kpi-itest-changes-${t0}` },
  });
  const hotlineLastWeek = [0, 1, 2, 3].map((k) => ({
    source: 'hotline-12345',
    id: `kpi-lw${k}`,
    ts: lastWeek - k * 40 * 60_000,
    type: 'citizen_report',
    category: 'waterlogging',
    lng: 114.3,
    lat: 30.5,
    severity: 2,
    text: '上周',
    received_at: lastWeek,
  }));
  await app.clickhouse.insert({
    table: 'events',
    values: hotlineLastWeek,
    format: 'JSONEachRow',
    clickhouse_settings: { insert_deduplication_token: `kpi-itest-events-${t0}` },
  });

  // --- everything stored ---
  await app.twin!.flushIncidents();
  await app.dispatch!.flush();
  await waitFor(
    'readings stored',
    async () => (await storedCount(`SELECT count() AS n FROM readings`)) >= sites.length + halls.length * 4 || null,
    30_000,
  );
  await waitFor(
    'hotline cases stored',
    async () => (await storedCount(`SELECT uniqExact(id) AS n FROM events WHERE id LIKE 'kpi-h%'`)) >= 5 || null,
    30_000,
  );
  await waitFor('dead letters stored', async () => (await storedCount(`SELECT count() AS n FROM dead_letters`)) >= 3 || null, 30_000);
  await waitFor(
    'registry stored',
    async () => (await storedCount(`SELECT count() AS n FROM sensors FINAL`)) >= sites.length + halls.length || null,
    30_000,
  );
  T = now();
  const res = await api<KpiSummary>('GET', `/api/kpi/summary?at=${T}`);
  expect(res.status).toBe(200);
  summary = res.body;
}, 180_000);

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

const drill = async (path: string, token = admin): Promise<KpiDrill> => {
  const sep = path.includes('?') ? '&' : '?';
  const res = await api<KpiDrill>('GET', `/api/kpi/drill/${path}${sep}at=${T}&limit=5000`, undefined, token);
  expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(200);
  return res.body;
};

/** Every stored incident change, read as the incident store reads them (its versioned snapshot decoded). */
async function storedChanges(): Promise<IncidentChange[]> {
  const rows = await ch<{ incident_id: string; ms: string; actor: string; what: IncidentChange['what']; detail: string; incident: string }>(
    `SELECT incident_id, toUnixTimestamp64Milli(at) AS ms, actor, what, detail, incident FROM incident_changes FINAL ORDER BY incident_id, seq`,
  );
  return rows.map((r) => ({
    incidentId: r.incident_id,
    at: Number(r.ms),
    actor: r.actor,
    what: r.what,
    detail: r.detail,
    incident: decodeIncidentSnapshot(r.incident, `of ${r.incident_id}`),
  }));
}

describe('open incidents', () => {
  it('match the latest stored status of every incident, by type and district', async () => {
    const rows = await ch<{ id: string; s: string; t: string; d: string }>(
      `SELECT incident_id AS id, argMax(status, seq) AS s, argMax(type, seq) AS t, JSONExtractString(argMax(incident, seq), 'district') AS d
       FROM incident_changes FINAL WHERE at <= fromUnixTimestamp64Milli({t:Int64}) GROUP BY incident_id`,
      { t: T },
    );
    const open = rows.filter((r) => r.s === 'open' || r.s === 'acknowledged');
    expect(open.length).toBeGreaterThanOrEqual(3);
    expect(summary.openIncidents.total).toBe(open.length);
    // The live twin agrees (the synthetic incident inc-900002 lives only in the store).
    expect(summary.openIncidents.total).toBe(app.twin!.activeIncidents().length + 1);
    const tally = (keys: string[]) => Object.fromEntries([...new Set(keys)].map((k) => [k, keys.filter((x) => x === k).length]));
    expect(Object.fromEntries(summary.openIncidents.byType.map((r) => [r.type, r.n]))).toEqual(tally(open.map((r) => r.t)));
    expect(Object.fromEntries(summary.openIncidents.byDistrict.map((r) => [r.district, r.n]))).toEqual(tally(open.map((r) => r.d)));
    expect(summary.openIncidents.cells.reduce((s, c) => s + c.n, 0)).toBe(open.length);
    expect(summary.openIncidents.points.map((p) => p.id).sort()).toEqual(open.map((r) => r.id).sort());
  });

  it('at every past moment, equal the open rule applied to every merged incident (no incident left out by the pre-filter)', async () => {
    const q = new KpiStore(app.clickhouse);
    const moments = await ch<{ ms: string }>(
      `SELECT DISTINCT toUnixTimestamp64Milli(at) AS ms FROM incident_changes UNION DISTINCT SELECT DISTINCT toUnixTimestamp64Milli(at) AS ms FROM dispatch_log`,
    );
    const times = [...new Set(moments.flatMap((m) => [Number(m.ms) - 1, Number(m.ms)]))].sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(4);
    for (const t of [...times, T]) {
      const direct = await ch<{ id: string }>(
        `SELECT incident_id AS id FROM (
           SELECT incident_id, argMaxMerge(status) AS st, min(detected_at) AS det, max(ended_at) AS ended FROM incident_marks GROUP BY incident_id)
         WHERE det <= fromUnixTimestamp64Milli({t:Int64}, 'UTC') AND (st IN ('open', 'acknowledged') OR ended IS NULL OR ended > fromUnixTimestamp64Milli({t:Int64}, 'UTC'))
         ORDER BY id`,
        { t },
      );
      const ids = direct.map((r) => r.id);
      expect((await q.openIncidentPoints(kpiWindows(t, app.city!.timezone!))).map((p) => p.id).sort(), `at ${t}`).toEqual(ids);
      expect((await q.openIncidents(kpiWindows(t, app.city!.timezone!))).map((p) => p.incidentId).sort(), `at ${t}`).toEqual(ids);
    }
  });

  it('drill down to the same incidents, also per type and district', async () => {
    const all = await drill('open-incidents');
    expect(all.total).toBe(summary.openIncidents.total);
    for (const { type, n } of summary.openIncidents.byType) expect((await drill(`open-incidents?type=${type}`)).total).toBe(n);
    for (const { district, n } of summary.openIncidents.byDistrict)
      expect((await drill(`open-incidents?district=${district}`)).total).toBe(n);
  });
});

describe('response times', () => {
  it('equal the response-time code run on the stored incident changes and dispatch log', async () => {
    const log = await app.dispatch!.logEntries({});
    expect(log.some((e) => e.action === 'assign')).toBe(true);
    const today = responseTimesOf(await storedChanges(), log).filter(
      (r) => r.detectedAt !== null && r.detectedAt >= summary.dayStart && r.detectedAt <= T,
    );
    const direct = summarizeResponseTimes(today);
    expect(summary.responseTimes.incidents).toBe(today.length);
    for (const step of summary.responseTimes.steps) {
      const d = direct[STEP_DURATION[step.step]];
      expect([step.step, step.count]).toEqual([step.step, d.count]);
      if (d.count === 0) {
        expect(step.medianS).toBeNull();
        continue;
      }
      expect(step.medianS).toBeCloseTo(d.medianS, 3);
      expect(step.p90S).toBeCloseTo(d.p90S, 3);
    }
    // The data has every step at least once (the KPI is not vacuous).
    expect(summary.responseTimes.steps.every((s) => s.count > 0)).toBe(true);
  });

  it('drill down to the incidents behind each step', async () => {
    for (const step of summary.responseTimes.steps) {
      const rows = await drill(`response-times?step=${step.step}`);
      expect([step.step, rows.total]).toEqual([step.step, step.count]);
    }
  });
});

describe('incidents today vs. the same day last week', () => {
  it('count detections per hour as the stored changes say', async () => {
    const changes = await storedChanges();
    const detected = new Map<string, number>();
    for (const c of changes) if (!detected.has(c.incidentId)) detected.set(c.incidentId, c.incident.openedAt);
    const times = [...detected.values()];
    const lwAt = T - WEEK_MS;
    const lwStart = summary.dayStart - WEEK_MS;
    expect(summary.incidentsToday.todaySoFar).toBe(times.filter((t) => t >= summary.dayStart && t <= T).length);
    expect(summary.incidentsToday.lastWeekSoFar).toBe(times.filter((t) => t >= lwStart && t <= lwAt).length);
    const slots = (from: number, to: number) =>
      Array.from({ length: 24 }, (_, h) => times.filter((t) => t >= from + h * HOUR_MS && t < from + (h + 1) * HOUR_MS && t <= to).length);
    expect(summary.incidentsToday.today).toEqual(slots(summary.dayStart, T));
    expect(summary.incidentsToday.lastWeek).toEqual(slots(lwStart, lwStart + 24 * HOUR_MS));
    expect(summary.incidentsToday.lastWeek.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const today = await drill('incidents-today');
    expect(today.total).toBe(summary.incidentsToday.todaySoFar);
    const hour = summary.incidentsToday.lastWeek.findIndex((n) => n > 0);
    expect((await drill(`incidents-today?day=lastWeek&hour=${hour}`)).total).toBe(summary.incidentsToday.lastWeek[hour]);
  });
});

describe('sensor health', () => {
  it('equals the registry joined with the raw readings of the last 15 minutes, per source', async () => {
    const rows = await ch<{ source: string; registered: string; online: string }>(
      `SELECT s.source AS source, count() AS registered, countIf(r.last > fromUnixTimestamp64Milli({since:Int64})) AS online
       FROM (SELECT sensor_id, source FROM sensors FINAL WHERE deleted = 0) AS s
       LEFT JOIN (SELECT sensor_id, max(ts) AS last FROM readings FINAL WHERE entity = 'sensor' AND ts <= fromUnixTimestamp64Milli({t:Int64}) GROUP BY sensor_id) AS r USING sensor_id
       GROUP BY source ORDER BY source`,
      { t: T, since: T - 15 * 60_000 },
    );
    const direct = Object.fromEntries(rows.map((r) => [r.source, [Number(r.registered), Number(r.online)]]));
    expect(Object.fromEntries(summary.sensorHealth.bySource.map((s) => [s.source, [s.registered, s.online]]))).toEqual(direct);
    const registered = rows.reduce((s, r) => s + Number(r.registered), 0);
    const online = rows.reduce((s, r) => s + Number(r.online), 0);
    expect([summary.sensorHealth.registered, summary.sensorHealth.online]).toEqual([registered, online]);
    expect(online).toBeGreaterThan(0);
    expect(online).toBeLessThan(registered);
    expect(summary.sensorHealth.byDepartment.reduce((s, d) => s + d.registered, 0)).toBe(registered);
  });

  it('drill down to every sensor for an admin, and to all but the sensitive ones for a leader', async () => {
    const all = await drill('sensor-health');
    expect([all.total, all.hidden]).toEqual([summary.sensorHealth.registered, 0]);
    expect((await drill('sensor-health?status=online')).total).toBe(summary.sensorHealth.online);
    const asLeader = await drill('sensor-health', leader);
    expect(asLeader.hidden).toBeGreaterThanOrEqual(2);
    expect(asLeader.total + asLeader.hidden).toBe(summary.sensorHealth.registered);
    expect(asLeader.rows.every((r) => r.classification !== 'sensitive')).toBe(true);
    // The leader's aggregates are the same numbers.
    const leaderSummary = (await api<KpiSummary>('GET', `/api/kpi/summary?at=${T}`, undefined, leader)).body;
    expect(leaderSummary.sensorHealth).toEqual(summary.sensorHealth);
    const source = summary.sensorHealth.bySource[0]!;
    expect((await drill(`sensor-health?source=${source.source}`)).total).toBe(source.registered);
  });
});

describe('ingest health', () => {
  it('counts the stored dead letters of the last hour, per minute', async () => {
    const n = await storedCount(
      `SELECT count() AS n FROM dead_letters WHERE received_at >= toStartOfMinute(fromUnixTimestamp64Milli(${T - 3_600_000})) AND received_at <= fromUnixTimestamp64Milli(${T})`,
    );
    expect(n).toBeGreaterThanOrEqual(3);
    expect(summary.ingest.deadLetters.total).toBe(n);
    expect(summary.ingest.deadLetters.perMinute.reduce((a, b) => a + b, 0)).toBe(n);
    expect(summary.ingest.rejectedTotal).toBeGreaterThanOrEqual(3);
    expect((await drill('dead-letters')).total).toBe(n);
  });
});

describe('hotline cases', () => {
  it('count distinct stored cases per hour, today and on the same day last week', async () => {
    const rows = await ch<{ ms: string }>(`SELECT toUnixTimestamp64Milli(ts) AS ms FROM events FINAL WHERE type = 'citizen_report'`);
    const ts = rows.map((r) => Number(r.ms));
    const hourOf = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;
    const lwStart = summary.dayStart - WEEK_MS;
    expect(summary.hotline.todaySoFar).toBe(ts.filter((t) => t >= summary.dayStart && hourOf(t) <= hourOf(T)).length);
    expect(summary.hotline.todaySoFar).toBe(5);
    expect(summary.hotline.lastWeekSoFar).toBe(ts.filter((t) => t >= lwStart && hourOf(t) <= hourOf(T - WEEK_MS)).length);
    expect(summary.hotline.lastWeek.reduce((a, b) => a + b, 0)).toBe(ts.filter((t) => t >= lwStart && t < lwStart + 24 * HOUR_MS).length);
    expect(summary.hotline.byCategory.reduce((s, c) => s + c.n, 0)).toBe(5);
    expect((await drill('hotline')).total).toBe(summary.hotline.todaySoFar);
  });
});

describe('service-hall queues', () => {
  it('show the newest stored value of each hall', async () => {
    const rows = await ch<{ id: string; metric: string; v: number }>(
      `SELECT sensor_id AS id, metric, argMax(value, ts) AS v FROM readings FINAL
       WHERE metric IN ('queue_length', 'wait_min') AND ts > fromUnixTimestamp64Milli({since:Int64}) AND ts <= fromUnixTimestamp64Milli({t:Int64})
       GROUP BY sensor_id, metric`,
      { t: T, since: T - 15 * 60_000 },
    );
    const queues = rows.filter((r) => r.metric === 'queue_length').map((r) => Number(r.v));
    const waits = rows.filter((r) => r.metric === 'wait_min').map((r) => Number(r.v));
    expect(queues.length).toBe(6);
    expect(summary.serviceHalls.halls).toBe(new Set(rows.map((r) => r.id)).size);
    expect(summary.serviceHalls.queueTotal).toBe(queues.reduce((a, b) => a + b, 0));
    expect(summary.serviceHalls.waitMinMax).toBe(Math.max(...waits));
    expect(summary.serviceHalls.waitMinMean).toBeCloseTo(waits.reduce((a, b) => a + b, 0) / waits.length, 9);
    const halls = await drill('service-halls');
    expect(halls.total + halls.hidden).toBe(summary.serviceHalls.halls);
    expect(halls.rows.reduce((s, r) => s + Number(r.queue ?? 0), 0)).toBe(summary.serviceHalls.queueTotal);
  });
});

describe('access', () => {
  it('is refused without kpi.read and for an unknown KPI', async () => {
    expect((await call(app.url!, null, 'GET', '/api/kpi/summary')).status).toBe(401);
    expect((await api('GET', '/api/kpi/drill/nonsense')).status).toBe(400);
  });
});
