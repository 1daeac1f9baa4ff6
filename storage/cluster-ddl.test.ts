import { describe, expect, it } from 'vitest';
import { clusterMigrationsTable, clusterStatements, createdTables } from './cluster-ddl.ts';
import { MIGRATIONS } from './migrations.ts';

const all = MIGRATIONS.flatMap((m) => m.statements);
const tables = createdTables(all);
const translate = (s: string) => clusterStatements(s, { cluster: 'city', tables });
const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('cluster DDL (CITYTWIN_CLICKHOUSE_CLUSTER)', () => {
  it('translates every statement of every migration (none is left single-node)', () => {
    for (const s of all) expect(() => translate(s)).not.toThrow();
    const out = all.flatMap(translate);
    for (const s of out) expect(s).toContain(' ON CLUSTER city ');
  });

  it('makes readings a replicated local table with replicated deduplication, and a Distributed table by sensor', () => {
    const readings = all.find((s) => s.includes('CREATE TABLE IF NOT EXISTS readings ('))!;
    const [local, dist] = translate(readings).map(normalize);
    expect(local).toMatch(
      /^CREATE TABLE IF NOT EXISTS readings_local ON CLUSTER city \( entity Enum8\('sensor' = 1, 'service' = 2\), sensor_id String,/,
    );
    expect(local).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}') PARTITION BY toYYYYMMDD(ts) ORDER BY (entity, sensor_id, metric, ts)",
    );
    expect(local).toContain('SETTINGS replicated_deduplication_window = 10000');
    expect(local).not.toContain('non_replicated');
    expect(dist).toBe(
      'CREATE TABLE IF NOT EXISTS readings ON CLUSTER city AS readings_local ENGINE = Distributed(city, currentDatabase(), readings_local, cityHash64(sensor_id))',
    );
  });

  it('keeps engine arguments after the replication path (version column)', () => {
    const sensors = all.find((s) => s.includes('CREATE TABLE IF NOT EXISTS sensors ('))!;
    expect(normalize(translate(sensors)[0]!)).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', updated_at) ORDER BY sensor_id",
    );
  });

  it('points the rollup view at the local tables, so each shard rolls up its own readings', () => {
    const mv = all.find((s) => s.includes('MATERIALIZED VIEW'))!;
    const [out] = translate(mv).map(normalize);
    expect(out).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS readings_1m_mv ON CLUSTER city TO readings_1m_local AS SELECT .* FROM readings_local GROUP BY entity, sensor_id, metric, minute$/,
    );
    expect(normalize(translate(all.find((s) => s.includes('CREATE TABLE IF NOT EXISTS readings_1m ('))!)[0]!)).toContain(
      'ReplicatedAggregatingMergeTree(',
    );
  });

  it('shards every table by a hash of columns its duplicates share', () => {
    const keys = Object.fromEntries(
      all
        .flatMap(translate)
        .map((s) =>
          /^CREATE TABLE IF NOT EXISTS (\w+) ON CLUSTER city AS \w+ ENGINE = Distributed\(city, currentDatabase\(\), \w+, (.*)\)$/.exec(
            normalize(s),
          ),
        )
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    expect(keys).toMatchObject({
      readings: 'cityHash64(sensor_id)',
      readings_1m: 'cityHash64(sensor_id)',
      events: 'cityHash64(source, id)',
      unit_positions: 'cityHash64(unit_id)',
      dead_letters: 'cityHash64(topic, received_at)',
      incident_changes: 'cityHash64(incident_id)',
    });
    // Tables without a listed key hash their ORDER BY key; none uses rand() (a retry must split alike).
    for (const key of Object.values(keys)) expect(key).toMatch(/^cityHash64\(/);
    expect(Object.keys(keys).sort()).toEqual([...tables].sort());
  });

  it('applies column changes to both tables and other changes to the local table only', () => {
    expect(clusterStatements('ALTER TABLE events ADD COLUMN IF NOT EXISTS x UInt8', { cluster: 'c', tables })).toEqual([
      'ALTER TABLE events_local ON CLUSTER c ADD COLUMN IF NOT EXISTS x UInt8',
      'ALTER TABLE events ON CLUSTER c ADD COLUMN IF NOT EXISTS x UInt8',
    ]);
    expect(clusterStatements('ALTER TABLE events MODIFY TTL toDateTime(ts) + INTERVAL 1 YEAR', { cluster: 'c', tables })).toHaveLength(1);
  });

  it('adds a MATERIALIZED column to the local table only, where the rows are stored', () => {
    expect(
      clusterStatements(
        "ALTER TABLE readings ADD COLUMN IF NOT EXISTS classification LowCardinality(String) MATERIALIZED dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), 'internal')",
        { cluster: 'c', tables },
      ),
    ).toEqual([
      "ALTER TABLE readings_local ON CLUSTER c ADD COLUMN IF NOT EXISTS classification LowCardinality(String) MATERIALIZED dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), 'internal')",
    ]);
  });

  it('creates the classification dictionary on every node', () => {
    const dict = all.find((s) => s.startsWith('CREATE DICTIONARY'))!;
    const [out] = translate(dict).map(normalize);
    expect(out).toMatch(
      /^CREATE DICTIONARY IF NOT EXISTS sensor_classes ON CLUSTER city \( sensor_id String, classification String \) PRIMARY KEY sensor_id SOURCE\(CLICKHOUSE\(/,
    );
  });

  it('leaves a one-off fill out (each shard fills its own local table; docs/storage.md)', () => {
    const fill = all.find((s) => s.startsWith('INSERT INTO readings_60s'))!;
    expect(fill).toMatch(/FROM readings_10s/);
    expect(translate(fill)).toEqual([]);
  });

  it('refuses what it cannot translate, quoting it', () => {
    expect(() => translate('DROP TABLE readings')).toThrow(/cannot translate .*DROP TABLE readings/);
    expect(() => translate('CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Memory')).toThrow(/engine Memory/);
    expect(() => clusterStatements('ALTER TABLE x ADD COLUMN y UInt8', { cluster: 'c', tables })).toThrow(/ALTER of x/);
    expect(() => clusterStatements(all[0]!, { cluster: 'bad name; DROP', tables })).toThrow(/"bad name; DROP" is not valid/);
  });

  it('keeps the migrations table replicated on every node of every shard', () => {
    const ddl = normalize(clusterMigrationsTable('city'));
    expect(ddl).toContain('schema_migrations ON CLUSTER city');
    expect(ddl).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{replica}')");
  });
});
