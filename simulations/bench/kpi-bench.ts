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
import {
  countReadings,
  createClickHouse,
  fillKpiBenchLoad,
  mergeKpiRollups,
  runMigrations,
  type StorageClient,
} from '../../storage/index.ts';
import { percentile } from '../../twin-model/dispatch/response-times.ts';
import { generateCity } from '../../twin-model/city/index.ts';
import { INCIDENT_TYPES, SENSOR_KINDS } from '../../twin-model/vocabulary.ts';
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
  client: StorageClient,
  readings: number,
  log: (line: string) => void = () => undefined,
): Promise<KpiStore> {
  const city = generateCity({ seed: 2026, sensorCount: 3000 });
  const now = Date.now();
  const started = performance.now();
  // A week of incidents: 2,000 a day, each opened, acknowledged, most resolved; a unit sent to half.
  const incidents = 14_000;
  await fillKpiBenchLoad(
    client,
    {
      sensors: SENSORS,
      halls: HALLS,
      readings,
      incidents,
      // Every kind but service halls (the first HALLS sensors) and river levels.
      kinds: SENSOR_KINDS.filter((k) => k !== 'service_hall' && k !== 'river_level'),
      incidentTypes: INCIDENT_TYPES,
      districts: city.districts.map((d) => d.code),
      sources: city.sources.map((s) => s.id),
      now,
    },
    log,
  );
  const insertS = (performance.now() - started) / 1000;
  log(`    stored in ${insertS.toFixed(1)} s; merging …`);
  await mergeKpiRollups(client);
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
    const count = await countReadings(client);
    return { readings: count, sensors: SENSORS, incidents, insertS, queries: figures };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
