/**
 * Synthetic load for the benchmarks (simulations/bench/, docs/benchmarks.md): bulk rows
 * generated inside the engine (`INSERT … SELECT` from `numbers()`, so the materialized views fill
 * as they do from live inserts), the counts a bench checks afterwards, and the resets between its
 * runs. The product never calls these.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

/** The id prefix of the load generator's sensors (simulations/load-generator.ts). */
const LOAD_SENSORS = "sensor_id LIKE 'load-%'";

const quoted = (values: readonly string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');

/** What the KPI bench stores: a registry, a day of readings, a week of incidents and records. */
export interface KpiBenchLoad {
  sensors: number;
  /** The first `halls` sensors are service halls (queue_length, wait_min). */
  halls: number;
  readings: number;
  incidents: number;
  kinds: readonly string[];
  incidentTypes: readonly string[];
  districts: readonly string[];
  sources: readonly string[];
  /** The moment the day of readings ends. */
  now: number;
}

/** Fills a migrated store for the KPI bench (readings through the real table, so every view runs). */
export async function fillKpiBenchLoad(client: ClickHouseClient, load: KpiBenchLoad, log: (line: string) => void): Promise<void> {
  const { sensors: SENSORS, halls: HALLS, readings, incidents, now } = load;
  const kinds = quoted(load.kinds);
  const districts = quoted(load.districts);
  const sources = quoted(load.sources);
  const started = performance.now();
  // Registry: the first HALLS sensors service halls, the others of every kind.
  await client.command({
    query: `INSERT INTO sensors SELECT concat('s', toString(number)), if(number < ${HALLS}, 'service_hall', [${kinds}][1 + number % ${load.kinds.length}]), 114 + (number % 100) / 200, 30.3 + intDiv(number, 100) % 100 / 200,
            concat('site ', toString(number)), '', [${districts}][1 + number % ${load.districts.length}], [${sources}][1 + number % ${load.sources.length}], '', 0, now64(3)
            FROM numbers(${SENSORS})`,
  });
  // Readings over the last 24 h: sensor = number % SENSORS, times spread evenly; 3 % of sensors silent for the last hour.
  const step = (86_400_000 / Math.max(1, readings / SENSORS)).toFixed(3);
  // 20M-row statements in 4M-row blocks, two insert threads with the views run in parallel: the
  // readings_1m view costs most of the insert (≈1.2M rows/s without the views, ≈0.3–0.4M with
  // them in 1M-row blocks on one thread; docs/benchmarks.md, run 8).
  const chunk = 20_000_000;
  for (let from = 0; from < readings; from += chunk) {
    const n = Math.min(chunk, readings - from);
    await client.command({
      query: `INSERT INTO readings SELECT 'sensor', concat('s', toString(k)), if(k < ${HALLS}, if(number % 2 = 0, 'queue_length', 'wait_min'), 'value_1'),
                fromUnixTimestamp64Milli(toInt64(${now} - 86400000 + intDiv(number, ${SENSORS}) * ${step} + (k % 1000)) - if(k % 33 = 0, 3600000, 0), 'UTC'),
                (number % 97) / 3, now64(3)
              FROM (SELECT number + ${from} AS number, (number + ${from}) % ${SENSORS} AS k FROM numbers(${n}))`,
      clickhouse_settings: {
        max_insert_block_size: '4000000',
        min_insert_block_size_rows: '4000000',
        max_insert_threads: '2',
        parallel_view_processing: 1,
        insert_deduplicate: 0,
      },
    });
    log(`    inserted ${(from + n).toLocaleString('en-US')} readings (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  // A week of incidents, two a day per 43,200 s step, each opened, acknowledged, most resolved; a unit sent to half.
  const types = quoted(load.incidentTypes);
  const statusAt = (what: string, status: string, offsetS: string) =>
    `SELECT concat('inc-', leftPad(toString(number), 6, '0')), number * 4 + ${what === 'opened' ? 0 : what === 'acknowledged' ? 1 : 2}, fromUnixTimestamp64Milli(toInt64(${now} - 7 * 86400000 + number * 43200 + ${offsetS} * 1000), 'UTC'), 'bench', '${what}', '',
            [${types}][1 + number % ${load.incidentTypes.length}], '${status}',
            concat('{"district":"', [${districts}][1 + number % ${load.districts.length}], '","lng":114.3,"lat":30.55,"severity":3,"openedAt":', toString(${now} - 7 * 86400000 + number * 43200), '}')
     FROM numbers(${incidents})`;
  await client.command({ query: `INSERT INTO incident_changes ${statusAt('opened', 'open', '0')}` });
  await client.command({ query: `INSERT INTO incident_changes ${statusAt('acknowledged', 'acknowledged', '(60 + number % 300)')}` });
  await client.command({
    query: `INSERT INTO incident_changes ${statusAt('resolved', 'resolved', '(3600 + number % 7200)')} WHERE number % 10 != 0`,
  });
  await client.command({
    query: `INSERT INTO dispatch_log SELECT number, fromUnixTimestamp64Milli(toInt64(${now} - 7 * 86400000 + intDiv(number, 2) * 2 * 43200 + if(number % 2 = 0, 400, 1500) * 1000), 'UTC'), 'bench',
            if(number % 2 = 0, 'assign', 'arrive'), 'u1', concat('inc-', leftPad(toString(intDiv(number, 2) * 2), 6, '0')), '', '{}', repeat('0', 64), repeat('0', 64)
            FROM numbers(${incidents})`,
  });
  await client.command({
    query: `INSERT INTO events SELECT 'hotline-12345', concat('h', toString(number)), fromUnixTimestamp64Milli(toInt64(${now} - 7 * 86400000 + number * 60000), 'UTC'), 'citizen_report',
            ['waterlogging','noise','traffic'][1 + number % 3], 114.3, 30.5, 2, '', now64(3) FROM numbers(${7 * 1440})`,
  });
  await client.command({
    query: `INSERT INTO dead_letters SELECT fromUnixTimestamp64Milli(toInt64(${now} - 86400000 + number * 864), 'UTC'), 'citytwin/v1/sensors/x/data', 'invalid_json', '', 'bench', '', 'utf8', 1 FROM numbers(100000)`,
  });
}

/** Merges the KPI screen's activity rollup, so its queries read merged parts (best effort). */
export async function mergeKpiRollups(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'OPTIMIZE TABLE sensor_activity_5m FINAL' }).catch(() => undefined);
}

/**
 * The replay bench's store: `sensors` water-level sensors `wl-00000…` registered an hour before
 * `start`, and one reading per sensor per second for `seconds`, inserted in 5-minute chunks so the
 * rollup view sees insert blocks of live-like size.
 */
export async function fillReplayBenchLoad(
  client: ClickHouseClient,
  load: { sensors: number; seconds: number; start: number },
  log: (line: string) => void,
): Promise<void> {
  const { sensors, seconds, start } = load;
  await client.command({
    query: `INSERT INTO sensors SELECT concat('wl-', leftPad(toString(number), 5, '0')), 'water_level', 114.0 + (number % 100) * 0.01, 30.3 + intDiv(number, 100) * 0.006,
            '', 'cm', '420106', '', 'public', 0, fromUnixTimestamp64Milli(toInt64(${start - 3600_000})) FROM numbers(${sensors})`,
  });
  for (let s = 0; s < seconds; s += 300) {
    const n = Math.min(300, seconds - s);
    await client.command({
      query: `INSERT INTO readings SELECT 'sensor', concat('wl-', leftPad(toString(number % ${sensors}), 5, '0')), 'water_level_cm',
                fromUnixTimestamp64Milli(toInt64(${start} + (${s} + intDiv(number, ${sensors})) * 1000 + number % 1000)),
                10 + 25 * sin((${s} + intDiv(number, ${sensors})) / 600 + (number % ${sensors}) / 500), now64(3)
              FROM numbers(${n * sensors})`,
      clickhouse_settings: { max_insert_block_size: '1000000' },
    });
    log(`    inserted ${(((s + n) * sensors) / 1e6).toFixed(1)}M readings`);
  }
}

/** A registered site of the replay-in-the-browser bench. */
export interface BenchSite {
  id: string;
  kind: string;
  lng: number;
  lat: number;
  name: string;
  district: string;
  sourceId: string;
  /** The metric its readings carry. */
  metric: string;
}

/**
 * The replay-in-the-browser bench's store: the sites registered an hour before `from`, and a
 * reading every 10 s per site over [from, from + durationMs); values move slowly around a level
 * per sensor, one sensor in ten drifting through its bands. Deduplicated by `from`.
 */
export async function fillReplayFpsLoad(
  client: ClickHouseClient,
  sites: readonly BenchSite[],
  from: number,
  durationMs: number,
): Promise<void> {
  await client.insert({
    table: 'sensors',
    format: 'JSONEachRow',
    values: sites.map((s) => ({
      sensor_id: s.id,
      kind: s.kind,
      lng: s.lng,
      lat: s.lat,
      name: s.name,
      unit: '',
      district: s.district,
      source: s.sourceId,
      classification: '',
      deleted: 0,
      updated_at: from - 3_600_000,
    })),
    clickhouse_settings: { insert_deduplication_token: `replay-fps-sensors-${from}` },
  });
  const ids = sites.map((s) => s.id);
  const metrics = sites.map((s) => s.metric);
  const steps = durationMs / 10_000;
  await client.command({
    query: `INSERT INTO readings (entity, sensor_id, metric, ts, value, received_at)
      SELECT 'sensor', {ids:Array(String)}[(number % {n:UInt64}) + 1], {metrics:Array(String)}[(number % {n:UInt64}) + 1],
             fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv(number, {n:UInt64}) * 10000)),
             10 + 8 * sin(number % {n:UInt64}) + if(number % 10 = 0, intDiv(number, {n:UInt64}) / 12, 2 * sin(intDiv(number, {n:UInt64}) / 30)),
             fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv(number, {n:UInt64}) * 10000))
      FROM numbers({total:UInt64})`,
    query_params: { ids, metrics, n: ids.length, from, total: ids.length * steps },
    clickhouse_settings: { insert_deduplication_token: `replay-fps-readings-${from}` },
  });
}

/** Rows in `readings`, all of them. */
export async function countReadings(client: ClickHouseClient): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(client, 'SELECT count() AS n FROM readings');
  return Number(row?.n ?? 0);
}

/** The load generator's readings stored once each (after deduplication: `FINAL`). */
export async function countLoadReadings(client: ClickHouseClient): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(client, `SELECT count() AS n FROM readings FINAL WHERE ${LOAD_SENSORS}`);
  return Number(row?.n);
}

/** What a store holds of the load generator's readings: raw rows, distinct (sensor, time) keys, and every dead letter. */
export async function loadCensus(client: ClickHouseClient): Promise<{ raw: number; keys: number; deadLetters: number }> {
  const [row] = await queryRows<{ raw: string; keys: string }>(
    client,
    `SELECT count() AS raw, uniqExact(sensor_id, ts) AS keys FROM readings WHERE ${LOAD_SENSORS}`,
  );
  const [letters] = await queryRows<{ n: string }>(client, 'SELECT count() AS n FROM dead_letters');
  return { raw: Number(row?.raw ?? 0), keys: Number(row?.keys ?? 0), deadLetters: Number(letters?.n ?? 0) };
}

/** Empties `readings` between two runs of a bench on one store. */
export async function truncateReadings(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE readings' });
}

/** Drops the per-minute rollup's materialized view, to measure inserts without it. */
export async function dropReadingsRollup(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'DROP VIEW readings_1m_mv' });
}
