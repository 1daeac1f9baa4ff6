/**
 * The rollup tables and their materialized views (migrations.ts runs them): the KPI screen's
 * rollups (kpi-store.ts reads them) and the replay's 10-second and 1-minute rollups (replay-store.ts).
 */
import { DEDUP } from './cluster-ddl.ts';

/**
 * The KPI rollups of the leader's screen (docs/kpi.md, storage/kpi-store.ts): every KPI is
 * read from these small tables, filled by materialized views at insert time, never by scanning
 * the raw tables. Each is ordered by time (or by incident) first, so "the last 15 minutes" or
 * "today" is a range read.
 *
 * - `sensor_activity_5m`: per sensor and 5 minutes, readings and the newest reading time (online
 *   rate per source and department, joined with the small `sensors` registry at query time).
 * - `service_queue_5m`: service-hall metrics (`queue_length`, `wait_min`) per hall and 5 minutes:
 *   last value by reading time, maximum.
 * - `incident_marks`: one row per incident (merged at query time): type, district, place, severity
 *   and status as of its newest change, when it was detected, first acknowledged, resolved,
 *   closed, last ended (resolved, closed, false alarm, merged); and, from
 *   the dispatch log, when its first unit was dispatched and first arrived. The response times
 *   and the open incidents come from it (the same rules as twin-model/dispatch/response-times.ts).
 * - `events_1h`: events per hour, source, type and category, counted by distinct id, so a case the
 *   broker delivered twice counts once, as in `events FINAL` (hotline cases).
 * - `dead_letters_1m`: rejected messages per minute and reason.
 */
export const KPI_ROLLUPS_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS sensor_activity_5m (
    bucket DateTime('UTC'),
    sensor_id String,
    n SimpleAggregateFunction(sum, UInt64),
    last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(bucket)
  ORDER BY (bucket, sensor_id) ${DEDUP}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS sensor_activity_5m_mv TO sensor_activity_5m AS
    SELECT toStartOfFiveMinutes(ts) AS bucket, sensor_id, count() AS n, max(ts) AS last_ts
    FROM readings WHERE entity = 'sensor' GROUP BY bucket, sensor_id`,
  `CREATE TABLE IF NOT EXISTS service_queue_5m (
    bucket DateTime('UTC'),
    sensor_id String,
    metric LowCardinality(String),
    last_v AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
    max_v SimpleAggregateFunction(max, Float64),
    last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(bucket)
  ORDER BY (bucket, sensor_id, metric) ${DEDUP}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS service_queue_5m_mv TO service_queue_5m AS
    SELECT toStartOfFiveMinutes(ts) AS bucket, sensor_id, metric, argMaxState(value, ts) AS last_v, max(value) AS max_v, max(ts) AS last_ts
    FROM readings WHERE metric IN ('queue_length', 'wait_min') GROUP BY bucket, sensor_id, metric`,
  `CREATE TABLE IF NOT EXISTS incident_marks (
    incident_id String,
    type AggregateFunction(argMax, String, UInt64),
    status AggregateFunction(argMax, String, UInt64),
    district AggregateFunction(argMax, String, UInt64),
    lng AggregateFunction(argMax, Float64, UInt64),
    lat AggregateFunction(argMax, Float64, UInt64),
    severity AggregateFunction(argMax, UInt8, UInt64),
    last_change AggregateFunction(argMax, String, UInt64),
    ended_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    detected_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    acknowledged_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    resolved_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    closed_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    false_alarm_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    reopened_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    dispatched_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    arrived_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC')))
  ) ENGINE = AggregatingMergeTree
  ORDER BY incident_id ${DEDUP}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS incident_marks_changes_mv TO incident_marks AS
    SELECT incident_id,
      argMaxState(toString(type), seq) AS type,
      argMaxState(toString(status), seq) AS status,
      argMaxState(JSONExtractString(incident, 'district'), seq) AS district,
      argMaxState(JSONExtractFloat(incident, 'lng'), seq) AS lng,
      argMaxState(JSONExtractFloat(incident, 'lat'), seq) AS lat,
      argMaxState(toUInt8(JSONExtractUInt(incident, 'severity')), seq) AS severity,
      argMaxIfState(toString(what), seq, what IN ('resolved', 'closed', 'false_alarm', 'merged_into', 'reopened')) AS last_change,
      maxIfOrNull(at, what IN ('resolved', 'closed', 'false_alarm', 'merged_into')) AS ended_at,
      min(toNullable(fromUnixTimestamp64Milli(JSONExtractInt(incident, 'openedAt'), 'UTC'))) AS detected_at,
      minIfOrNull(at, what = 'acknowledged') AS acknowledged_at,
      minIfOrNull(at, what = 'resolved') AS resolved_at,
      minIfOrNull(at, what = 'closed') AS closed_at,
      maxIfOrNull(at, what = 'false_alarm') AS false_alarm_at,
      maxIfOrNull(at, what = 'reopened') AS reopened_at
    FROM incident_changes GROUP BY incident_id`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS incident_marks_dispatch_mv TO incident_marks AS
    SELECT incident_id,
      minIfOrNull(at, action IN ('assign', 'override')) AS dispatched_at,
      minIfOrNull(at, action = 'arrive' OR (action = 'status' AND JSONExtractString(data, 'to') = 'on_scene')) AS arrived_at
    FROM dispatch_log WHERE incident_id != '' GROUP BY incident_id`,
  `CREATE TABLE IF NOT EXISTS events_1h (
    hour DateTime('UTC'),
    source LowCardinality(String),
    type LowCardinality(String),
    category LowCardinality(String),
    ids AggregateFunction(uniqExact, String)
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(hour)
  ORDER BY (hour, source, type, category) ${DEDUP}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS events_1h_mv TO events_1h AS
    SELECT toStartOfHour(ts) AS hour, source, type, category, uniqExactState(id) AS ids
    FROM events GROUP BY hour, source, type, category`,
  `CREATE TABLE IF NOT EXISTS dead_letters_1m (
    minute DateTime('UTC'),
    reason LowCardinality(String),
    n SimpleAggregateFunction(sum, UInt64)
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMM(minute)
  ORDER BY (minute, reason) ${DEDUP}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS dead_letters_1m_mv TO dead_letters_1m AS
    SELECT toStartOfMinute(received_at) AS minute, reason, count() AS n
    FROM dead_letters GROUP BY minute, reason`,
];

/**
 * The one table shape of both replay levels (`readings_10s` by `bucket`, `readings_60s` by
 * `minute`): per time slot, sensor and metric the last value and its time, and the range. Only
 * the table's and the time column's names differ; the text is exactly what migrations 7 and 24
 * have always run (rollups-ddl.test.ts pins it).
 */
function replayRollupTable(table: string, slot: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    ${slot} DateTime('UTC'),
    entity Enum8('sensor' = 1, 'service' = 2),
    sensor_id String,
    metric LowCardinality(String),
    last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_v AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
    min_v SimpleAggregateFunction(min, Float64),
    max_v SimpleAggregateFunction(max, Float64)
  ) ENGINE = AggregatingMergeTree
  PARTITION BY toYYYYMMDD(${slot})
  ORDER BY (${slot}, entity, sensor_id, metric) ${DEDUP}`;
}

/**
 * The replay rollup (docs/replay.md, docs/storage.md): per 10 s bucket, sensor and metric the
 * last value and its time, and the range (min, max). Ordered by time first, so "every sensor's
 * last value before T" or "the values of a playback chunk" is a range read of a few granules,
 * where `readings` and `readings_1m` (sensor first) touch every granule of the partition for any
 * time slice. No TTL: a replay may ask for any moment `readings` still holds, and the table has
 * at most a tenth of its rows.
 */
export const REPLAY_ROLLUP_DDL: readonly string[] = [
  replayRollupTable('readings_10s', 'bucket'),
  `CREATE MATERIALIZED VIEW IF NOT EXISTS readings_10s_mv TO readings_10s AS
    SELECT toStartOfInterval(ts, INTERVAL 10 SECOND) AS bucket, entity, sensor_id, metric,
           max(ts) AS last_ts, argMaxState(value, ts) AS last_v, min(value) AS min_v, max(value) AS max_v
    FROM readings GROUP BY bucket, entity, sensor_id, metric`,
];

/**
 * The replay's coarse level (docs/replay.md, docs/storage.md): `readings_10s` merged per minute,
 * same columns, also ordered by time first. A keyframe's hour reads its whole minutes here (one
 * row per sensor and metric a minute instead of six) and only the 10 s buckets of the partial
 * minutes at its ends from `readings_10s`. Its view is fed by the inserts into `readings_10s`
 * (ClickHouse cascades materialized views), so ingest aggregates a tenth of the readings' rows
 * again, not the readings. The last statement fills it once from what `readings_10s` holds when
 * the migration runs; a row the view also wrote in between is harmless (last value, minimum and
 * maximum are the same however often a row is merged in).
 */
export const REPLAY_MINUTE_ROLLUP_DDL: readonly string[] = [
  replayRollupTable('readings_60s', 'minute'),
  `ALTER TABLE readings_60s ADD COLUMN IF NOT EXISTS classification LowCardinality(String) MATERIALIZED dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), 'internal')`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS readings_60s_mv TO readings_60s AS
    SELECT toStartOfMinute(bucket) AS minute, entity, sensor_id, metric,
           max(last_ts) AS last_ts, argMaxMergeState(last_v) AS last_v, min(min_v) AS min_v, max(max_v) AS max_v
    FROM readings_10s GROUP BY minute, entity, sensor_id, metric`,
  `INSERT INTO readings_60s (minute, entity, sensor_id, metric, last_ts, last_v, min_v, max_v)
    SELECT toStartOfMinute(bucket) AS minute, entity, sensor_id, metric, max(last_ts), argMaxMergeState(last_v), min(min_v), max(max_v)
    FROM readings_10s GROUP BY minute, entity, sensor_id, metric`,
];
