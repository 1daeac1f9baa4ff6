/**
 * The storage layer: the one place that holds the ClickHouse client, the schema migrations and
 * every query. It sits between the domain and the processes — it imports only `twin-model/`,
 * and `ingest/`, `web/` and `bin/` import it, never the reverse. Each concern (a table or a
 * family of tables) is one module that takes and returns typed rows; nothing outside this
 * folder sees SQL text, column positions or `@clickhouse/client`.
 */
export { createClickHouse, queryRows, type ClickHouseTarget } from './clickhouse-client.ts';
export {
  runMigrations,
  MIGRATIONS,
  INCIDENT_CHANGES_DDL,
  DISPATCH_LOG_DDL,
  AUDIT_LOG_DDL,
  KPI_ROLLUPS_DDL,
  REPLAY_ROLLUP_DDL,
  SENSOR_CLASSES_QUERY,
  CLASSIFICATION_DDL,
  type Migration,
} from './migrations.ts';
export { clusterStatements, clusterMigrationsTable, createdTables, CLUSTER_NAME_PATTERN, type ClusterDdlOptions } from './cluster-ddl.ts';
export { ClickHouseSink, type ClickHouseSinkOptions } from './readings-sink.ts';
export {
  readingRow,
  emptyBatch,
  batchJsonTables,
  STORAGE_TABLES,
  type EntityName,
  type ReadingRow,
  type TextRow,
  type SensorRow,
  type DeadLetterRow,
  type EventRow,
  type PositionRow,
  type StorageBatch,
  type StorageTable,
  type StorageSink,
} from './storage-batch.ts';
export * from './retention.ts';
export * from './retention-store.ts';
export * from './storage-usage.ts';
export * from './backup-store.ts';

// Replay, KPI, audit, accounts and backup: the records' stores (typed rows; the registry reads
// shared by replay and the KPI screen).
export type { ClickHouseClient } from '@clickhouse/client';
export * from './registry-reads.ts';
export * from './replay-store.ts';
export * from './kpi-store.ts';
export * from './accounts-store.ts';
export * from './audit-store.ts';
export { AUDIT_DATA_VERSION, configAuditData } from './stored-json/audit-data.ts';
