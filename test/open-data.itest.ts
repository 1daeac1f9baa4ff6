/**
 * The open-data portal on a started product (embedded broker and ClickHouse, nothing
 * substituted): the catalogue, every format of every dataset, API keys and rate limits (429 with
 * Retry-After, then recovery), and the WALK: sensors, readings and reports above `public` are
 * seeded with markers — hospital and police sources under dataset kinds, a public source raised
 * by its meta, unsourced sensors, internal service halls, hotline report text, internal camera
 * ids — then every dataset × every format × every parameter variant (districts, ranges, limits,
 * unknown parameters, injection attempts) is requested, and any marker in any answer fails.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { queryRows } from '../storage/index.ts';
import type { SensorKind } from '../twin-model/index.ts';
import { DATASETS } from '../web/server/open-data/catalogue.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('open-data');
let app: RunningCityTwin;
let base: string;
let admin: string;
let walkKey: string;
let publisher: mqtt.MqttClient;
const RUN = Date.now().toString(36);
const ANON_PER_MIN = 6;

/** Strings that must never appear in an open-data answer. */
const markers: Array<{ value: string; what: string }> = [];
const mark = (what: string, value: string) => {
  markers.push({ value, what });
  return value;
};
let district = '';
let otherDistrict = '';
/** Where the public water-level sensor raises an incident of its own. */
let waterDistrict = '';
const publicAir = `od-air-public-${RUN}`;
const publicRain = `od-rain-public-${RUN}`;

async function openGet(path: string, key: string | null = walkKey): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(new URL(path, base), { headers: key ? { 'x-api-key': key } : {} });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/**
 * The rate limits' clock: the real one, except while the rate-limit test counts requests (held
 * still, so no token comes back however slowly the machine answers) and then moves it on.
 */
const limitClock = { heldAt: null as number | null, offsetMs: 0 };
const limitNow = () => (limitClock.heldAt ?? Date.now()) + limitClock.offsetMs;

beforeAll(async () => {
  app = await startTestCity(
    dir.path,
    {
      CITYTWIN_SENSORS: '100',
      CITYTWIN_BATCH_MAX_DELAY_MS: '50',
      CITYTWIN_OPEN_DATA_ANON_PER_MIN: String(ANON_PER_MIN),
    },
    { openDataNow: limitNow },
  );
  base = app.url!;
  admin = await login(base, 'admin', TEST_ADMIN_PASSWORD);
  const created = await call(base, admin, 'POST', '/api/open/keys', { owner: 'walk', perMinute: 100_000 });
  expect(created.status).toBe(200);
  walkKey = created.body.key;
  const [d0, d1, d2] = app.city!.districts;
  district = d0!.code;
  otherDistrict = d1!.code;
  waterDistrict = d2!.code;
  const [lng, lat] = d0!.seat;
  publisher = await mqtt.connectAsync(app.mqttUrl, { clientId: 'open-data-walk' });
  const pub = (topic: string, body: unknown, retain = false) => publisher.publishAsync(topic, JSON.stringify(body), { qos: 1, retain });

  // Sensors: two public ones, and above-public ones of the datasets' own kinds.
  const sensors: Array<{
    id: string;
    kind: SensorKind;
    source?: string;
    classification?: string;
    name: string;
    values: Record<string, number>;
    at?: { code: string; seat: [number, number] };
  }> = [
    // Incidents: one born of public sensors only, one of internal sensors only (two gauges each: one alone is not enough).
    ...[1, 2].map((n) => ({
      id: `od-water-public-${n}-${RUN}`,
      kind: 'water_level' as const,
      source: 'swj.rain-gauges',
      name: `od-water-name-${n}-${RUN}`,
      values: { water_level_cm: 45 },
      at: { code: d2!.code, seat: d2!.seat as [number, number] },
    })),
    ...[1, 2].map((n) => ({
      id: mark('internal water-level sensor', `od-water-internal-${n}-${RUN}`),
      kind: 'water_level' as const,
      source: 'swj.waterlogging',
      name: mark('internal water-level sensor name', `od-water-internal-name-${n}-${RUN}`),
      values: { water_level_cm: 46 },
      at: { code: d1!.code, seat: d1!.seat as [number, number] },
    })),
    { id: publicAir, kind: 'air_quality', source: 'sthjj.air-quality', name: `od-air-name-${RUN}`, values: { aqi: 42.125, pm25: 18.5 } },
    { id: publicRain, kind: 'rain_gauge', source: 'swj.rain-gauges', name: `od-rain-name-${RUN}`, values: { rainfall_mm_h: 3.25 } },
    {
      id: mark('air sensor of the hospital source (sensitive)', `od-hosp-${RUN}`),
      kind: 'air_quality',
      source: 'wjw.hospital-ed',
      name: mark('hospital sensor name', `od-hosp-name-${RUN}`),
      values: { aqi: Number(mark('hospital sensor value', '901.375')) },
    },
    {
      id: mark('air sensor of the police video source (sensitive)', `od-police-${RUN}`),
      kind: 'air_quality',
      source: 'gaj.public-video',
      name: mark('police sensor name', `od-police-name-${RUN}`),
      values: { aqi: Number(mark('police sensor value', '902.375')) },
    },
    {
      id: mark('public-source air sensor raised to sensitive by its meta', `od-raised-${RUN}`),
      kind: 'air_quality',
      source: 'sthjj.air-quality',
      classification: 'sensitive',
      name: mark('raised sensor name', `od-raised-name-${RUN}`),
      values: { aqi: Number(mark('raised sensor value', '903.375')) },
    },
    {
      id: mark('air sensor without a source (internal)', `od-nosource-${RUN}`),
      kind: 'air_quality',
      name: mark('unsourced sensor name', `od-nosource-name-${RUN}`),
      values: { aqi: Number(mark('unsourced sensor value', '904.375')) },
    },
    {
      id: mark('rain gauge of the waterlogging source (internal)', `od-wl-${RUN}`),
      kind: 'rain_gauge',
      source: 'swj.waterlogging',
      name: mark('internal gauge name', `od-wl-name-${RUN}`),
      values: { rainfall_mm_h: Number(mark('internal gauge value', '905.375')) },
    },
    {
      id: mark('service hall (internal source)', `od-hall-${RUN}`),
      kind: 'service_hall',
      source: 'zwfw.service-hall-queues',
      name: mark('service hall name', `od-hall-name-${RUN}`),
      values: { queue_length: Number(mark('service hall queue', '906.375')), wait_min: 12 },
    },
    {
      id: mark('hospital ED (sensitive)', `od-ed-${RUN}`),
      kind: 'hospital_ed',
      source: 'wjw.hospital-ed',
      classification: 'public',
      name: mark('hospital ED name', `od-ed-name-${RUN}`),
      values: { occupancy_pct: Number(mark('hospital ED occupancy', '97.375')) },
    },
  ];
  for (const [i, s] of sensors.entries())
    await pub(
      `citytwin/v1/sensors/${s.id}/meta`,
      {
        kind: s.kind,
        lng: (s.at?.seat[0] ?? lng) + 0.001 * (i + 1),
        lat: (s.at?.seat[1] ?? lat) + 0.0005,
        district: s.at?.code ?? district,
        name: s.name,
        ...(s.source ? { source: s.source } : {}),
        ...(s.classification ? { classification: s.classification } : {}),
      },
      true,
    );
  // Readings only once the registry and the classification dictionary know every sensor.
  const ids = sensors.map((s) => `'${s.id}'`).join(',');
  await waitFor(
    'sensors classified',
    async () =>
      Number(
        (
          await queryRows<{ n: string }>(
            app.clickhouse,
            `SELECT count() AS n FROM (SELECT sensor_id FROM sensors FINAL WHERE sensor_id IN (${ids}))
              WHERE dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), '') != ''`,
          )
        )[0]!.n,
      ) === sensors.length,
    60_000,
    200,
  );
  const now = Date.now();
  for (const s of sensors) await pub(`citytwin/v1/sensors/${s.id}/data`, { ts: now - 60_000, values: s.values });
  // Reports: a hotline case (sensitive) and an AI-hub camera detection (internal).
  await pub('citytwin/v1/events/hotline-12345', {
    id: mark('hotline case id', `od-case-${RUN}`),
    ts: now,
    type: 'citizen_report',
    category: 'waterlogging',
    lng: lng + 0.0021234,
    lat: lat + 0.0011234,
    text: mark('hotline report text', `od-hotline-text-${RUN}`),
  });
  await pub('citytwin/v1/events/aihub-video', {
    id: mark('internal camera detection id', `od-cam-${RUN}`),
    ts: now,
    type: 'video_detection',
    category: 'standing_water',
    lng: lng + 0.0031234,
    lat: lat + 0.0021234,
    text: mark('camera detection text', `od-cam-text-${RUN}`),
  });
  await waitFor(
    'readings and reports stored',
    async () => {
      const [r] = await queryRows<{ n: string; e: string }>(
        app.clickhouse,
        `SELECT (SELECT count() FROM readings_1m WHERE sensor_id IN (${ids})) AS n, (SELECT count() FROM events WHERE id LIKE 'od-%-${RUN}') AS e`,
      );
      return Number(r!.n) >= sensors.length && Number(r!.e) >= 2;
    },
    60_000,
    200,
  );
  await waitFor(
    'incidents of both water-level sensors recorded',
    async () => {
      await app.twin!.flushIncidents();
      const [r] = await queryRows<{ n: string }>(
        app.clickhouse,
        `SELECT countDistinct(incident_id) AS n FROM incident_changes WHERE incident LIKE '%od-water-%-${RUN}%'`,
      );
      return Number(r!.n) >= 2;
    },
    60_000,
    250,
  );
}, 180_000);

afterAll(async () => {
  await publisher?.endAsync();
  await app?.close();
  dir.remove();
});

describe('open-data portal', () => {
  it('lists the datasets without a login, each with licence, update frequency and typed fields', async () => {
    const res = await call(base, null, 'GET', '/api/open/datasets');
    expect(res.status).toBe(200);
    expect(res.body.datasets.map((d: { id: string }) => d.id)).toEqual(DATASETS.map((d) => d.id));
    for (const d of res.body.datasets) {
      expect(d.titleZh && d.titleEn && d.descriptionZh && d.descriptionEn && d.licence).toBeTruthy();
      expect(['hourly', 'daily']).toContain(d.updateFrequency);
      expect(d.fields.length).toBeGreaterThan(2);
      for (const f of d.fields) expect(['string', 'number', 'integer', 'datetime']).toContain(f.type);
    }
    const one = await call(base, null, 'GET', '/api/open/datasets/air-quality-hourly');
    expect(one.body.fields.find((f: { name: string }) => f.name === 'mean').unit).toBe('1, ug/m3');
    const missing = await call(base, null, 'GET', '/api/open/datasets/no-such');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('"no-such"');
  });

  it('serves each format: CSV with its header, JSON rows, a GeoJSON FeatureCollection — the public sensors only', async () => {
    const json = JSON.parse((await openGet(`/api/open/datasets/air-quality-hourly/data?district=${district}`)).text);
    expect(json.rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ district, metric: 'aqi', mean: 42.125, max: 42.125, sensors: 1 })]),
    );
    expect(json.rows[0].hour).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\+0800$/);
    const csv = await openGet('/api/open/datasets/rainfall-hourly/data?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('hour,district,metric,mean,max,sensors');
    expect(lines.slice(1).some((l) => l.endsWith(`,${district},rainfall_mm_h,3.25,3.25,1`))).toBe(true);
    const geo = JSON.parse((await openGet('/api/open/datasets/monitoring-stations/data?format=geojson')).text);
    expect(geo.type).toBe('FeatureCollection');
    const stations = geo.features.map((f: { properties: { station: string } }) => f.properties.station);
    expect(stations).toEqual(expect.arrayContaining([publicAir, publicRain]));
    for (const f of geo.features) expect(f.geometry.type).toBe('Point');
    // The internal service hall is not in the service-hall dataset (no hall of the city is public).
    const halls = JSON.parse((await openGet('/api/open/datasets/service-hall-queues-hourly/data')).text);
    expect(halls.rows).toEqual([]);
  });

  it('counts incidents by day, district and type only when all their evidence is public', async () => {
    const counts = JSON.parse((await openGet('/api/open/datasets/incident-counts-daily/data')).text);
    expect(counts.rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ district: waterDistrict, type: 'waterlogging', incidents: 1 })]),
    );
    // The internal sensor's incident and the hotline case's are not counted anywhere.
    expect(counts.rows.filter((r: { district: string }) => r.district === otherDistrict || r.district === district)).toEqual([]);
    const geo = JSON.parse((await openGet('/api/open/datasets/incident-counts-daily/data?format=geojson')).text);
    const seat = app.city!.districts.find((d) => d.code === waterDistrict)!.seat;
    expect(geo.features[0].geometry.coordinates).toEqual([...seat]);
  });

  it('refuses bad parameters with the bad value and what is accepted', async () => {
    const bad = async (q: string) => JSON.parse((await openGet(`/api/open/datasets/rainfall-hourly/data?${q}`)).text).error as string;
    expect(await bad('district=nowhere')).toContain('"nowhere"');
    expect(await bad('district=nowhere')).toContain(district);
    expect(await bad('from=yesterday')).toContain('"yesterday"');
    expect(await bad('from=2026-01-01&to=2026-03-01')).toContain('31 days');
    expect(await bad('format=xlsx')).toContain('csv');
    expect(await bad('colour=red')).toContain('colour');
  });

  it('limits anonymous clients per address and keys per key: 429 with Retry-After, then recovery', async () => {
    limitClock.heldAt = Date.now();
    let refused: { status: number; headers: Headers; text: string } | null = null;
    for (let i = 0; i < ANON_PER_MIN + 2 && !refused; i++) {
      const r = await openGet('/api/open/datasets', null);
      if (r.status === 429) refused = r;
      else expect(r.status).toBe(200);
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused!.text).error).toContain(`${ANON_PER_MIN} requests per minute`);
    // A key with 60 a minute: a token a second.
    const key = (await call(base, admin, 'POST', '/api/open/keys', { owner: 'limited developer', perMinute: 60 })).body.key as string;
    let keyRefused: { status: number; headers: Headers } | null = null;
    for (let i = 0; i < 62 && !keyRefused; i++) {
      const r = await openGet('/api/open/datasets', key);
      if (r.status === 429) keyRefused = r;
    }
    expect(keyRefused?.status).toBe(429);
    const wait = Number(keyRefused!.headers.get('retry-after'));
    expect(wait).toBe(1);
    // The Retry-After later (on the buckets' clock) the key is served again.
    limitClock.offsetMs += wait * 1000;
    expect((await openGet('/api/open/datasets', key)).status).toBe(200);
    limitClock.heldAt = null;
    // Revoked: refused with 401 that says so; the list never shows a key or its hash.
    const list = (await call(base, admin, 'GET', '/api/open/keys')).body as Array<{ keyId: string; owner: string }>;
    const id = list.find((k) => k.owner === 'limited developer')!.keyId;
    expect(JSON.stringify(list)).not.toContain(key.slice(20));
    expect(JSON.stringify(list)).not.toContain('keyHash');
    expect((await call(base, admin, 'DELETE', `/api/open/keys/${id}`)).status).toBe(200);
    const revoked = await openGet('/api/open/datasets', key);
    expect(revoked.status).toBe(401);
    expect(JSON.parse(revoked.text).error).toContain('not a valid key');
    // Key administration needs the admin.
    expect((await call(base, null, 'GET', '/api/open/keys')).status).toBe(401);
  });

  it('writes key creation and revocation to the audit record, with who, the key id and the owner; never the key', async () => {
    const created = await call(base, admin, 'POST', '/api/open/keys', { owner: 'audited developer', perMinute: 120 });
    expect(created.status).toBe(200);
    const keyId = created.body.keyId as string;
    expect((await call(base, admin, 'DELETE', `/api/open/keys/${keyId}`)).status).toBe(200);
    type Entry = { actor: string; stream: string; action: string; object: string; detail: string; data: Record<string, unknown> };
    const entries = async (): Promise<Entry[]> =>
      ((await call(base, admin, 'GET', '/api/audit/entries?stream=config&limit=1000')).body.entries as Entry[]).filter(
        (e) => e.object === keyId,
      );
    await expect
      .poll(async () => (await entries()).map((e) => e.action).sort(), { timeout: 10_000 })
      .toEqual(['opendata_key_created', 'opendata_key_revoked']);
    const [made, revoked] = (await entries()).sort((a, b) => a.action.localeCompare(b.action));
    expect(made).toMatchObject({ actor: 'admin', stream: 'config', data: { keyId, owner: 'audited developer', perMinute: 120 } });
    expect(made!.detail).toContain('audited developer');
    expect(revoked).toMatchObject({ actor: 'admin', data: { keyId, owner: 'audited developer', wasRevoked: false } });
    const secret = (created.body.key as string).slice(20);
    expect(JSON.stringify(await entries())).not.toContain(secret);
  });

  it('WALK: no marker above public appears in any dataset, format or parameter variant', async () => {
    const DAY = 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = Date.now();
    const variants: string[] = [
      '',
      `district=${district}`,
      `district=${otherDistrict}`,
      `from=${iso(now - 2 * 3600_000)}&to=${iso(now + 3600_000)}`,
      `from=${iso(now - 30 * DAY)}&to=${iso(now + DAY)}`,
      `from=${iso(now - 40 * DAY)}&to=${iso(now)}`,
      `to=${iso(now - 10 * DAY)}`,
      'limit=1',
      `limit=${10_001}`,
      'unknown=1',
      'classification=sensitive',
      'clearance=sensitive',
      "district=' OR 1=1 --",
      `district=${district}' OR '1'='1`,
      "district=x') UNION ALL SELECT name FROM sensors --",
      "from=2026-01-01' OR '1'='1",
      'from=1970-01-01&to=9999-12-31',
      'district=%00',
      'format=json&format=csv',
    ];
    const ids = [...DATASETS.map((d) => d.id), "air-quality-hourly' OR 1=1 --", 'monitoring-stations%2F..%2F..%2Fkeys', '..%2Fkeys'];
    let requests = 0;
    const statuses = new Map<number, number>();
    const leaks: string[] = [];
    const check = (path: string, status: number, text: string) => {
      requests++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) leaks.push(`${path}: status ${status}`);
      for (const m of markers) if (text.includes(m.value)) leaks.push(`${path}: ${m.what} (${m.value})`);
    };
    for (const key of [walkKey]) {
      const cat = await openGet('/api/open/datasets', key);
      check('/api/open/datasets', cat.status, cat.text);
      for (const id of ids) {
        const detail = await openGet(`/api/open/datasets/${id}`, key);
        check(`/api/open/datasets/${id}`, detail.status, detail.text);
        for (const format of ['json', 'csv', 'geojson', 'xml', '']) {
          for (const v of variants) {
            const q = [format ? `format=${format}` : '', v].filter(Boolean).join('&');
            const path = `/api/open/datasets/${id}/data${q ? `?${q}` : ''}`;
            const r = await openGet(path, key);
            check(path, r.status, r.text);
          }
        }
      }
    }
    // The walk saw public data, and the markers are really stored (the admin's own API shows them), so it was not vacuous.
    const hospital = await call(base, admin, 'GET', `/api/sensors/od-hosp-${RUN}`);
    expect(JSON.stringify(hospital.body)).toContain(`od-hosp-name-${RUN}`);
    const [stored] = await queryRows<{ n: string }>(
      app.clickhouse,
      `SELECT count() AS n FROM readings_1m WHERE sensor_id LIKE 'od-%-${RUN}' AND classification != 'public'`,
    );
    expect(Number(stored!.n)).toBeGreaterThanOrEqual(7);
    const all = JSON.parse((await openGet('/api/open/datasets/monitoring-stations/data')).text);
    expect(all.rows.map((r: { station: string }) => r.station)).toEqual(expect.arrayContaining([publicAir, publicRain]));
    console.log(
      `open-data walk: ${requests} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${markers.length} markers`,
    );
    expect(leaks).toEqual([]);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
  }, 300_000);
});
