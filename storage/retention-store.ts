/**
 * Applies the retention policy (retention.ts) to the tables as ClickHouse TTLs, and keeps the
 * classification lookup behind it fed (migration 12). The only module with retention SQL.
 *
 * Applying is idempotent: each table's TTL as ClickHouse prints it (`system.tables.engine_full`)
 * is compared with the policy's clause, written in the same form, and only a table that differs
 * is altered (`ALTER TABLE … MODIFY TTL`, or `REMOVE TTL` for kept forever). A changed TTL is
 * materialized by ClickHouse (`materialize_ttl_after_modify`, on by default): rows the new
 * policy expires go at once, in the background on a server, not at the next merge that
 * happens to touch their part. An unchanged start issues no ALTER at all.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Classification } from '../twin-model/index.ts';
import { queryRows } from './clickhouse-client.ts';
import { clusterStatements, createdTables } from './cluster-ddl.ts';
import { MIGRATIONS, SENSOR_CLASSES_QUERY } from './migrations.ts';
import { RETENTION_TABLES, ttlClause, type RetentionPolicy } from './retention.ts';

/** One table whose TTL was changed. */
export interface RetentionChange {
  table: string;
  /** The TTL before (as ClickHouse printed it), or null for none. */
  from: string | null;
  /** The TTL applied, or null when the table now keeps its rows forever. */
  to: string | null;
}

/** A table's TTL as ClickHouse prints it in `engine_full`, or null for none. */
export function ttlOf(engineFull: string): string | null {
  const m = / TTL (.*?)(?: SETTINGS |$)/.exec(engineFull);
  return m ? m[1]!.trim() : null;
}

/**
 * The tables' current TTLs, by table name. On a cluster the data lives in `<table>_local`
 * (cluster-ddl.ts) and the TTL is read there, on the node this client talks to.
 */
export async function currentTtls(client: ClickHouseClient, cluster: string | null = null): Promise<Map<string, string | null>> {
  const names = RETENTION_TABLES.map((t) => (cluster ? `${t.table}_local` : t.table));
  const rows = await queryRows<{ name: string; engine_full: string }>(
    client,
    'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    { names },
  );
  const byName = new Map(rows.map((r) => [r.name, r.engine_full]));
  const out = new Map<string, string | null>();
  for (const t of RETENTION_TABLES) {
    const full = byName.get(cluster ? `${t.table}_local` : t.table);
    if (full !== undefined) out.set(t.table, ttlOf(full));
  }
  return out;
}

/**
 * Brings every table's TTL to the policy; returns the tables it changed (none when the policy
 * is already applied). Tables that do not exist (yet) are left alone. `cluster`: the ALTERs go
 * `ON CLUSTER` to the local tables.
 */
export async function applyRetention(
  client: ClickHouseClient,
  policy: RetentionPolicy,
  cluster: string | null = null,
): Promise<RetentionChange[]> {
  const current = await currentTtls(client, cluster);
  const tables = createdTables(MIGRATIONS.flatMap((m) => m.statements));
  const changes: RetentionChange[] = [];
  for (const t of RETENTION_TABLES) {
    if (!current.has(t.table)) continue;
    const from = current.get(t.table) ?? null;
    const to = ttlClause(policy, t.table);
    if (from === to) continue;
    const statement = to === null ? `ALTER TABLE ${t.table} REMOVE TTL` : `ALTER TABLE ${t.table} MODIFY TTL ${to}`;
    for (const query of cluster ? clusterStatements(statement, { cluster, tables }) : [statement]) await client.command({ query });
    changes.push({ table: t.table, from, to });
  }
  return changes;
}

/**
 * Records the classification of each data source (from the city model) for the lookup behind
 * the stored classification, and reloads it so readings stored from now on use it. Only sources
 * new or reclassified since the last start get a row: a restart on the same city writes none.
 */
export async function recordSourceClassifications(
  client: ClickHouseClient,
  sources: ReadonlyArray<{ id: string; classification: Classification }>,
  cluster: string | null = null,
): Promise<void> {
  if (sources.length > 0) {
    const stored = new Map(
      (
        await queryRows<{ source_id: string; classification: string }>(
          client,
          'SELECT source_id, argMax(classification, updated_at) AS classification FROM source_classes GROUP BY source_id',
        )
      ).map((r) => [r.source_id, r.classification]),
    );
    const changed = sources.filter((s) => stored.get(s.id) !== s.classification);
    if (changed.length > 0) {
      const now = Date.now();
      await client.insert({
        table: 'source_classes',
        values: changed.map((s) => ({ source_id: s.id, classification: s.classification, updated_at: now })),
        format: 'JSONEachRow',
      });
    }
  }
  await reloadClassifications(client, cluster);
}

/** Most sensor ids {@link refreshClassifications} checks one by one before reloading. */
export const CHECKED_IDS_MAX = 10_000;

/**
 * After registry rows of `sensorIds` are stored: reloads the lookup when it answers any of them
 * differently from the registry (a new sensor, a changed classification or source), and only
 * then — a full reload takes ≈1.1 s and 112 MiB at a million sensors (docs/storage.md), while
 * this check is a point lookup, and the metas a broker redelivers unchanged (retained
 * messages, a reconnect) need none. More than {@link CHECKED_IDS_MAX} ids (a city package's
 * whole register at its first start) are reloaded without the check: the engine took 3 minutes
 * to check 100,000 ids at once, where a reload takes about a second. Returns whether it reloaded.
 */
export async function refreshClassifications(
  client: ClickHouseClient,
  sensorIds: readonly string[],
  cluster: string | null = null,
): Promise<boolean> {
  if (sensorIds.length === 0) return false;
  if (sensorIds.length > CHECKED_IDS_MAX) {
    await reloadClassifications(client, cluster);
    return true;
  }
  const [row] = await queryRows<{ n: string | number }>(
    client,
    `SELECT count() AS n FROM (${SENSOR_CLASSES_QUERY} WHERE s.sensor_id IN {ids:Array(String)})
     WHERE dictGetOrDefault('sensor_classes', 'classification', tuple(sensor_id), '') != classification`,
    { ids: [...new Set(sensorIds)] },
  );
  if (Number(row?.n ?? 0) === 0) return false;
  await reloadClassifications(client, cluster);
  return true;
}

/** Reloads the sensor → classification lookup at once. */
export async function reloadClassifications(client: ClickHouseClient, cluster: string | null = null): Promise<void> {
  await client.command({
    query: cluster ? `SYSTEM RELOAD DICTIONARY ON CLUSTER ${cluster} sensor_classes` : 'SYSTEM RELOAD DICTIONARY sensor_classes',
  });
}
