/**
 * An ingest worker (`citytwin ingest`) follows the register imports a web node applies: it has
 * no cluster bus, so it looks in the store it shares with the web node for newer applied sensors
 * and vocabulary imports (bin/parts/register-imports.ts, `followRegisterImports`) and puts them
 * in force in its own device directory and vocabulary.
 *
 * What is real and what is substituted: Mosquitto is real and started here; the web node and the
 * worker are the real roles (`startCityTwin` with 'web' and 'ingest'), each with its own
 * configuration, broker connection, HTTP server and log. They share one store as deployed
 * workers share a ClickHouse server; the embedded engine binds a data directory to one process,
 * so both roles run in this process on the same data directory. The worker's look interval is
 * shortened through the runtime hook `registerImportPollMs` (200 ms instead of 5 s); every wait
 * is on a condition (the worker's log line, a stored row).
 *
 * The web node's package is river-town with one asset more (`kiosk-markt`) than the worker's:
 * a sensors import placing a sensor at it checks on the web node and not on the worker, which
 * logs it and leaves it out. Where a test needs imports in an exact order, in one insert or
 * stored with a time before the worker's start, it writes them into the shared store itself; a
 * store that fails for a moment is a fault injected at the worker's own store connection.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bin/config.ts';
import type { LogLevel } from '../bin/config.ts';
import { startCityTwin, type RunningCityTwin } from '../bin/runtime.ts';
import { DeadLetterStore, queryRows, RegisterImportStore, type RegisterImportRow } from '../storage/index.ts';
import { call, login, TEST_ADMIN_PASSWORD } from './support/auth.ts';
import { tempDir, waitFor } from './support/fixtures.ts';
import { RIVER_TOWN_DIR } from './support/make-city-fixtures.ts';
import { startMosquitto, type Mosquitto } from './support/mosquitto.ts';
import { TEST_CITY_ENV } from './support/test-city.ts';

const store = tempDir('register-worker-store');
const webCity = tempDir('register-worker-city');
const SOIL_URN = 'urn:dev:ow:5011000000000abc:';
const SOIL_URN_2 = 'urn:dev:ow:5011000000000abd:';
const SOIL_URN_3 = 'urn:dev:ow:5011000000000abe:';
const LEAF_URN = 'urn:dev:ow:5011000000000abf:';
const GATEWAY_TOPIC = 'citytwin/v1/gateways/gw-soil/senml';

let mosquitto: Mosquitto;
let web: RunningCityTwin;
let worker: RunningCityTwin;
let admin: string;
/** When the worker began to start (after the web node). */
let workerStarting = 0;
let publisher: mqtt.MqttClient;
const workerLog: Array<{ level: LogLevel; message: string }> = [];

const file = (name: string) => readFileSync(join(RIVER_TOWN_DIR, name), 'utf8');
const apply = (body: Record<string, unknown>) =>
  call(web.url!, admin, 'POST', '/api/register/imports?dryRun=false', { reason: 'soil probes at the market', ...body });
const sensorsWith = (...rows: string[]) => `${file('sensors.csv').trimEnd()}\n${rows.join('\n')}\n`;
const SOIL_ROW = `st-markt,soil_climate,15.6000000,48.2050000,env.weather,市场土壤温度,Market soil temperature,,${SOIL_URN}`;
const SOIL_ROW_2 = `st-hafen,soil_climate,15.6010000,48.2040000,env.weather,港口土壤温度,Harbour soil temperature,,${SOIL_URN_2}`;

/** Waits for the worker's line saying import `id` is in force (or does not check) on it. */
const workerSays = (what: string, id: string, level: LogLevel) =>
  waitFor(`the worker to log import ${id} ${what}`, () =>
    workerLog.find((l) => l.level === level && l.message.includes(`register import ${id} `) && l.message.includes(what)),
  );

/** Stored readings of a sensor in the shared store (FINAL: a reading delivered twice is one). */
const stored = (sensorId: string) =>
  queryRows<{ metric: string; value: number }>(
    web.clickhouse,
    'SELECT metric, value FROM readings FINAL WHERE sensor_id = {id:String} ORDER BY ts, metric',
    { id: sensorId },
  );

/** Every stored reading of a soil metric, whichever sensor it went to. */
const soilReadings = () =>
  queryRows<{ sensor_id: string; metric: string; value: number }>(
    web.clickhouse,
    "SELECT sensor_id, metric, value FROM readings FINAL WHERE metric LIKE '%soil_temp%' ORDER BY ts",
  );

/** An import as a node stores it. */
const importRow = (r: Pick<RegisterImportRow, 'id' | 'at' | 'entity' | 'fileText' | 'applied'>): RegisterImportRow => ({
  actor: 'admin',
  reason: 'trying a file',
  packageSha: '',
  ok: true,
  superseded: false,
  entries: 0,
  counts: '{}',
  problems: '[]',
  ...r,
});

/** Stores imports in one insert, so that the worker's next look finds all of them (tests may write rows directly). */
const insertTogether = (rows: RegisterImportRow[]) =>
  web.clickhouse.insert({
    table: 'register_imports',
    values: rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      reason: r.reason,
      entity: r.entity,
      file_text: r.fileText,
      package_sha: r.packageSha,
      ok: 1,
      applied: 1,
      superseded: 0,
      entries: 0,
      counts: r.counts,
      problems: r.problems,
      updated_at: r.at,
    })),
    format: 'JSONEachRow',
  });

const publishSoil = (bn: string, kelvin: number) =>
  publisher.publishAsync(GATEWAY_TOPIC, JSON.stringify([{ bn, n: 'soil_temp', u: 'K', v: kelvin }]), { qos: 1 });

beforeAll(async () => {
  cpSync(RIVER_TOWN_DIR, webCity.path, { recursive: true });
  const assets = JSON.parse(file('assets.geojson')) as { features: unknown[] };
  assets.features.push({
    type: 'Feature',
    properties: { id: 'kiosk-markt', type: 'kiosk', name_zh: '市场报亭', name_en: 'Market kiosk' },
    geometry: { type: 'Point', coordinates: [15.6005, 48.2045] },
  });
  writeFileSync(join(webCity.path, 'assets.geojson'), JSON.stringify(assets));
  mosquitto = await startMosquitto();
  const common = {
    ...TEST_CITY_ENV,
    CITYTWIN_MQTT_URL: mosquitto.url,
    CITYTWIN_DATA_DIR: store.path,
    CITYTWIN_HTTP_HOST: '127.0.0.1',
    CITYTWIN_BATCH_MAX_DELAY_MS: '50',
  };
  // The web node first: it migrates the shared store and syncs the register.
  web = await startCityTwin(loadConfig({ ...common, CITYTWIN_CITY: webCity.path, CITYTWIN_WORKER_ID: 'register-web' }), 'web');
  workerStarting = Date.now();
  worker = await startCityTwin(
    loadConfig({ ...common, CITYTWIN_CITY: RIVER_TOWN_DIR, CITYTWIN_WORKER_ID: 'register-worker' }),
    'ingest',
    (level, message) => workerLog.push({ level, message }),
    { registerImportPollMs: 200 },
  );
  admin = await login(web.url!, 'admin', TEST_ADMIN_PASSWORD);
  publisher = await mqtt.connectAsync(mosquitto.url, { clientId: 'register-worker-gateway' });
}, 120_000);

afterAll(async () => {
  await publisher?.endAsync();
  await worker?.close();
  await web?.close();
  await mosquitto?.stop();
  store.remove();
  webCity.remove();
});

describe('an ingest worker follows the register imports a web node applies', () => {
  it('one applied while the worker was starting (after it read the imports in force) is followed too', async () => {
    // As stored by a node that applied it during the worker's start, or by one whose clock is behind.
    const vocabulary = JSON.parse(file('vocabulary.json')) as { kinds: unknown[] };
    vocabulary.kinds.push({ kind: 'leaf_wetness', label: { zh: '叶面湿度', en: 'Leaf wetness' }, metrics: { leaf_wet: '%' } });
    await new RegisterImportStore(web.clickhouse).record(
      importRow({
        id: 'imp-during-start',
        at: workerStarting - 1,
        entity: 'vocabulary',
        fileText: JSON.stringify(vocabulary),
        applied: true,
      }),
    );
    await workerSays('of vocabulary.json by admin in force on this worker', 'imp-during-start', 'info');
    expect(worker.city!.vocabulary?.map((k) => k.kind)).toContain('leaf_wetness');
  });

  it('a new kind and a sensor of it with a device name: the worker stores its SenML reading under the sensor, converted', async () => {
    // Dry runs that sort after every import applied below (a node whose clock runs ahead, or
    // many dry runs between two looks of the worker) must not hide an applied import from it.
    const imports = new RegisterImportStore(web.clickhouse);
    const ahead = Date.now() + 600_000;
    for (let k = 0; k < 25; k++)
      await imports.record(
        importRow({ id: `imp-dry-${k}`, at: ahead + k, entity: k % 2 ? 'sensor' : 'unit', fileText: '', applied: false }),
      );

    const vocabulary = JSON.parse(file('vocabulary.json')) as { kinds: unknown[] };
    vocabulary.kinds.push({ kind: 'soil_climate', label: { zh: '土壤温度', en: 'Soil temperature' }, metrics: { soil_temp: 'Cel' } });
    const v = await apply({ entity: 'vocabulary', vocabulary });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    const s = await apply({ entity: 'sensor', csv: sensorsWith(SOIL_ROW) });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.counts).toMatchObject({ added: 1 });
    await workerSays('of vocabulary.json by admin in force on this worker', v.body.id as string, 'info');
    await workerSays('of sensors.csv by admin in force on this worker', s.body.id as string, 'info');

    const rejectedBefore = worker.ingest!.pipeline.metrics.rejected;
    await publishSoil(SOIL_URN, 300);
    const rows = await waitFor('the reading stored under st-markt', async () => {
      const r = await stored('st-markt');
      return r.length > 0 ? r : null;
    });
    expect(rows).toEqual([{ metric: 'soil_temp', value: 26.85 }]);
    expect(await stored('urn-dev-ow-5011000000000abc')).toEqual([]);
    expect(worker.ingest!.pipeline.metrics.rejected).toBe(rejectedBefore);
    const dead = await new DeadLetterStore(web.clickhouse).recent({ limit: 100 });
    expect(dead.filter((d) => d.topic === GATEWAY_TOPIC)).toEqual([]);
  });

  it('an import that does not check on the worker is logged and left out; the worker goes on following', async () => {
    const bad = await apply({ entity: 'sensor', csv: sensorsWith(SOIL_ROW, SOIL_ROW_2.replace(/,,urn/, ',kiosk-markt,urn')) });
    expect(bad.status, JSON.stringify(bad.body)).toBe(200);
    const logged = await workerSays('does not check on this worker', bad.body.id as string, 'error');
    expect(logged.message).toContain('kiosk-markt');
    // Left out: the worker's register stays as it was, so the new device's reading is not st-hafen's.
    await publishSoil(SOIL_URN_2, 290);
    const kept = await waitFor("the new device's reading stored", async () => {
      const r = await soilReadings();
      return r.find((x) => x.value === 290 || x.value === 16.85) ?? null;
    });
    expect(kept.sensor_id).not.toBe('st-hafen');
    expect(kept.sensor_id).not.toBe('st-markt');

    const good = await apply({ entity: 'sensor', csv: sensorsWith(SOIL_ROW, SOIL_ROW_2) });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    await workerSays('of sensors.csv by admin in force on this worker', good.body.id as string, 'info');
    await publishSoil(SOIL_URN_2, 300);
    const rows = await waitFor('the reading stored under st-hafen', async () => {
      const r = await stored('st-hafen');
      return r.length > 0 ? r : null;
    });
    expect(rows).toEqual([{ metric: 'soil_temp', value: 26.85 }]);
  });

  it('a sources import, then a sensors import with a sensor of the new source: the worker checks the second against the first', async () => {
    const sources = `${file('sources.csv').trimEnd()}\nenv.soil,土壤监测,Soil monitoring,环境局,public,Environment Office\n`;
    const src = await apply({ entity: 'source', csv: sources });
    expect(src.status, JSON.stringify(src.body)).toBe(200);
    const row = `sp-park,soil_climate,15.6020000,48.2030000,env.soil,公园土壤温度,Park soil temperature,,${SOIL_URN_3}`;
    const s = await apply({ entity: 'sensor', csv: sensorsWith(SOIL_ROW, SOIL_ROW_2, row) });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    await workerSays('of sensors.csv by admin in force on this worker', s.body.id as string, 'info');
    await publishSoil(SOIL_URN_3, 300);
    const rows = await waitFor('the reading stored under sp-park', async () => {
      const r = await stored('sp-park');
      return r.length > 0 ? r : null;
    });
    expect(rows).toEqual([{ metric: 'soil_temp', value: 26.85 }]);
    expect(workerLog.filter((l) => l.level === 'error' && l.message.includes(s.body.id as string))).toEqual([]);
  });

  it('a vocabulary and a sensors import found in the same look are checked together (the sensor names the new kind)', async () => {
    const vocabulary = JSON.parse(file('vocabulary.json')) as { kinds: unknown[] };
    vocabulary.kinds.push(
      { kind: 'soil_climate', label: { zh: '土壤温度', en: 'Soil temperature' }, metrics: { soil_temp: 'Cel' } },
      { kind: 'leaf_climate', label: { zh: '叶面温度', en: 'Leaf temperature' }, metrics: { leaf_temp: 'Cel' } },
    );
    const park = `sp-park,soil_climate,15.6020000,48.2030000,env.soil,公园土壤温度,Park soil temperature,,${SOIL_URN_3}`;
    const leaf = `lf-park,leaf_climate,15.6025000,48.2030000,env.soil,公园叶面温度,Park leaf temperature,,${LEAF_URN}`;
    const at = Date.now();
    // One insert: the worker's next look finds both (the sensors import first would not check alone).
    const rows = [
      importRow({
        id: 'imp-same-look-sensors',
        at: at + 1,
        entity: 'sensor',
        fileText: sensorsWith(SOIL_ROW, SOIL_ROW_2, park, leaf),
        applied: true,
      }),
      importRow({ id: 'imp-same-look-vocabulary', at, entity: 'vocabulary', fileText: JSON.stringify(vocabulary), applied: true }),
    ];
    await insertTogether(rows);
    await workerSays('of sensors.csv by admin in force on this worker', 'imp-same-look-sensors', 'info');
    await workerSays('of vocabulary.json by admin in force on this worker', 'imp-same-look-vocabulary', 'info');
    await publisher.publishAsync(GATEWAY_TOPIC, JSON.stringify([{ bn: LEAF_URN, n: 'leaf_temp', u: 'K', v: 300 }]), { qos: 1 });
    const stored1 = await waitFor('the reading stored under lf-park', async () => {
      const r = await stored('lf-park');
      return r.length > 0 ? r : null;
    });
    expect(stored1).toEqual([{ metric: 'leaf_temp', value: 26.85 }]);
  });

  it('the same the other way round: a kind dropped with its last sensor (the vocabulary import alone would not check)', async () => {
    const vocabulary = JSON.parse(file('vocabulary.json')) as { kinds: unknown[] };
    vocabulary.kinds.push({ kind: 'soil_climate', label: { zh: '土壤温度', en: 'Soil temperature' }, metrics: { soil_temp: 'Cel' } });
    const park = `sp-park,soil_climate,15.6020000,48.2030000,env.soil,公园土壤温度,Park soil temperature,,${SOIL_URN_3}`;
    const at = Date.now();
    await insertTogether([
      importRow({ id: 'imp-drop-vocabulary', at, entity: 'vocabulary', fileText: JSON.stringify(vocabulary), applied: true }),
      importRow({ id: 'imp-drop-sensors', at: at + 1, entity: 'sensor', fileText: sensorsWith(SOIL_ROW, SOIL_ROW_2, park), applied: true }),
    ]);
    await workerSays('of vocabulary.json by admin in force on this worker', 'imp-drop-vocabulary', 'info');
    await workerSays('of sensors.csv by admin in force on this worker', 'imp-drop-sensors', 'info');
    expect(worker.city!.vocabulary?.map((k) => k.kind)).not.toContain('leaf_climate');
    expect(worker.city!.sensorSites.map((x) => x.id)).not.toContain('lf-park');
  });

  it('a look that fails half way (the store unavailable for a moment) is made again: its import is not lost', async () => {
    // A fault at the worker's own store connection: the next read of an import's file fails once.
    const client = worker.clickhouse as unknown as { query: (params: { query: string }) => Promise<unknown> };
    const query = client.query;
    let failed = 0;
    client.query = (params) => {
      if (failed === 0 && params.query.includes('file_text FROM register_imports FINAL WHERE id')) {
        failed++;
        return Promise.reject(new Error('the store is unavailable for a moment'));
      }
      return query(params);
    };
    try {
      const vocabulary = JSON.parse(file('vocabulary.json')) as { kinds: unknown[] };
      vocabulary.kinds.push(
        { kind: 'soil_climate', label: { zh: '土壤温度', en: 'Soil temperature' }, metrics: { soil_temp: 'Cel' } },
        { kind: 'bark_climate', label: { zh: '树皮温度', en: 'Bark temperature' }, metrics: { bark_temp: 'Cel' } },
      );
      await new RegisterImportStore(web.clickhouse).record(
        importRow({ id: 'imp-after-fault', at: Date.now(), entity: 'vocabulary', fileText: JSON.stringify(vocabulary), applied: true }),
      );
      await workerSays('of vocabulary.json by admin in force on this worker', 'imp-after-fault', 'info');
      expect(failed).toBe(1);
      expect(workerLog.some((l) => l.level === 'warn' && l.message.includes('the store is unavailable for a moment'))).toBe(true);
      expect(worker.city!.vocabulary?.map((k) => k.kind)).toContain('bark_climate');
    } finally {
      delete (client as { query?: unknown }).query;
    }
  });
});
