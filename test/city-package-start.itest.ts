/**
 * Starting the product on a city package (CITYTWIN_CITY): everything real — `citytwin all` with
 * the embedded broker and ClickHouse, in this process for the river town (started, stopped and
 * started again on the same data directory, as audit.itest.ts does), and as a child process for
 * the broken package (its exit and its report, as an operator sees them).
 *
 * - river-town (Flusstal, Europe/Vienna): its districts, sources, sensors and units served by
 *   the API; the KPI day and the after-action report in its zone; its incident rules in the
 *   correlator and its alarm rules (rules/alarms.json) in force; its basemap.pmtiles served; its KPI targets; its buildings in the base map; the register applied once and
 *   audited (`city.loaded`);
 * - restarting on the same package and data directory writes no register or registry row and
 *   no audit entry;
 * - a changed package: a sensor added, one moved, one removed — retired, gone from the live
 *   twin, its readings still served;
 * - the broken fixture: the process exits with the report naming every problem, and nothing
 *   was started (no port listening, no ClickHouse data written).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { createClickHouse, queryRows } from '../storage/index.ts';
import { checkCityPackage, formatProblem } from '../twin-model/city-package/index.ts';
import { registerSites } from '../twin-model/index.ts';
import { formatLocalDateTime, localDayStart, utcOffsetLabel } from '../twin-model/local-time.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { writeCityPmtiles } from './support/city-pmtiles.ts';
import { freePort, tempDir, waitFor } from './support/fixtures.ts';
import { RIVER_TOWN_DIR } from './support/make-city-fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const BROKEN_DIR = join(RIVER_TOWN_DIR, '..', 'broken');
const dir = tempDir('city-start');
const pkg = join(dir.path, 'flusstal');
const dataDir = join(dir.path, 'data');
let app: RunningCityTwin;
let admin = '';

async function start(): Promise<void> {
  app = await startTestCity(dataDir, { CITYTWIN_CITY: pkg });
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
}

/** Rows of the register and registry tables, read with the server stopped (the engine is then free). */
async function storedCounts(): Promise<{ register: number; sensors: number; sources: number; cityLoaded: number }> {
  const ch = createClickHouse({ url: null, dataDir });
  try {
    const n = async (sql: string) => Number((await queryRows<{ n: string }>(ch, sql))[0]?.n ?? 0);
    return {
      register: await n('SELECT count() AS n FROM city_register'),
      sensors: await n('SELECT count() AS n FROM sensors'),
      sources: await n('SELECT count() AS n FROM source_classes'),
      cityLoaded: await n("SELECT count() AS n FROM audit_log WHERE stream = 'city' AND action = 'loaded'"),
    };
  } finally {
    await ch.close();
  }
}

beforeAll(async () => {
  cpSync(RIVER_TOWN_DIR, pkg, { recursive: true });
  // The package brings an offline vector basemap (served from the package, never read whole).
  writeCityPmtiles(join(pkg, 'basemap.pmtiles'), 10);
  await start();
});

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('citytwin all on the river-town package', () => {
  it('serves its city, districts, sources, sensors and units', async () => {
    const city = await call(app.url!, admin, 'GET', '/api/city');
    expect(city.body).toMatchObject({ id: 'flusstal', timezone: 'Europe/Vienna', zoom: 14, center: [15.6, 48.2] });
    expect(city.body.name.en).toBe('Flusstal (sample river town)');
    const districts = await call(app.url!, admin, 'GET', '/api/city/districts');
    expect(districts.body.map((d: { code: string }) => d.code)).toEqual(['altstadt', 'nordost', 'suedwest', 'bahnhof']);
    const sources = await call(app.url!, admin, 'GET', '/api/sources');
    expect(sources.body.filter((s: { registered: boolean }) => s.registered)).toHaveLength(10);
    // The register's sensors are registered at start (no device has sent a meta yet): the 26 of v1
    // kinds and the 5 of the kinds its vocabulary declares, all live.
    const sensors = await call(app.url!, admin, 'GET', '/api/sensors?limit=100');
    expect(sensors.body.sensors.map((s: { id: string }) => s.id).sort()).toEqual(
      registerSites(app.city)
        .map((s) => s.id)
        .sort(),
    );
    expect(sensors.body.total).toBe(31);
    const gauge = await call(app.url!, admin, 'GET', '/api/sensors/wl-up-bahnhof');
    expect(gauge.body).toMatchObject({ kind: 'water_level', registered: true, district: 'bahnhof', source: { id: 'roads.waterlogging' } });
    const units = await call(app.url!, admin, 'GET', '/api/units');
    expect(units.body.map((u: { id: string }) => u.id).sort()).toEqual(
      ['amb-1', 'amb-2', 'fire-1', 'fire-2', 'fire-3', 'pol-1', 'pol-2', 'pump-1', 'pump-2', 'pump-3', 'tpol-1'].sort(),
    );
    expect(units.body.find((u: { id: string }) => u.id === 'fire-3').shift).toEqual({ startHour: 20, endHour: 8 });
  });

  it('draws its buildings and runs its own incident rules', async () => {
    const basemap = await call(app.url!, admin, 'GET', '/api/city/basemap');
    expect(basemap.body.buildings.features).toHaveLength(16);
    expect(basemap.body.districts.features.map((f: { properties: { code: string } }) => f.properties.code)).toContain('altstadt');
    // Its basemap.pmtiles: announced to the console (which draws it, test/basemap.browser.ts) and served by byte ranges.
    expect(basemap.body.vector).not.toBeNull();
    const head = await fetch(new URL('/api/city/basemap.pmtiles', app.url!), {
      headers: { authorization: `Bearer ${admin}`, range: 'bytes=0-6' },
    });
    expect(head.status).toBe(206);
    expect(Buffer.from(await head.arrayBuffer()).toString('latin1')).toBe('PMTiles');
    expect((await call(app.url!, admin, 'GET', '/api/city/style')).status).toBe(200);
    const rule = app.twin!.engine.incidents.rules.get('waterlogging')!;
    expect(rule.signals.find((s) => s.id === 'heavy_rain')?.radiusM).toBe(1500);
    expect(app.twin!.engine.incidents.rules.get('fire')).toBeDefined();
    // Its rules/alarms.json is the alarm rule set in force (version 0: the package's, no version saved).
    const alarms = await call(app.url!, admin, 'GET', '/api/rules/alarms');
    expect(alarms.body).toMatchObject({ scope: 'alarms', version: 0, current: 0 });
    expect(JSON.stringify(alarms.body.ruleSet.kinds.noise_level)).toMatch(/"noise_dba".*"enter":65/);
  });

  it("counts the KPI day in the city's zone and measures against the city's targets", async () => {
    // 21:30 UTC on 1 July is 23:30 in Vienna (summer time) and already 2 July in Shanghai.
    const at = Date.UTC(2026, 6, 1, 21, 30);
    const summary = await call(app.url!, admin, 'GET', `/api/kpi/summary?at=${at}`);
    expect(summary.status).toBe(200);
    expect(summary.body.timeZone).toBe('Europe/Vienna');
    expect(summary.body.dayStart).toBe(Date.UTC(2026, 5, 30, 22));
    expect(summary.body.dayStart).toBe(localDayStart(at, 'Europe/Vienna'));
    const steps = Object.fromEntries(summary.body.responseTimes.steps.map((s: { step: string; target: unknown }) => [s.step, s.target]));
    expect(steps).toEqual({
      acknowledge: { medianS: 120, p90S: 180 },
      dispatch: { medianS: 600, p90S: 900 },
      arrive: { medianS: 900, p90S: 1200 },
      resolve: { medianS: 14_400, p90S: 21_600 },
    });
  });

  it("writes the after-action report in the city's local time", async () => {
    const client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'city-start-report' });
    const ts = Date.now();
    try {
      // A field report at the station underpass.
      await client.publishAsync(
        'citytwin/v1/events/roads.waterlogging',
        JSON.stringify({
          id: 'field-1',
          ts,
          type: 'manual_report',
          category: 'waterlogging',
          lng: 15.6080864,
          lat: 48.1914565,
          severity: 3,
          text: 'Unterführung überflutet',
        }),
        { qos: 1 },
      );
    } finally {
      await client.endAsync();
    }
    const incident = await waitFor('the incident', () => app.twin!.activeIncidents().find((i) => i.type === 'waterlogging'));
    const report = await waitFor('the report', async () => {
      const r = await call(app.url!, admin, 'GET', `/api/replay/incidents/${incident.id}/report?format=md&lang=en`);
      return r.status === 200 ? (r.body as string) : null;
    });
    expect(report).toContain('| Time zone | Europe/Vienna |');
    const vienna = `${formatLocalDateTime(incident.openedAt, 'Europe/Vienna')} (${utcOffsetLabel(incident.openedAt, 'Europe/Vienna')})`;
    expect(vienna).toMatch(/\(UTC\+[12]\)$/);
    expect(report).toContain(`| Opened | ${vienna} |`);
    expect(report).not.toContain('UTC+8');
  });

  it('records the register it applied in the audit log, once', async () => {
    const entries = await call(app.url!, admin, 'GET', '/api/audit/entries?stream=city');
    expect(entries.body.entries).toHaveLength(1);
    const [loaded] = entries.body.entries;
    expect(loaded).toMatchObject({ actor: 'system', stream: 'city', action: 'loaded', object: 'flusstal' });
    expect(loaded.data.counts.sensor).toMatchObject({ added: 31, retired: 0 });
    expect(loaded.data.counts.unit).toMatchObject({ added: 11 });
    expect(loaded.data.counts.source).toMatchObject({ added: 10 });
  });
});

describe('restarts and changed packages', () => {
  const RETIRED = 'aq-sw';
  const readingAt = Date.now() - 60_000;

  it('changes nothing when started again on the same package and data directory', async () => {
    // History for the sensor the next test removes.
    const client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'city-start-history' });
    try {
      await client.publishAsync(`citytwin/v1/sensors/${RETIRED}/data`, JSON.stringify({ ts: readingAt, values: { pm25: 17 } }), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await waitFor('the reading stored', async () => {
      const r = await call(app.url!, admin, 'GET', `/api/sensors/${RETIRED}/readings?metric=pm25&from=${readingAt - 1000}`);
      return r.status === 200 && r.body.points.length === 1;
    });
    await app.close();
    const before = await storedCounts();
    expect(before.cityLoaded).toBe(1);
    expect(before.register).toBe(31 + 11 + 10);

    await start();
    await app.close();
    expect(await storedCounts()).toEqual(before);
    await start();
  });

  it('adds a new sensor, moves a moved one and retires a removed one, keeping its history', async () => {
    await app.close();
    const before = await storedCounts();
    const file = join(pkg, 'sensors.csv');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const changed = lines
      .filter((l) => !l.startsWith(`${RETIRED},`))
      .map((l) => (l.startsWith('tp-sw,') ? l.replace('15.5858488,48.1941544', '15.5860000,48.1945000') : l));
    changed.push('rg-neu,rain_gauge,15.6000000,48.2100000,hydro.rain,新雨量站,New rain gauge,,');
    writeFileSync(file, `${changed.join('\n')}\n`);
    await start();

    const entries = await call(app.url!, admin, 'GET', '/api/audit/entries?stream=city');
    expect(entries.body.entries).toHaveLength(2);
    expect(entries.body.entries[0].data.counts.sensor).toMatchObject({ added: 1, moved: 1, retired: 1, unchanged: 29 });
    expect(entries.body.entries[0].data.counts.unit).toMatchObject({ added: 0, retired: 0, unchanged: 11 });

    const live = await call(app.url!, admin, 'GET', '/api/sensors?limit=100');
    const ids = live.body.sensors.map((s: { id: string }) => s.id);
    expect(ids).toContain('rg-neu');
    expect(ids).not.toContain(RETIRED);
    const moved = await call(app.url!, admin, 'GET', '/api/sensors/tp-sw');
    expect([moved.body.lng, moved.body.lat]).toEqual([15.586, 48.1945]);
    // Retired, not deleted: its readings are still there.
    const history = await call(app.url!, admin, 'GET', `/api/sensors/${RETIRED}/readings?metric=pm25&from=${readingAt - 1000}`);
    expect(history.status).toBe(200);
    expect(history.body.points).toEqual([[readingAt, 17]]);

    await app.close();
    const after = await storedCounts();
    // Three register versions (added, moved, retired) and three registry rows (the retirement a deregistration).
    expect(after.register - before.register).toBe(3);
    expect(after.sensors - before.sensors).toBe(3);
    expect(after.sources).toBe(before.sources);
    const ch = createClickHouse({ url: null, dataDir });
    try {
      const [row] = await queryRows<{ retired: number; deleted: number }>(
        ch,
        `SELECT (SELECT argMax(retired, updated_at) FROM city_register WHERE entity = 'sensor' AND id = {id:String}) AS retired,
                (SELECT argMax(deleted, updated_at) FROM sensors WHERE sensor_id = {id:String}) AS deleted`,
        { id: RETIRED },
      );
      expect([Number(row!.retired), Number(row!.deleted)]).toEqual([1, 1]);
    } finally {
      await ch.close();
    }
    await start();
  });
});

describe('citytwin all on a broken package', () => {
  it('exits with one report naming every problem, and starts nothing', async () => {
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const brokenData = join(dir.path, 'broken-data');
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/citytwin.ts', 'all'], {
      env: {
        ...process.env,
        CITYTWIN_CITY: BROKEN_DIR,
        CITYTWIN_DATA_DIR: brokenData,
        CITYTWIN_HTTP_PORT: String(httpPort),
        CITYTWIN_MQTT_PORT: String(mqttPort),
        CITYTWIN_SIMULATE: '0',
        CITYTWIN_LOG_LEVEL: 'warn',
        CITYTWIN_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    const report = checkCityPackage(BROKEN_DIR);
    const errors = report.problems.filter((p) => p.severity === 'error');
    expect(errors.length).toBeGreaterThan(30);
    expect(out).toContain(`the city package ${BROKEN_DIR} cannot be loaded (${errors.length} errors); nothing was started`);
    for (const p of report.problems) expect(out).toContain(formatProblem(p));
    expect(out).not.toContain('CityTwin console:');
    // Nothing listens on the ports it was given, and no ClickHouse data was written.
    for (const port of [httpPort, mqttPort]) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused, `port ${port}`).toBe(true);
    }
    expect(existsSync(brokenData) ? readdirSync(brokenData) : []).toEqual([]);
  });
});
