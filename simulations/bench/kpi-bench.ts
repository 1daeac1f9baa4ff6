/**
 * Bench run 8: the KPI screen's queries over a big store. Fills a fresh embedded ClickHouse with
 * `readings` (default 100M × BENCH_SCALE) from 20,000 registered sensors of every kind over the
 * last 24 h — service halls among them — plus a week of incidents with their changes, dispatch
 * log entries, hotline cases and dead letters, all inserted in the engine (`INSERT … SELECT`
 * from `numbers()`), so the materialized views of migration 6 fill as they do live. Then every
 * KPI query (storage/kpi-store.ts, through the summary the screen calls) runs repeatedly;
 * prints the insert time and the p50/p95 of each query and of the whole summary (target p95 ≤ 200 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, queryRows, runMigrations } from '../../storage/index.ts';
import { percentile } from '../../twin-model/dispatch/response-times.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import { cityTimeZone } from '../../twin-model/local-time.ts';
import { KpiStore as KpiRollups } from '../../storage/kpi-store.ts';
import { kpiWindows } from '../../web/server/kpi/kpi-model.ts';
import { KpiService } from '../../web/server/kpi/kpi-service.ts';
import type { StatsMessage } from '../../web/shared/protocol.ts';

export interface KpiBenchFigures {
  readings: number;
  sensors: number;
  incidents: number;
  insertS: number;
  queries: Array<{ name: string; p50: number; p95: number }>;
}

const SENSORS = 20_000;
const HALLS = 200;

/** What `fillKpiStore` stored. */
export interface KpiStore {
  city: ReturnType<typeof generateCity>;
  now: number;
  incidents: number;
  insertS: number;
}

/** Fills a migrated store with the bench data (readings through the real table, so every view runs). */
export async function fillKpiStore(
  client: ClickHouseClient,
  readings: number,
  log: (line: string) => void = () => undefined,
): Promise<KpiStore> {
  const city = generateCity({ seed: 2026, sensorCount: 3000 });
  const sources = city.sources.map((s) => `'${s.id}'`).join(',');
  const districts = city.districts.map((d) => `'${d.code}'`).join(',');
  const kinds =
    "'rain_gauge','water_level','traffic_flow','air_quality','power_substation','hospital_ed','metro_station','city_code','temperature'";
  const now = Date.now();
  const started = performance.now();
  // Registry: 20,000 sensors, the first HALLS of them service halls.
  await client.command({
    query: `INSERT INTO sensors SELECT concat('s', toString(number)), if(number < ${HALLS}, 'service_hall', [${kinds}][1 + number % 9]), 114 + (number % 100) / 200, 30.3 + intDiv(number, 100) % 100 / 200,
            concat('site ', toString(number)), '', [${districts}][1 + number % ${city.districts.length}], [${sources}][1 + number % ${city.sources.length}], '', 0, now64(3)
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
  // A week of incidents: 2,000 a day, each opened, acknowledged, most resolved; a unit sent to half.
  const incidents = 14_000;
  const types = "'waterlogging','traffic_accident','fire','power_outage','heat_stress','crowd','service_surge'";
  const statusAt = (what: string, status: string, offsetS: string) =>
    `SELECT concat('inc-', leftPad(toString(number), 6, '0')), number * 4 + ${what === 'opened' ? 0 : what === 'acknowledged' ? 1 : 2}, fromUnixTimestamp64Milli(toInt64(${now} - 7 * 86400000 + number * 43200 + ${offsetS} * 1000), 'UTC'), 'bench', '${what}', '',
            [${types}][1 + number % 7], '${status}',
            concat('{"district":"', [${districts}][1 + number % ${city.districts.length}], '","lng":114.3,"lat":30.55,"severity":3,"openedAt":', toString(${now} - 7 * 86400000 + number * 43200), '}')
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
  const insertS = (performance.now() - started) / 1000;
  log(`    stored in ${insertS.toFixed(1)} s; merging …`);
  await client.command({ query: 'OPTIMIZE TABLE sensor_activity_5m FINAL' }).catch(() => undefined);
  return { city, now, incidents, insertS };
}

export async function measureKpi(scale: number, log: (line: string) => void = () => undefined): Promise<KpiBenchFigures> {
  const readings = Math.round(100_000_000 * scale);
  const dir = mkdtempSync(join(tmpdir(), 'citytwin-kpi-bench-'));
  const client = createClickHouse({ url: null, dataDir: dir });
  try {
    await runMigrations(client);
    const { city, now, incidents, insertS } = await fillKpiStore(client, readings, log);
    const q = new KpiRollups(client);
    const stats = (): StatsMessage => ({
      serverTime: now,
      messagesPerSec: 0,
      readingsPerSec: 0,
      receivedTotal: 0,
      storedTotal: 0,
      rejectedTotal: 0,
      pendingReadings: 0,
      ingestLagMs: 0,
      connectedClients: 0,
      lastDataTime: now,
      sensorsTotal: 0,
      byState: { normal: 0, warning: 0, alarm: 0, stale: 0, unregistered: 0 },
      storage: 'ok',
      broker: 'ok',
    });
    const service = new KpiService({ clickhouse: client, city, stats });
    const w = kpiWindows(now, cityTimeZone(city));
    const runs: Array<[string, () => Promise<unknown>]> = [
      ['open incidents (counts and map points)', () => q.openIncidentPoints(w)],
      ['open incidents drill-down (every mark)', () => q.openIncidents(w)],
      ['response times (today)', () => q.responseTimes(w)],
      ['incidents per hour, today vs last week', () => q.incidentsByHour(w)],
      ['sensor online rate per source', () => q.onlineBySource(w)],
      ['dead letters per minute', () => q.deadLettersPerMinute(w)],
      ['hotline cases per hour', () => q.hotlineByHour(w)],
      ['service-hall queues', () => q.serviceQueues(w)],
      ['whole summary (all of the above at once)', () => service.summary(now, null)],
    ];
    const figures: KpiBenchFigures['queries'] = [];
    for (const [name, run] of runs) {
      await run();
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      figures.push({ name, p50: percentile(times, 50), p95: percentile(times, 95) });
    }
    const [count] = await queryRows<{ n: string }>(client, 'SELECT count() AS n FROM readings');
    return { readings: Number(count?.n ?? readings), sensors: SENSORS, incidents, insertS, queries: figures };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
