/**
 * ClickHouse cluster mode (`CITYTWIN_CLICKHOUSE_CLUSTER`): the single-node migrations are
 * translated, statement by statement, into their cluster form, so there is one schema to
 * maintain. For each table `t` of a migration:
 *
 * - `t_local ON CLUSTER c`: the same columns, partitioning and order on the Replicated
 *   variant of the engine (path `/clickhouse/tables/{shard}/{database}/{table}`, replica
 *   `{replica}` — macros every server defines), with `replicated_deduplication_window` in place
 *   of `non_replicated_deduplication_window`: a retried batch with the same
 *   `insert_deduplication_token` is dropped by the replicas as it is by a single node;
 * - `t ON CLUSTER c`: a Distributed table over `t_local` under the original name, so the
 *   ingest and the queries use the same table names in both modes.
 *
 * The sharding key is a hash of columns that every duplicate shares (the sensor for readings,
 * the whole key elsewhere): a reading delivered twice lands on the same shard, where
 * ReplacingMergeTree collapses it, and a retried batch splits across shards exactly as the
 * first attempt did, so each shard's deduplication token matches. Readings, text values and
 * the rollup are sharded by sensor, which keeps a sensor's history and its minute rollup on
 * one shard. Materialized views are created on every node and read and write the local
 * tables: each shard rolls up the readings it holds.
 *
 * Statements the translation does not know are refused with the statement quoted, so a new
 * migration cannot silently skip the cluster (the unit test runs every migration through it).
 */

/** Deduplicates retried inserts that carry the same insert_deduplication_token. */
export const DEDUP = 'SETTINGS non_replicated_deduplication_window = 10000';

export interface ClusterDdlOptions {
  /** Cluster name as configured in the servers' `remote_servers`. */
  cluster: string;
  /** Tables created by migrations (all versions): `FROM`/`TO` of views are mapped to their local tables. */
  tables: ReadonlySet<string>;
}

/** Cluster names that are safe to put in DDL unquoted. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Sharding keys of the v1 tables (see the module comment); others hash their ORDER BY key. */
const SHARDING_KEYS: Readonly<Record<string, string>> = {
  readings: 'cityHash64(sensor_id)',
  readings_text: 'cityHash64(sensor_id)',
  readings_1m: 'cityHash64(sensor_id)',
  readings_10s: 'cityHash64(sensor_id)',
  readings_60s: 'cityHash64(sensor_id)',
  sensors: 'cityHash64(sensor_id)',
  events: 'cityHash64(source, id)',
  unit_positions: 'cityHash64(unit_id)',
  dead_letters: 'cityHash64(topic, received_at)',
  // One incident's whole history on one shard: its rebuild and history are single-shard reads.
  incident_changes: 'cityHash64(incident_id)',
};

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+) \(([\s\S]*)\)\s*ENGINE = (\w+)(?:\(([^)]*)\))?([\s\S]*)$/;
const CREATE_VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+)\s+TO\s+(\w+)\s+AS\s+([\s\S]*)$/;
const ALTER_TABLE = /^ALTER TABLE (\w+)\s+([\s\S]*)$/;
const INSERT_SELECT = /^INSERT INTO (\w+)\b[\s\S]*\bSELECT\b/;
const CREATE_DICTIONARY = /^CREATE DICTIONARY IF NOT EXISTS (\w+)\s*(\([\s\S]*)$/;
const MERGE_TREES = new Set([
  'MergeTree',
  'ReplacingMergeTree',
  'AggregatingMergeTree',
  'SummingMergeTree',
  'CollapsingMergeTree',
  'VersionedCollapsingMergeTree',
]);

/** The names of the tables that `statements` create (for {@link ClusterDdlOptions.tables}). */
export function createdTables(statements: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const s of statements) {
    const m = CREATE_TABLE.exec(s.trim());
    if (m) names.add(m[1]!);
  }
  return names;
}

function shardingKey(table: string, rest: string): string {
  const known = SHARDING_KEYS[table];
  if (known) return known;
  const order = /ORDER BY\s+(\([^)]*\)|[\w.]+)/.exec(rest);
  if (!order)
    throw new Error(
      `cluster mode: table ${table} has no ORDER BY to derive a sharding key from; add it to SHARDING_KEYS in storage/cluster-ddl.ts`,
    );
  const key = order[1]!.replace(/^\(|\)$/g, '').trim();
  return `cityHash64(${key})`;
}

/** Translates one single-node migration statement into its cluster statements. */
export function clusterStatements(statement: string, options: ClusterDdlOptions): string[] {
  const { cluster, tables } = options;
  if (!CLUSTER_NAME_PATTERN.test(cluster)) {
    throw new Error(
      `cluster name ${JSON.stringify(cluster)} is not valid: expected 1-64 characters of [A-Za-z0-9_], not starting with a digit`,
    );
  }
  const s = statement.trim();
  const table = CREATE_TABLE.exec(s);
  if (table) {
    const [, name, columns, engine, args, rest] = table as unknown as [string, string, string, string, string | undefined, string];
    if (!MERGE_TREES.has(engine))
      throw new Error(
        `cluster mode: table ${name} uses engine ${engine}; only the MergeTree family can be replicated (${[...MERGE_TREES].join(', ')})`,
      );
    const local = `${name}_local`;
    const replicatedArgs = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`, ...(args?.trim() ? [args.trim()] : [])].join(
      ', ',
    );
    const localRest = rest.replace(/non_replicated_deduplication_window/g, 'replicated_deduplication_window');
    return [
      `CREATE TABLE IF NOT EXISTS ${local} ON CLUSTER ${cluster} (${columns}) ENGINE = Replicated${engine}(${replicatedArgs})${localRest}`,
      `CREATE TABLE IF NOT EXISTS ${name} ON CLUSTER ${cluster} AS ${local} ENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${shardingKey(name, rest)})`,
    ];
  }
  const view = CREATE_VIEW.exec(s);
  if (view) {
    const [, name, target, select] = view as unknown as [string, string, string, string];
    if (!tables.has(target)) throw new Error(`cluster mode: view ${name} writes to ${target}, which no migration creates`);
    const localSelect = select.replace(/\b(FROM|JOIN)\s+(\w+)\b/g, (whole, kw: string, src: string) =>
      tables.has(src) ? `${kw} ${src}_local` : whole,
    );
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} ON CLUSTER ${cluster} TO ${target}_local AS ${localSelect}`];
  }
  const alter = ALTER_TABLE.exec(s);
  if (alter) {
    const [, name, action] = alter as unknown as [string, string, string];
    if (!tables.has(name)) throw new Error(`cluster mode: ALTER of ${name}, which no migration creates`);
    const local = `ALTER TABLE ${name}_local ON CLUSTER ${cluster} ${action}`;
    // Column changes must reach the Distributed table too (it has its own column list);
    // anything else (TTL, settings, indexes) concerns the stored data only. A MATERIALIZED
    // column is computed where the rows are stored and never inserted or selected with `*`,
    // so it belongs to the local table alone.
    const columnChange = /^\s*(ADD|DROP|MODIFY|RENAME|COMMENT) COLUMN\b/i.test(action) && !/\bMATERIALIZED\b/i.test(action);
    return columnChange ? [local, `ALTER TABLE ${name} ON CLUSTER ${cluster} ${action}`] : [local];
  }
  const dictionary = CREATE_DICTIONARY.exec(s);
  if (dictionary) {
    // On every node: the MATERIALIZED columns of the local tables look it up where they are
    // stored. Its source query reads the Distributed tables, so every node sees the whole registry.
    const [, name, rest] = dictionary as unknown as [string, string, string];
    return [`CREATE DICTIONARY IF NOT EXISTS ${name} ON CLUSTER ${cluster} ${rest}`];
  }
  if (INSERT_SELECT.test(s)) {
    // A one-off fill of a new table from an older one. INSERT has no ON CLUSTER form and each
    // shard must fill its own local table from its own rows: an operator runs it on every shard
    // (docs/storage.md), the migration leaves it out.
    return [];
  }
  throw new Error(
    `cluster mode cannot translate this migration statement (expected CREATE TABLE IF NOT EXISTS, CREATE MATERIALIZED VIEW IF NOT EXISTS … TO, CREATE DICTIONARY IF NOT EXISTS, ALTER TABLE, or INSERT INTO … SELECT): ${s.slice(0, 200)}`,
  );
}

/**
 * The migrations' bookkeeping table on a cluster: one replicated copy on every node of every
 * shard (the path has no `{shard}`), so any node a process connects to knows what ran.
 */
export function clusterMigrationsTable(cluster: string): string {
  return `CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER ${cluster} (
      version UInt32, name String, applied_at DateTime64(3, 'UTC')
    ) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{replica}') ORDER BY version`;
}
