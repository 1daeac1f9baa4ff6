/**
 * Versioned, idempotent schema migrations, run at start by every process that writes.
 * Each migration runs once (recorded in `schema_migrations`); every statement is also
 * `IF NOT EXISTS`, so a migration interrupted half-way can simply run again.
 *
 * Table design (docs/storage.md):
 * - `readings`: history by sensor and time. ReplacingMergeTree keyed by
 *   (entity, sensor_id, metric, ts): a reading delivered twice collapses into one.
 * - `readings_1m`: per-minute rollup (min, max, sum, count, last value and its time) fed by a
 *   materialized view: charts over long ranges, and the recent state (latest value per sensor
 *   and metric) the twin rebuilds from after a restart. A separate latest-value view cost as
 *   much CPU per insert as the table itself (docs/benchmarks.md), so the rollup serves both.
 * - `readings_text`: SenML vs/vb/vd values.
 * - `sensors`: the registry from meta messages (ReplacingMergeTree by update time).
 * - `dead_letters`: every rejected message with topic, reason and truncated payload.
 * - `events`, `unit_positions`: discrete reports and AVL, for incidents and dispatch.
 * - `users`, `api_tokens` (sessions are tokens of kind `session`), `security_events`: accounts
 *   and the security log (web/server/auth, docs/security.md).
 * - `source_classes` and the `sensor_classes` dictionary: the classification stored with each
 *   sensor value, for retention by classification (migration 12).
 * - `audit_log`: the hash-chained record of every action (web/server/audit, docs/security.md).
 * - `notification_channels`, `notification_contacts`, `notification_subscriptions`,
 *   `escalation_policies`, `oncall_rosters`, `notification_deliveries`: notification
 *   configuration as versioned JSON and the delivery log (storage/notification-store.ts,
 *   docs/notifications.md; migration 13).
 * - `cases`: hotline cases as event-sourced changes (storage/case-store.ts, docs/cases.md).
 * - `case_departments`: which department each case handler's account is bound to
 *   (storage/case-department-store.ts, docs/cases.md; migration 19).
 * - `field_units`: which response unit each field crew's account is bound to
 *   (storage/field-unit-store.ts, docs/dispatch.md; migration 23).
 * - `rule_versions`: every saved version of the alarm and incident rules (rules-store.ts, docs/rules.md).
 * - `city_register`: every version of the city package's sensors, units and sources as applied
 *   at start, retired entries kept (storage/city-register-store.ts; migration 16).
 * - `vocabulary_kinds`, `device_external_ids`: sensor kinds declared by an administrator or a
 *   meta message, and device names bound by meta (storage/vocabulary-store.ts, docs/ingest.md;
 *   migration 17).
 * - `device_metric_units`: the unit a sensor's metric outside the vocabulary last came in, one row
 *   per change of unit (storage/vocabulary-store.ts, docs/ingest.md; migration 25).
 * - `shift_log`: the command centre's shift log (shift-store.ts, docs/shifts.md; migration 18).
 * - `cap_desk_changes`, `cap_warnings`: the public-warning desk (event-sourced, the alerts as CAP
 *   XML) and the official warnings received (cap-store.ts, docs/cap.md; migration 20).
 * - `open_data_keys`: the open-data portal's API keys, hashed (open-data-store.ts, docs/open-data.md;
 *   migration 21).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './clickhouse-client.ts';
import { clusterMigrationsTable, clusterStatements, createdTables, DEDUP } from './cluster-ddl.ts';
import { KPI_ROLLUPS_DDL, REPLAY_MINUTE_ROLLUP_DDL, REPLAY_ROLLUP_DDL } from './rollups-ddl.ts';
import { NOTIFICATIONS_DDL } from './notification-store.ts';
import { CITY_REGISTER_DDL } from './city-register-store.ts';
import { OPEN_DATA_KEYS_DDL } from './open-data-store.ts';
import { REGISTER_IMPORTS_DDL } from './register-import-store.ts';
import { SHIFT_LOG_DDL } from './shift-store.ts';
import { DEVICE_METRIC_UNITS_DDL, VOCABULARY_DDL } from './vocabulary-store.ts';
import { CAP_DESK_DDL, CAP_WARNINGS_DDL } from './cap-store.ts';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/**
 * The event-sourced incident store (storage/incident-store.ts): one row per change the
 * correlator or an operator makes, carrying the incident as it is after the change. Ordered by
 * incident and sequence, so an incident's history is one range read.
 */
export const INCIDENT_CHANGES_DDL = `CREATE TABLE IF NOT EXISTS incident_changes (
  incident_id String,
  seq UInt64,
  at DateTime64(3, 'UTC'),
  actor LowCardinality(String),
  what LowCardinality(String),
  detail String,
  type LowCardinality(String),
  status LowCardinality(String),
  incident String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (incident_id, seq)
${DEDUP}`;

/**
 * The dispatch log (web/server/dispatch/dispatch-service.ts): every dispatch action — recommendation
 * shown, assignment, override, status change, arrival, release, warning — as one entry of a
 * SHA-256 hash chain (twin-model/dispatch/dispatch-log.ts), so an altered or removed entry is
 * found by `GET /api/dispatch/log/verify` or `bin/verify-dispatch-log.ts`.
 */
export const DISPATCH_LOG_DDL = `CREATE TABLE IF NOT EXISTS dispatch_log (
  seq UInt64,
  at DateTime64(3, 'UTC'),
  actor LowCardinality(String),
  action LowCardinality(String),
  unit_id String,
  incident_id String,
  reason String,
  data String,
  prev_hash FixedString(64),
  hash FixedString(64)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY seq
${DEDUP}`;

/**
 * The audit log (storage/audit-store.ts, docs/security.md): one row per action —
 * incident actions by people, dispatch, security events, configuration changes, exports — as
 * one entry of a SHA-256 hash chain per key pair (`chain`, the key's fingerprint;
 * twin-model/audit/audit-log.ts), whose heads are signed in checkpoints kept outside the database.
 */
export const AUDIT_LOG_DDL = `CREATE TABLE IF NOT EXISTS audit_log (
  chain LowCardinality(String),
  seq UInt64,
  at DateTime64(3, 'UTC'),
  actor String,
  stream LowCardinality(String),
  action LowCardinality(String),
  object String,
  detail String,
  data String,
  prev_hash FixedString(64),
  hash FixedString(64)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (chain, seq)
${DEDUP}`;

/**
 * The hotline cases (storage/case-store.ts, docs/cases.md), event-sourced as incidents are: one
 * row per change — intake, assignment, acceptance, reply, return, closing, feedback, reopening,
 * incident link, a missed time limit — carrying the case as it is after the change (`snapshot`,
 * versioned JSON validated on read: storage/case-snapshot.ts). `seq` is the change's place in the
 * case's history, so a change stored twice is the same row. The columns beside the snapshot are
 * what the desk and the KPI filter on. The snapshot holds the case text and the caller: the table
 * is SENSITIVE as a whole.
 */
export const CASES_DDL = `CREATE TABLE IF NOT EXISTS cases (
  case_id String,
  seq UInt32,
  at DateTime64(3, 'UTC'),
  what LowCardinality(String),
  actor String,
  actor_role LowCardinality(String),
  status LowCardinality(String),
  department String,
  category LowCardinality(String),
  district LowCardinality(String),
  source LowCardinality(String),
  external_id String,
  received_at DateTime64(3, 'UTC'),
  snapshot String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (case_id, seq)
${DEDUP}`;

/**
 * Which department a case handler's account is bound to (the `department` role): one row per
 * change, the newest by `updated_at` counts; an empty department is an unbinding.
 */
export const CASE_DEPARTMENTS_DDL = `CREATE TABLE IF NOT EXISTS case_departments (
  username String,
  department String,
  changed_by String,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY username`;

/**
 * Which response unit a field crew's account is bound to (the `field` role): one row per change,
 * the newest by `updated_at` counts; an empty unit id is an unbinding.
 */
export const FIELD_UNITS_DDL = `CREATE TABLE IF NOT EXISTS field_units (
  username String,
  unit_id String,
  changed_by String,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY username`;

/**
 * The classification of every registered sensor, as the `sensor_classes` dictionary loads it
 * (and as retention-store.ts checks it against the loaded one).
 */
export const SENSOR_CLASSES_QUERY = `SELECT s.sensor_id AS sensor_id, ['internal', 'public', 'internal', 'sensitive'][1 + greatest(indexOf(['public', 'internal', 'sensitive'], toString(s.classification)), indexOf(['public', 'internal', 'sensitive'], toString(c.classification)))] AS classification FROM sensors AS s FINAL LEFT JOIN source_classes AS c FINAL ON s.source = c.source_id`;

/**
 * Classification on the rows of the tables that carry sensor values (docs/storage.md#retention),
 * so retention can differ by classification (`CITYTWIN_RETENTION`, retention.ts).
 *
 * A sensor's classification is the higher of its own (`sensors.classification`, from its meta)
 * and its source's (`source_classes`, written at start from the city model by the process that
 * has it): meta may raise it, never lower it (web/server/auth/classification.ts); with neither,
 * `internal` (UNCLASSIFIED_AS of the access policy). The `sensor_classes` dictionary holds
 * that answer per sensor, reloaded when the registry changes (by the ingest after storing
 * registry rows, retention-store.ts; on a server also by its invalidate query, checked every
 * 5–10 s); each classified table gets a MATERIALIZED column that looks the sensor up as
 * a row is stored. A column rather than a lookup inside the TTL expression: the row keeps the
 * classification it was collected under (a later reclassification does not move old rows from
 * one retention to another), the TTL is computed once at insert as ClickHouse expects, and the
 * ingest's positional inserts and every `SELECT *` are unchanged (a MATERIALIZED column is
 * neither expected on insert nor returned by `*`). Rows stored before this migration read the
 * column as computed now.
 */
export const CLASSIFICATION_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS source_classes (
    source_id String,
    classification LowCardinality(String),
    updated_at DateTime64(3, 'UTC')
  ) ENGINE = ReplacingMergeTree(updated_at)
  ORDER BY source_id`,
  `CREATE DICTIONARY IF NOT EXISTS sensor_classes (
    sensor_id String,
    classification String
  ) PRIMARY KEY sensor_id
  SOURCE(CLICKHOUSE(
    QUERY '${SENSOR_CLASSES_QUERY.replace(/'/g, "\\'")}'
    INVALIDATE_QUERY 'SELECT (SELECT count() FROM sensors), (SELECT max(updated_at) FROM sensors), (SELECT count() FROM source_classes), (SELECT max(updated_at) FROM source_classes)'
  ))
  LIFETIME(MIN 5 MAX 10)
  LAYOUT(COMPLEX_KEY_HASHED())`,
  ...['readings', 'readings_text', 'readings_1m', 'readings_10s'].map(
    (table) =>
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS classification LowCardinality(String) MATERIALIZED dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), 'internal')`,
  ),
];

/**
 * Versions of the rules in force (storage/rules-store.ts, docs/rules.md): one row per save, per
 * scope (`alarms`, `incidents`), the rule set as versioned JSON (`schemaVersion`). A plain
 * MergeTree: two saves racing for the same version number both stay, and the earlier one
 * (by time, then save id) is the version; the other save is told it lost.
 */
export const RULE_VERSIONS_DDL = `CREATE TABLE IF NOT EXISTS rule_versions (
  scope LowCardinality(String),
  version UInt32,
  save_id String,
  at DateTime64(3, 'UTC'),
  author String,
  reason String,
  rule_set String
) ENGINE = MergeTree
ORDER BY (scope, version, at, save_id)`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'readings, rollups, registry, dead letters, events, unit positions',
    statements: [
      `CREATE TABLE IF NOT EXISTS readings (
        entity Enum8('sensor' = 1, 'service' = 2),
        sensor_id String,
        metric LowCardinality(String),
        ts DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
        value Float64 CODEC(Gorilla, ZSTD(1)),
        received_at DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1))
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (entity, sensor_id, metric, ts) ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS readings_1m (
        entity Enum8('sensor' = 1, 'service' = 2),
        sensor_id String,
        metric LowCardinality(String),
        minute DateTime('UTC'),
        min_v SimpleAggregateFunction(min, Float64),
        max_v SimpleAggregateFunction(max, Float64),
        sum_v SimpleAggregateFunction(sum, Float64),
        n SimpleAggregateFunction(sum, UInt64),
        last_v AggregateFunction(argMax, Float64, DateTime64(3, 'UTC')),
        last_ts SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
      ) ENGINE = AggregatingMergeTree
      PARTITION BY toYYYYMM(minute)
      ORDER BY (entity, sensor_id, metric, minute) ${DEDUP}`,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS readings_1m_mv TO readings_1m AS
        SELECT entity, sensor_id, metric, toStartOfMinute(ts) AS minute,
               min(value) AS min_v, max(value) AS max_v, sum(value) AS sum_v, count() AS n,
               argMaxState(value, ts) AS last_v, max(ts) AS last_ts
        FROM readings GROUP BY entity, sensor_id, metric, minute`,
      `CREATE TABLE IF NOT EXISTS readings_text (
        entity Enum8('sensor' = 1, 'service' = 2),
        sensor_id String,
        metric LowCardinality(String),
        ts DateTime64(3, 'UTC'),
        value String,
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(ts)
      ORDER BY (entity, sensor_id, metric, ts) ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS sensors (
        sensor_id String,
        kind LowCardinality(String),
        lng Float64,
        lat Float64,
        name String,
        unit String,
        district LowCardinality(String),
        source LowCardinality(String),
        classification LowCardinality(String),
        deleted UInt8,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY sensor_id ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS dead_letters (
        received_at DateTime64(3, 'UTC'),
        topic String,
        reason LowCardinality(String),
        detail String,
        source LowCardinality(String),
        payload String,
        payload_encoding Enum8('utf8' = 1, 'base64' = 2),
        payload_bytes UInt32
      ) ENGINE = MergeTree
      PARTITION BY toYYYYMM(received_at)
      ORDER BY (received_at, reason) ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS events (
        source LowCardinality(String),
        id String,
        ts DateTime64(3, 'UTC'),
        type LowCardinality(String),
        category LowCardinality(String),
        lng Float64,
        lat Float64,
        severity Nullable(UInt8),
        text String,
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(ts)
      ORDER BY (source, id) ${DEDUP}`,
      `CREATE TABLE IF NOT EXISTS unit_positions (
        unit_id String,
        ts DateTime64(3, 'UTC'),
        lng Float64,
        lat Float64,
        speed Nullable(Float32),
        heading Nullable(Float32),
        status LowCardinality(String),
        received_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMMDD(ts)
      ORDER BY (unit_id, ts) ${DEDUP}`,
    ],
  },
  {
    version: 2,
    name: 'accounts, API tokens, sessions, security events (web/server/auth)',
    // Secrets are never stored: passwords as scrypt hashes, tokens and sessions as SHA-256 of
    // the token. ReplacingMergeTree by updated_at: a change (new roles, revocation) is a new row.
    statements: [
      `CREATE TABLE IF NOT EXISTS users (
        username String,
        display_name String,
        roles Array(LowCardinality(String)),
        password_hash String,
        disabled UInt8,
        created_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY username`,
      `CREATE TABLE IF NOT EXISTS api_tokens (
        token_id String,
        token_hash String,
        owner String,
        name String,
        roles Array(LowCardinality(String)),
        kind LowCardinality(String),
        created_at DateTime64(3, 'UTC'),
        expires_at DateTime64(3, 'UTC'),
        revoked UInt8,
        updated_at DateTime64(3, 'UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY token_id`,
      `CREATE TABLE IF NOT EXISTS security_events (
        ts DateTime64(3, 'UTC'),
        type LowCardinality(String),
        outcome LowCardinality(String),
        username String,
        client String,
        detail String,
        node String
      ) ENGINE = MergeTree
      PARTITION BY toYYYYMM(ts)
      ORDER BY (ts, type)`,
    ],
  },
  // Numbered 4 by the incident-fusion work; migrations run in version order, so a gap is harmless.
  {
    version: 4,
    name: 'incident changes (event-sourced incident store)',
    statements: [INCIDENT_CHANGES_DDL],
  },
  {
    version: 5,
    name: 'dispatch log (hash-chained)',
    statements: [DISPATCH_LOG_DDL],
  },
  {
    version: 6,
    name: 'KPI rollups for the leader screen (docs/kpi.md)',
    statements: [...KPI_ROLLUPS_DDL],
  },
  {
    version: 7,
    name: 'time-first 10 s rollup for replay keyframes and frames (docs/replay.md)',
    statements: [...REPLAY_ROLLUP_DDL],
  },
  // Numbered 12 by the retention work; the TTLs themselves are applied after the migrations
  // at every start, from the configuration (retention-store.ts).
  {
    version: 12,
    name: 'classification of stored sensor values, for retention by classification (docs/storage.md)',
    statements: [...CLASSIFICATION_DDL],
  },
  // Numbered 10 by the audit work (8 and 9 belong to other work).
  {
    version: 10,
    name: 'audit log (hash-chained, checkpoints signed outside the database)',
    statements: [AUDIT_LOG_DDL],
  },
  // Numbered 13 by the notifications work.
  {
    version: 13,
    name: 'notification channels, contacts, subscriptions, escalation policies, on-call rosters, delivery log (docs/notifications.md)',
    statements: [...NOTIFICATIONS_DDL],
  },
  // Numbered 14 by the hotline-case work.
  {
    version: 14,
    name: 'hotline cases (event-sourced case changes with versioned snapshots)',
    statements: [CASES_DDL],
  },
  // Numbered 15 by the run-time rules work.
  {
    version: 15,
    name: 'rule versions (alarm and incident rules, versioned)',
    statements: [RULE_VERSIONS_DDL],
  },
  // Numbered 16 by the city-package start.
  {
    version: 16,
    name: "the city's registers as applied from its package: sensors, units, sources, retired ones kept (docs/city-packages.md)",
    statements: [CITY_REGISTER_DDL],
  },
  // Numbered 17 by the devices work.
  {
    version: 17,
    name: 'declared sensor kinds and device names bound by meta (docs/ingest.md, devices as they come)',
    statements: [...VOCABULARY_DDL],
  },
  // Numbered 18 by the operations-loop work.
  {
    version: 18,
    name: "the command centre's shift log: notes, handovers with their summary, sign-offs (docs/shifts.md)",
    statements: [SHIFT_LOG_DDL],
  },
  // Numbered 19 by the case-desk wiring.
  {
    version: 19,
    name: 'department bindings of case handlers (docs/cases.md)',
    statements: [CASE_DEPARTMENTS_DDL],
  },
  // Numbered 20 by the public-warnings work.
  {
    version: 20,
    name: 'public warnings: the CAP desk (event-sourced) and official warnings received (docs/cap.md)',
    statements: [CAP_DESK_DDL, CAP_WARNINGS_DDL],
  },
  // Numbered 21 by the open-data work.
  {
    version: 21,
    name: 'open-data portal API keys, stored hashed (docs/open-data.md)',
    statements: [OPEN_DATA_KEYS_DDL],
  },
  {
    version: 22,
    name: 'register imports at run time: dry runs and applied imports of sensors, units, sources and vocabulary (docs/city-packages.md)',
    statements: [REGISTER_IMPORTS_DDL],
  },
  {
    version: 23,
    name: "field crews' unit bindings (docs/dispatch.md, the field page)",
    statements: [FIELD_UNITS_DDL],
  },
  {
    version: 24,
    name: "the replay's per-minute time-first rollup readings_60s, fed from readings_10s and filled from it (docs/replay.md)",
    statements: [...REPLAY_MINUTE_ROLLUP_DDL],
  },
  {
    version: 25,
    name: 'the unit each sensor metric outside the vocabulary last came in, one row per change (docs/ingest.md)',
    statements: [DEVICE_METRIC_UNITS_DDL],
  },
];

/**
 * Applies the migrations not yet recorded; returns the versions it applied. With `cluster`
 * (CITYTWIN_CLICKHOUSE_CLUSTER) every statement is translated into its `ON CLUSTER` form:
 * replicated local tables and Distributed tables under the original names (cluster-ddl.ts).
 */
export async function runMigrations(
  client: ClickHouseClient,
  migrations: readonly Migration[] = MIGRATIONS,
  cluster: string | null = null,
): Promise<number[]> {
  const tables = createdTables(migrations.flatMap((m) => m.statements));
  const translate = (statement: string): string[] => (cluster ? clusterStatements(statement, { cluster, tables }) : [statement]);
  await client.command({
    query: cluster
      ? clusterMigrationsTable(cluster)
      : `CREATE TABLE IF NOT EXISTS schema_migrations (
      version UInt32, name String, applied_at DateTime64(3, 'UTC')
    ) ENGINE = ReplacingMergeTree ORDER BY version`,
  });
  const done = new Set(
    (await queryRows<{ version: number }>(client, 'SELECT version FROM schema_migrations FINAL')).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements.flatMap(translate)) await client.command({ query: statement });
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, applied_at: Date.now() }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  return applied;
}
