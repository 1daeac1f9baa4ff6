/**
 * The storage layer: the one place that holds the ClickHouse client, the schema migrations and
 * every query. It sits between the domain and the processes — it imports only `twin-model/`,
 * and `ingest/`, `web/` and `bin/` import it, never the reverse. Each concern (a table or a
 * family of tables) is one module that takes and returns typed rows; nothing outside this
 * folder sees SQL text, column positions or `@clickhouse/client`.
 */
export { createClickHouse, queryRows, type ClickHouseTarget, type StorageClient } from './clickhouse-client.ts';
export {
  runMigrations,
  MIGRATIONS,
  INCIDENT_CHANGES_DDL,
  DISPATCH_LOG_DDL,
  AUDIT_LOG_DDL,
  SENSOR_CLASSES_QUERY,
  CLASSIFICATION_DDL,
  RULE_VERSIONS_DDL,
  type Migration,
} from './migrations.ts';
export { KPI_ROLLUPS_DDL, REPLAY_MINUTE_ROLLUP_DDL, REPLAY_ROLLUP_DDL } from './rollups-ddl.ts';
export { clusterStatements, clusterMigrationsTable, createdTables, CLUSTER_NAME_PATTERN, type ClusterDdlOptions } from './cluster-ddl.ts';
export { ClickHouseSink, insertSettings, textBody, type ClickHouseSinkOptions } from './readings-sink.ts';
export {
  readingRow,
  readingRowsOf,
  pushReadingRows,
  emptyBatch,
  batchJsonTables,
  STORAGE_TABLES,
  type EntityName,
  type ReadingRow,
  type ReadingTextRow,
  type EventRow,
  type UnitPositionRow,
  type StorageBatch,
  type StorageTable,
  type StorageSink,
} from './storage-batch.ts';
export { ReadingRows } from './reading-rows.ts';
export * from './retention.ts';
export * from './retention-store.ts';
export * from './storage-usage.ts';
export * from './backup-store.ts';
export { VocabularyStore, VOCABULARY_DDL, DEVICE_METRIC_UNITS_DDL, type StoredKind, type StoredMetricUnit } from './vocabulary-store.ts';

// The sensor registry, stored readings and dead letters (the live feature and the ingest).
export {
  RegistryStore,
  registryRowOf,
  fromStoredSensor,
  storedClassification,
  type SensorRegistryRow,
  type RegistryCellQuery,
  type RegistryCellCount,
} from './registry-store.ts';
export {
  ReadingsStore,
  historyPlan,
  RAW_MAX_RANGE_MS,
  type HistoryQuery,
  type HistoryPoint,
  type SensorHistory,
  type LatestValue,
  type SensorLatestValue,
} from './readings-store.ts';
export { DeadLetterStore, type DeadLetterRow, type DeadLetterSummary } from './dead-letter-store.ts';

// Incidents, dispatch and the twin's rebuild: the event-sourced incident history, the
// hash-chained dispatch log, and the batched appender both write through.
export { BatchedAppender, type BatchedAppenderOptions } from './batched-appender.ts';
export { IncidentStore, incidentChangeRow, type IncidentChangeRow } from './incident-store.ts';
export { DispatchLogStore, dispatchLogRow, type DispatchLogRow } from './dispatch-log-store.ts';
export { TwinRebuildStore, type LatestReadingRow } from './twin-rebuild-store.ts';
export { readStoredJson, writeStoredJson, StoredJsonError, SCHEMA_VERSION_KEY, type StoredJsonFormat } from './stored-json/stored-json.ts';
export { INCIDENT_SNAPSHOT, encodeIncidentSnapshot, decodeIncidentSnapshot } from './stored-json/incident-snapshot.ts';
export { DISPATCH_LOG_DATA, encodeDispatchLogData, decodeDispatchLogData } from './stored-json/dispatch-log-data.ts';
// Notifications: configuration (versioned JSON) and the delivery log, migration 13.
export * from './notification-store.ts';
export * from './notification-config-json.ts';

// Replay, KPI, audit, accounts and backup: the records' stores (typed rows; the registry reads
// shared by replay and the KPI screen).
export * from './replay-store.ts';
export * from './kpi-store.ts';
export * from './accounts-store.ts';
export * from './audit-store.ts';
export { AUDIT_DATA_VERSION, configAuditData } from './stored-json/audit-data.ts';
// Hotline cases (民呼我应): the event-sourced case store and its versioned snapshots.
export { CapStore, capWarningColumns, CAP_DESK_DDL, CAP_WARNINGS_DDL, type CapDeskRow, type CapWarningRow } from './cap-store.ts';
export { CaseStore, caseChangeRowOf, CASES_DDL, MAX_CASE_LIST, type CaseChangeRow, type CaseListQuery } from './case-store.ts';
export { CaseDepartmentStore, type CaseDepartmentRow } from './case-department-store.ts';
export { FieldUnitStore, type FieldUnitRow } from './field-unit-store.ts';
export {
  CASE_SNAPSHOT_VERSION,
  CASE_SNAPSHOT_UPGRADERS,
  CaseSnapshotError,
  caseSnapshotV1,
  decodeCaseSnapshot,
  encodeCaseSnapshot,
  upgradeStoredDocument,
  type SnapshotUpgraders,
} from './case-snapshot.ts';
export { CityRegisterStore, CITY_REGISTER_DDL, registryRowsOf, type AppliedRegister } from './city-register-store.ts';
export {
  RegisterImportStore,
  REGISTER_IMPORTS_DDL,
  type RegisterImportRow,
  type RegisterImportSummary,
} from './register-import-store.ts';
// Rules at run time: versions of the alarm and incident rules, and the "try it" preview (docs/rules.md).
export {
  RulesStore,
  ruleVersionRowOf,
  RuleVersionConflictError,
  PREVIEW_RANGE_MS,
  type RuleVersionRow,
  type PreviewOptions,
  type PreviewReport,
} from './rules-store.ts';
export * from './shift-store.ts';
export * from './open-data-store.ts';
// Synthetic load for the benchmarks (simulations/bench/): bulk rows, counts, resets.
export * from './bench-load-store.ts';
