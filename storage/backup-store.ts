/**
 * Backup and restore of the embedded ClickHouse store with ClickHouse's own `BACKUP DATABASE …
 * TO File(…)` and `RESTORE DATABASE … FROM File(…)` (docs/storage.md#backup-and-restore). The
 * only module with that SQL.
 *
 * The embedded engine refuses the `File` backup engine unless `backups.allowed_path` is
 * configured, which is not a setting but engine configuration: it is given when the engine is
 * opened (chdb's `connectionArgs`), on a session opened first on the data directory; the
 * `@clickhouse/client` connection opened next on the same path shares that engine. The engine
 * locks its directory (`status`), so this works on a store no other process has open: a running
 * CityTwin is refused with a message saying so.
 *
 * A backup copies the parts as they are (no re-insert): tables, views, the classification
 * dictionary and their data come back exactly, and restoring the raw tables does not run their
 * materialized views a second time over the rollups.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection } from 'chdb/connection';
import { queryRows } from './clickhouse-client.ts';

/** The embedded store opened for a backup or a restore. */
export interface BackupEngine {
  client: ClickHouseClient;
  close(): Promise<void>;
}

/** A table and its row count (every row of every part, as stored). */
export interface TableCount {
  table: string;
  rows: number;
}

export class EngineInUseError extends Error {}

/** A path as a ClickHouse string literal. */
function literal(path: string): string {
  return `'${path.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Opens the embedded engine on `<dataDir>/clickhouse` allowing `File` backups under
 * `backupsPath` only. Throws {@link EngineInUseError} when another process holds the store.
 */
export function openEngineForBackup(dataDir: string, backupsPath: string): BackupEngine {
  const path = resolve(dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  let session: Session;
  try {
    session = new Session(path, { connectionArgs: [`--backups.allowed_path=${resolve(backupsPath)}`] });
  } catch (err) {
    throw new EngineInUseError(
      `the embedded ClickHouse in ${path} cannot be opened (${(err as Error).message}); it is locked while CityTwin runs on this data directory: stop it first`,
    );
  }
  const client = createClient({ connection: createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
  return {
    client,
    close: async () => {
      await client.close();
      session.close();
    },
  };
}

/**
 * Stops background merges (and TTL merges) for the tables that exist, until the engine closes:
 * a merge collapses duplicates or drops expired rows and so changes a table's row count, which
 * must be the same when it is recorded, backed up and checked after a restore. The stop is not
 * persisted; the next start merges as usual.
 */
export async function holdMerges(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'SYSTEM STOP MERGES' });
  await client.command({ query: 'SYSTEM STOP TTL MERGES' });
}

/** Engines whose background merges collapse rows: their rows are counted as merged (`FINAL`). */
const COLLAPSING_ENGINES = /^(Replicated)?(Replacing|Aggregating|Summing|Collapsing|VersionedCollapsing|Coalescing)MergeTree$/;

/**
 * Row counts of every MergeTree-family table of the current database. A table whose merges
 * collapse rows is counted as fully merged (`FINAL`), so the count does not depend on whether a
 * merge ran before or after the backup, during the restore or before the check.
 */
export async function tableCounts(client: ClickHouseClient): Promise<TableCount[]> {
  const tables = await queryRows<{ name: string; engine: string }>(
    client,
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' ORDER BY name",
  );
  const out: TableCount[] = [];
  for (const { name, engine } of tables) {
    const final = COLLAPSING_ENGINES.test(engine) ? ' FINAL' : '';
    const [row] = await queryRows<{ n: string | number }>(client, `SELECT count() AS n FROM \`${name}\`${final}`);
    out.push({ table: name, rows: Number(row?.n ?? 0) });
  }
  return out;
}

/** The engine's version, recorded in a backup's manifest. */
export async function engineVersion(client: ClickHouseClient): Promise<string> {
  const [row] = await queryRows<{ v: string }>(client, 'SELECT version() AS v');
  return row?.v ?? 'unknown';
}

/** The schema migrations applied to the store (migrations.ts), in order. */
export async function schemaVersions(client: ClickHouseClient): Promise<number[]> {
  const rows = await queryRows<{ version: number | string }>(client, 'SELECT DISTINCT version FROM schema_migrations ORDER BY version');
  return rows.map((r) => Number(r.version));
}

/** `BACKUP DATABASE <current> TO File(dir)`: `dir` must not exist yet and lie under the allowed path. */
export async function backupDatabase(client: ClickHouseClient, dir: string): Promise<void> {
  await client.command({ query: `BACKUP DATABASE ${await currentDatabase(client)} TO File(${literal(resolve(dir))})` });
}

/** `RESTORE DATABASE <current> FROM File(dir)` into a store with none of its tables. */
export async function restoreDatabase(client: ClickHouseClient, dir: string): Promise<void> {
  await client.command({ query: `RESTORE DATABASE ${await currentDatabase(client)} FROM File(${literal(resolve(dir))})` });
}

async function currentDatabase(client: ClickHouseClient): Promise<string> {
  const [row] = await queryRows<{ db: string }>(client, 'SELECT currentDatabase() AS db');
  return `\`${(row?.db ?? 'default').replace(/`/g, '')}\``;
}
