/**
 * The benchmarks' synthetic load (storage/bench-load-store.ts) at a small scale on the embedded
 * engine: the rows each fill promises are stored, the counts read them back, the resets reset.
 * The benchmarks themselves are scripts (`npm run bench`); this keeps their SQL working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  countLoadReadings,
  countReadings,
  createClickHouse,
  dropReadingsRollup,
  fillKpiBenchLoad,
  fillReplayBenchLoad,
  fillReplayFpsLoad,
  loadCensus,
  queryRows,
  runMigrations,
  truncateReadings,
  type StorageClient,
} from '../storage/index.ts';
import { INCIDENT_TYPES } from '../twin-model/vocabulary.ts';

describe('the benchmarks’ synthetic load', () => {
  let dir: string;
  let client: StorageClient;
  const log: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citytwin-bench-load-'));
    client = createClickHouse({ url: null, dataDir: dir });
    await runMigrations(client);
  });

  afterAll(async () => {
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (table: string) => Number((await queryRows<{ n: string }>(client, `SELECT count() AS n FROM ${table}`))[0]?.n);

  it('fills the KPI screen’s tables with what it is asked for', async () => {
    await fillKpiBenchLoad(
      client,
      {
        sensors: 100,
        halls: 5,
        readings: 1000,
        incidents: 20,
        kinds: ['rain_gauge', 'water_level'],
        incidentTypes: INCIDENT_TYPES,
        districts: ['420102', '420103'],
        sources: ['src-a'],
        now: Date.UTC(2026, 6, 1, 12),
      },
      (line) => log.push(line),
    );
    expect(await countReadings(client)).toBe(1000);
    expect(await count('sensors')).toBe(100);
    // Opened and acknowledged for every incident, resolved for nine in ten.
    expect(await count('incident_changes')).toBe(20 + 20 + 18);
    expect(await count('dispatch_log')).toBe(20);
    expect(await count('dead_letters')).toBe(100_000);
    expect(log.at(-1)).toMatch(/inserted 1,000 readings/);
  });

  it('fills the replay benches’ sensors and readings, counts and empties them', async () => {
    await truncateReadings(client);
    expect(await countReadings(client)).toBe(0);
    await fillReplayBenchLoad(client, { sensors: 10, seconds: 60, start: Date.UTC(2026, 6, 1, 8) }, (line) => log.push(line));
    expect(await countReadings(client)).toBe(600);
    const site = { kind: 'water_level', lng: 114.3, lat: 30.6, name: 'x', district: '420102', sourceId: 'src-a', metric: 'water_level_cm' };
    await fillReplayFpsLoad(
      client,
      [
        { id: 'load-1', ...site },
        { id: 'load-2', ...site },
      ],
      Date.UTC(2026, 6, 1, 9),
      60_000,
    );
    // Two sites, one reading every 10 s over a minute.
    expect(await countLoadReadings(client)).toBe(12);
    expect(await loadCensus(client)).toEqual({ raw: 12, keys: 12, deadLetters: 100_000 });
    await dropReadingsRollup(client);
    expect(
      await queryRows(client, "SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'readings_1m_mv'"),
    ).toEqual([]);
  });
});
