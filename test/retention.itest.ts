/**
 * Retention on the embedded ClickHouse engine: the policy becomes TTLs (applied once, a second
 * start with the same policy alters nothing, a changed policy is re-applied), rows past their
 * table's and classification's retention really go (rows are stored with old timestamps and
 * the parts merged with OPTIMIZE … FINAL, no waiting), each reading carries the classification
 * of its sensor or its source, the dispatch log never gets a TTL, and the disk use per table is
 * valid Prometheus text (checked by `promtool check metrics` too when it is installed).
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseSink, createClickHouse, queryRows, runMigrations } from '../storage/index.ts';
import {
  applyRetention,
  CHECKED_IDS_MAX,
  currentTtls,
  recordSourceClassifications,
  refreshClassifications,
} from '../storage/retention-store.ts';
import { registryRowOf } from '../storage/registry-store.ts';
import { emptyBatch, readingRow } from '../storage/storage-batch.ts';
import { DEFAULT_RETENTION, parseRetention, RETENTION_TABLES, ttlClause } from '../storage/retention.ts';
import { Registry } from 'prom-client';
import { registerStorageUsageMetrics } from '../bin/metrics/storage-families.ts';
import { tableUsage } from '../storage/storage-usage.ts';
import { tempDir } from './support/fixtures.ts';

const dir = tempDir('retention');
const client = createClickHouse({ url: null, dataDir: dir.path });
const DAY = 86_400_000;
const now = Date.now();

beforeAll(async () => {
  await runMigrations(client);
});

afterAll(async () => {
  await client.close();
  dir.remove();
});

async function engineFull(table: string): Promise<string> {
  const [row] = await queryRows<{ engine_full: string }>(
    client,
    'SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {t:String}',
    { t: table },
  );
  return row!.engine_full;
}

describe('retention as TTLs', () => {
  it('applies the default policy once; the same policy again alters nothing', async () => {
    const first = await applyRetention(client, DEFAULT_RETENTION);
    // Every table with a finite default retention; incident_changes is kept forever by default.
    expect(first.map((c) => c.table).sort()).toEqual(
      RETENTION_TABLES.filter((t) => t.defaultDays !== null)
        .map((t) => t.table)
        .sort(),
    );
    const ttls = await currentTtls(client);
    for (const t of RETENTION_TABLES) expect(ttls.get(t.table) ?? null, t.table).toBe(ttlClause(DEFAULT_RETENTION, t.table));
    expect(await applyRetention(client, DEFAULT_RETENTION)).toEqual([]);
    expect(await engineFull('readings')).toContain(
      "TTL toDateTime(ts) + toIntervalDay(400) WHERE classification != 'sensitive', toDateTime(ts) + toIntervalDay(180) WHERE classification = 'sensitive'",
    );
  });

  it('never puts a TTL on the dispatch log', async () => {
    expect(await engineFull('dispatch_log')).not.toContain(' TTL ');
  });

  it('re-applies a changed policy to the tables it changes, and removes a TTL for kept forever', async () => {
    const policy = parseRetention('readings=5d,public=forever,sensitive=2d,dead_letters=forever,events=3d');
    const changes = await applyRetention(client, policy);
    // `cases` is sensitive as a whole: the sensitive rule applies to it too.
    expect(changes.map((c) => c.table).sort()).toEqual([
      'cases',
      'dead_letters',
      'events',
      'readings',
      'readings_10s',
      'readings_1m',
      'readings_60s',
      'readings_text',
    ]);
    expect(changes.find((c) => c.table === 'dead_letters')).toEqual({
      table: 'dead_letters',
      from: 'toDateTime(received_at) + toIntervalDay(30)',
      to: null,
    });
    expect(await engineFull('dead_letters')).not.toContain(' TTL ');
    expect(await engineFull('cases')).toContain('TTL toDateTime(at) + toIntervalDay(2)');
    expect(await applyRetention(client, policy)).toEqual([]);
  });

  it('removes the rows past their retention by table and classification, and keeps the rest', async () => {
    // Classification from the sensor's own meta (public), from its source (sensitive), or none (internal).
    await client.insert({
      table: 'sensors',
      values: [
        ['aq-1', 'air_quality', 114.3, 30.5, '', '', '', 'src-open', 'public', 0, now],
        ['ed-1', 'hospital_ed', 114.3, 30.5, '', '', '', 'src-health', '', 0, now],
        ['tf-1', 'traffic_flow', 114.3, 30.5, '', '', '', 'src-unknown', '', 0, now],
      ],
      format: 'JSONCompactEachRow',
    });
    await recordSourceClassifications(client, [{ id: 'src-health', classification: 'sensitive' }]);
    const ages = [1, 3, 10, 400];
    const lines = ['aq-1', 'ed-1', 'tf-1', 'unregistered-1'].flatMap((id) =>
      ages.map((d) => `sensor\t${id}\tv\t${now - d * DAY}\t${d}\t${now}\n`),
    );
    // The same path as the ingest (storage/readings-sink.ts): positional text rows.
    await client.insert({ table: 'readings', values: Readable.from([lines.join('')], { objectMode: false }), format: 'TabSeparated' });
    await client.insert({
      table: 'events',
      values: [1, 10].map((d) => [
        'hotline',
        `case-${d}`,
        now - d * DAY,
        'citizen_report',
        'waterlogging',
        114.3,
        30.5,
        null,
        'flooded',
        now,
      ]),
      format: 'JSONCompactEachRow',
    });

    const classes = await queryRows<{ sensor_id: string; classification: string }>(
      client,
      'SELECT DISTINCT sensor_id, classification FROM readings ORDER BY sensor_id',
    );
    expect(classes).toEqual([
      { sensor_id: 'aq-1', classification: 'public' },
      { sensor_id: 'ed-1', classification: 'sensitive' },
      { sensor_id: 'tf-1', classification: 'internal' },
      { sensor_id: 'unregistered-1', classification: 'internal' },
    ]);

    for (const table of ['readings', 'readings_10s', 'events']) await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    const kept = await queryRows<{ sensor_id: string; ages: number[] }>(
      client,
      'SELECT sensor_id, arraySort(groupArray(toUInt32(value))) AS ages FROM readings GROUP BY sensor_id ORDER BY sensor_id',
    );
    expect(kept).toEqual([
      { sensor_id: 'aq-1', ages: [1, 3, 10, 400] }, // public: kept forever
      { sensor_id: 'ed-1', ages: [1] }, // sensitive: 2 days
      { sensor_id: 'tf-1', ages: [1, 3] }, // internal: the table's 5 days
      { sensor_id: 'unregistered-1', ages: [1, 3] },
    ]);
    // The replay rollup, fed by its view, carries the classification too: public forever,
    // sensitive 2 days, the rest its own default (400 days, not the 5 days given to readings).
    const rollup = await queryRows<{ sensor_id: string; n: string }>(
      client,
      'SELECT sensor_id, count() AS n FROM readings_10s GROUP BY sensor_id ORDER BY sensor_id',
    );
    expect(rollup.map((r) => [r.sensor_id, Number(r.n)])).toEqual([
      ['aq-1', 4],
      ['ed-1', 1],
      ['tf-1', 3],
      ['unregistered-1', 3],
    ]);
    expect(await queryRows(client, 'SELECT id FROM events')).toEqual([{ id: 'case-1' }]);
  });

  it("stores a new sensor's first readings under the classification its meta gives, in the same batch", async () => {
    const reloads: boolean[] = [];
    const sink = new ClickHouseSink(client, { onRegistryChanged: async (ids) => reloads.push(await refreshClassifications(client, ids)) });
    const batch = emptyBatch('meta-and-readings');
    batch.sensors.push(registryRowOf('cc-new', { kind: 'city_code', lng: 114.3, lat: 30.5, classification: 'sensitive' }, now));
    batch.readings.push(readingRow('sensor', 'cc-new', 'scans_per_min', now, 12, now));
    await sink.write(batch);
    expect(await queryRows(client, "SELECT classification FROM readings WHERE sensor_id = 'cc-new'")).toEqual([
      { classification: 'sensitive' },
    ]);
    // The same meta again (a broker redelivering retained messages): no reload needed.
    const again = emptyBatch('meta-again');
    again.sensors.push(registryRowOf('cc-new', { kind: 'city_code', lng: 114.3, lat: 30.5, classification: 'sensitive' }, now + 1));
    await sink.write(again);
    expect(reloads).toEqual([true, false]);
    await client.command({ query: "ALTER TABLE readings DELETE WHERE sensor_id = 'cc-new' SETTINGS mutations_sync = 1" });
  });

  it('reloads the lookup without checking each id when a whole register arrives at once', async () => {
    const batch = emptyBatch('whole-register');
    for (let i = 0; i <= CHECKED_IDS_MAX; i++)
      batch.sensors.push(registryRowOf(`bulk-${i}`, { kind: 'city_code', lng: 114.3, lat: 30.5, classification: 'sensitive' }, now));
    await new ClickHouseSink(client, {}).write(batch);
    expect(
      await refreshClassifications(
        client,
        batch.sensors.map((r) => r.sensorId),
      ),
    ).toBe(true);
    const [row] = await queryRows<{ c: string }>(
      client,
      "SELECT dictGetOrDefault('sensor_classes', 'classification', tuple('bulk-42'), '') AS c",
    );
    expect(row).toEqual({ c: 'sensitive' });
  });

  it('reports the disk use per table as valid Prometheus text', async () => {
    const usage = await tableUsage(client);
    const readings = usage.find((u) => u.table === 'readings')!;
    expect(readings.bytes).toBeGreaterThan(0);
    expect(readings.rows).toBe(9);
    // A table with no rows yet is listed with zeros.
    expect(usage.find((u) => u.table === 'dispatch_log')).toEqual({ table: 'dispatch_log', bytes: 0, rows: 0, parts: 0 });
    const registry = new Registry();
    registerStorageUsageMetrics(registry, { latest: () => usage });
    const text = await registry.metrics();
    expect(text).toMatch(/^# HELP citytwin_storage_bytes .+\n# TYPE citytwin_storage_bytes gauge\n/);
    expect(text).toContain(`citytwin_storage_bytes{table="readings"} ${readings.bytes}\n`);
    expect(text).toContain('citytwin_storage_rows{table="readings"} 9\n');
    for (const line of text
      .trimEnd()
      .split('\n')
      .filter((l) => l !== ''))
      expect(line).toMatch(/^(# (HELP|TYPE) citytwin_storage_\w+ .+|citytwin_storage_(bytes|rows|parts)\{table="\w+"\} \d+)$/);
    // Prometheus's own linter, when installed (Debian package `prometheus`).
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error === undefined) expect(`${promtool.status} ${promtool.stdout}${promtool.stderr}`).toBe('0 ');
  });
});
