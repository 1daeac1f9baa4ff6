/**
 * Registers at run time on the started product (`citytwin all` on the river-town package, the
 * embedded broker and ClickHouse): a sensors.csv imported through the API.
 *
 * - a non-admin is refused (403);
 * - a dry run lists every invalid row with line, field, value and reason, and a valid one the
 *   diff (added, moved, retired) — and changes nothing;
 * - an apply with an invalid row is refused whole (400, every problem listed);
 * - an apply adds, moves and retires: the new sensor is registered at once, its readings are not
 *   "unregistered", the retired one is deregistered; city_register holds the versions;
 * - every dry run and apply is in the audit record, and the past imports are listed;
 * - a restart keeps the import (overlaid on the unchanged package, nothing retired); a changed
 *   package file supersedes it (the package's list in force, the supersession audited).
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCityTwin } from '../bin/runtime.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { RIVER_TOWN_DIR } from './support/make-city-fixtures.ts';
import { startTestCity } from './support/test-city.ts';

const dir = tempDir('register-imports');
const pkg = join(dir.path, 'flusstal');
const dataDir = join(dir.path, 'data');
let app: RunningCityTwin;
let admin = '';

const RETIRED = 'aq-sw';
const sensorsCsv = (): string[] => readFileSync(join(RIVER_TOWN_DIR, 'sensors.csv'), 'utf8').trimEnd().split('\n');
/** The river town's sensors with rg-neu added, tp-sw moved and aq-sw removed. */
function changedCsv(extra: string[] = []): string {
  const lines = sensorsCsv()
    .filter((l) => !l.startsWith(`${RETIRED},`))
    .map((l) => (l.startsWith('tp-sw,') ? l.replace('15.5858488,48.1941544', '15.5860000,48.1945000') : l));
  return [...lines, 'rg-neu,rain_gauge,15.6000000,48.2100000,hydro.rain,新雨量站,New rain gauge,,', ...extra].join('\n');
}

async function start(): Promise<void> {
  app = await startTestCity(dataDir, { CITYTWIN_CITY: pkg });
  admin = await login(app.url!, 'admin', TEST_ADMIN_PASSWORD);
}

const cityAudit = async (action: string) =>
  (await call(app.url!, admin, 'GET', `/api/audit/entries?stream=city&action=${action}`)).body.entries as Array<{
    actor: string;
    data: any;
  }>;

beforeAll(async () => {
  cpSync(RIVER_TOWN_DIR, pkg, { recursive: true });
  await start();
});

afterAll(async () => {
  await app?.close();
  dir.remove();
});

describe('register imports through the API', () => {
  it('refuses a non-admin', async () => {
    const created = await call(app.url!, admin, 'POST', '/api/users', {
      username: 'op-li',
      roles: ['operator'],
      password: 'operator password 1',
    });
    expect(created.status).toBe(200);
    const operator = await login(app.url!, 'op-li', 'operator password 1');
    const r = await call(app.url!, operator, 'POST', '/api/register/imports?dryRun=true', { entity: 'sensor', csv: changedCsv() });
    expect(r.status).toBe(403);
    expect((await call(app.url!, operator, 'GET', '/api/register/imports')).status).toBe(403);
  });

  it('a dry run names every invalid row and shows the diff of a valid file, changing nothing', async () => {
    const n = sensorsCsv().length; // the header and the sensors; changedCsv has the same count
    const bad = await call(app.url!, admin, 'POST', '/api/register/imports?dryRun=true', {
      entity: 'sensor',
      csv: changedCsv(['bad-kind,rain_gage,15.6,48.2,hydro.rain,甲,A,,']),
    });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ ok: false, applied: false, dryRun: true });
    expect(bad.body.problems).toEqual([
      expect.objectContaining({ severity: 'error', file: 'sensors.csv', line: n + 1, field: 'kind', value: '"rain_gage"' }),
    ]);

    const dry = await call(app.url!, admin, 'POST', '/api/register/imports?dryRun=true', {
      entity: 'sensor',
      csv: changedCsv(),
      reason: 'check',
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ ok: true, applied: false, entries: 31 });
    expect(dry.body.counts).toMatchObject({ added: 1, moved: 1, retired: 1, unchanged: 29 });
    expect(dry.body.added.map((r: { id: string }) => r.id)).toEqual(['rg-neu']);
    expect(dry.body.changed[0]).toMatchObject({ id: 'tp-sw', changes: ['moved'], before: { lng: 15.5858488, lat: 48.1941544 } });
    expect(dry.body.retired.map((r: { id: string }) => r.id)).toEqual([RETIRED]);
    // Nothing changed.
    expect((await call(app.url!, admin, 'GET', '/api/sensors/rg-neu')).status).toBe(404);
    expect((await call(app.url!, admin, 'GET', `/api/sensors/${RETIRED}`)).body.registered).toBe(true);
    expect(await cityAudit('register_imported')).toHaveLength(0);
    expect(await cityAudit('register_dry_run')).toHaveLength(2);
  });

  it('an apply with an invalid row, or without a reason, is refused whole', async () => {
    const bad = await call(app.url!, admin, 'POST', '/api/register/imports?dryRun=false', {
      entity: 'sensor',
      csv: changedCsv(['far,rain_gauge,116.4,39.9,hydro.rain,远,Far,,']),
      reason: 'new gauge',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/refused.*nothing was applied/);
    expect(bad.body.issues).toEqual([expect.objectContaining({ file: 'sensors.csv', field: 'lng,lat', value: '[116.4,39.9]' })]);
    const noReason = await call(app.url!, admin, 'POST', '/api/register/imports?dryRun=false', { entity: 'sensor', csv: changedCsv() });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error).toMatch(/reason/);
    expect((await call(app.url!, admin, 'GET', '/api/sensors/rg-neu')).status).toBe(404);
    expect(await cityAudit('register_refused')).toHaveLength(1);
  });

  it('an apply adds, moves and retires at once; the new sensor’s readings are registered', async () => {
    const r = await call(app.url!, admin, 'POST', '/api/register/imports?dryRun=false', {
      entity: 'sensor',
      csv: changedCsv(),
      reason: 'new gauge at the market',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, applied: true, counts: { added: 1, moved: 1, retired: 1 } });
    const neu = await call(app.url!, admin, 'GET', '/api/sensors/rg-neu');
    expect(neu.body).toMatchObject({ registered: true, kind: 'rain_gauge', source: { id: 'hydro.rain' }, lng: 15.6, lat: 48.21 });
    const moved = await call(app.url!, admin, 'GET', '/api/sensors/tp-sw');
    expect([moved.body.lng, moved.body.lat]).toEqual([15.586, 48.1945]);
    expect((await call(app.url!, admin, 'GET', `/api/sensors/${RETIRED}`)).body.registered).toBe(false);

    const client = await mqtt.connectAsync(app.mqttUrl, { clientId: 'register-imports' });
    try {
      await client.publishAsync('citytwin/v1/sensors/rg-neu/data', JSON.stringify({ ts: Date.now(), values: { rainfall_mm_h: 1.5 } }), {
        qos: 1,
      });
    } finally {
      await client.endAsync();
    }
    const withValue = await waitFor('the reading in the twin', async () => {
      const s = await call(app.url!, admin, 'GET', '/api/sensors/rg-neu');
      return s.body.latest?.rainfall_mm_h ? s.body : null;
    });
    expect(withValue.registered).toBe(true);
    expect(withValue.state).not.toBe('unregistered');

    const imported = await cityAudit('register_imported');
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({ actor: 'admin', data: { entity: 'sensor', counts: { added: 1, moved: 1, retired: 1 } } });
    const list = await call(app.url!, admin, 'GET', '/api/register/imports');
    expect(list.body.imports.map((i: { applied: boolean; ok: boolean }) => [i.applied, i.ok])).toEqual([
      [true, true],
      [false, false],
      [false, true],
      [false, false],
    ]);
    const one = await call(app.url!, admin, 'GET', `/api/register/imports/${list.body.imports[0].id}`);
    expect(one.body).toMatchObject({ entity: 'sensor', file: 'sensors.csv', reason: 'new gauge at the market', text: changedCsv() });
  });

  it('a restart keeps the import over the unchanged package; a changed package file supersedes it', async () => {
    await app.close();
    await start();
    expect((await call(app.url!, admin, 'GET', '/api/sensors/rg-neu')).body.registered).toBe(true);
    const sensors = await call(app.url!, admin, 'GET', '/api/sensors?limit=100');
    expect(sensors.body.sensors.map((s: { id: string }) => s.id)).not.toContain(RETIRED);
    // Only the first start's load: the import's register is the one stored.
    expect(await cityAudit('loaded')).toHaveLength(1);

    await app.close();
    const file = join(pkg, 'sensors.csv');
    writeFileSync(
      file,
      `${sensorsCsv()
        .map((l) => (l.startsWith('rg-alt,') ? l.replace('Rain gauge Altstadt', 'Rain gauge Old Town') : l))
        .join('\n')}\n`,
    );
    await start();
    const superseded = await cityAudit('register_superseded');
    expect(superseded).toHaveLength(1);
    expect(superseded[0]!.data).toMatchObject({ entity: 'sensor' });
    const list = await call(app.url!, admin, 'GET', '/api/register/imports');
    expect(list.body.imports[0]).toMatchObject({ applied: true, superseded: true });
    // The package's list is in force: rg-neu retired, aq-sw back.
    const ids = (await call(app.url!, admin, 'GET', '/api/sensors?limit=100')).body.sensors.map((s: { id: string }) => s.id);
    expect(ids).toContain(RETIRED);
    expect(ids).not.toContain('rg-neu');
  });
});
