/**
 * Migrations are history: a store created by an earlier release has run these statements, so
 * the SQL of migrations 7 (`readings_10s`) and 24 (`readings_60s`) must stay byte-identical,
 * however rollups-ddl.ts builds it. Written out here in full, on purpose.
 */
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.ts';

const statementsOf = (version: number): readonly string[] => {
  const migration = MIGRATIONS.find((m) => m.version === version);
  if (!migration) throw new Error(`no migration ${version}`);
  return migration.statements;
};

const READINGS_10S = [
  `CREATE TABLE IF NOT EXISTS readings_10s (
    bucket DateTime('UTC'),
    entity Enum8('sensor' = 1, 'service' = 2),
    sensor_id String,
    metric LowCardinality(String),
    last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_v AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
    min_v SimpleAggregateFunction(min, Float64),
    max_v SimpleAggregateFunction(max, Float64)
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMMDD(bucket)
  ORDER BY (bucket, entity, sensor_id, metric) SETTINGS non_replicated_deduplication_window = 10000`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS readings_10s_mv TO readings_10s AS
    SELECT toStartOfInterval(ts, INTERVAL 10 SECOND) AS bucket, entity, sensor_id, metric,
           max(ts) AS last_ts, argMaxState(value, ts) AS last_v, min(value) AS min_v, max(value) AS max_v
    FROM readings GROUP BY bucket, entity, sensor_id, metric`,
];

const READINGS_60S = [
  `CREATE TABLE IF NOT EXISTS readings_60s (
    minute DateTime('UTC'),
    entity Enum8('sensor' = 1, 'service' = 2),
    sensor_id String,
    metric LowCardinality(String),
    last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_v AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
    min_v SimpleAggregateFunction(min, Float64),
    max_v SimpleAggregateFunction(max, Float64)
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMMDD(minute)
  ORDER BY (minute, entity, sensor_id, metric) SETTINGS non_replicated_deduplication_window = 10000`,
  `ALTER TABLE readings_60s ADD COLUMN IF NOT EXISTS classification LowCardinality(String) MATERIALIZED dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), 'internal')`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS readings_60s_mv TO readings_60s AS
    SELECT toStartOfMinute(bucket) AS minute, entity, sensor_id, metric,
           max(last_ts) AS last_ts, argMaxMergeState(last_v) AS last_v, min(min_v) AS min_v, max(max_v) AS max_v
    FROM readings_10s GROUP BY minute, entity, sensor_id, metric`,
  `INSERT INTO readings_60s (minute, entity, sensor_id, metric, last_ts, last_v, min_v, max_v)
    SELECT toStartOfMinute(bucket) AS minute, entity, sensor_id, metric, max(last_ts), argMaxMergeState(last_v), min(min_v), max(max_v)
    FROM readings_10s GROUP BY minute, entity, sensor_id, metric`,
];

describe('the replay rollup migrations (pinned SQL)', () => {
  it('runs exactly the statements migration 7 has always run (readings_10s)', () => {
    expect(statementsOf(7)).toEqual(READINGS_10S);
  });

  it('runs exactly the statements migration 24 has always run (readings_60s)', () => {
    expect(statementsOf(24)).toEqual(READINGS_60S);
  });
});
