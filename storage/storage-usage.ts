/**
 * Disk use per table, from ClickHouse's `system.parts`, for `/metrics`
 * (`citytwin_storage_bytes{table="…"}`, `citytwin_storage_rows`, `citytwin_storage_parts`).
 * The only module with that SQL; the families are defined in bin/metrics/storage-families.ts.
 * Sampled in the background (once a minute by default), so a
 * scrape never waits on the engine.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './clickhouse-client.ts';

export interface TableUsage {
  table: string;
  /** Bytes of the table's active parts on disk (compressed). */
  bytes: number;
  /** Rows in its active parts: duplicates not yet collapsed by merges count until they are. */
  rows: number;
  /** Active parts (many small parts mean merges are falling behind). */
  parts: number;
}

/**
 * Every MergeTree-family table of the current database with its active parts' size; a table
 * with no parts yet shows zeros. On a cluster these are the tables of the node this client
 * talks to (the `<table>_local` tables hold the data; the Distributed ones show nothing).
 */
export async function tableUsage(client: ClickHouseClient): Promise<TableUsage[]> {
  const rows = await queryRows<{ table: string; bytes: string | number; rows: string | number; parts: string | number }>(
    client,
    `SELECT t.name AS table, coalesce(p.bytes, 0) AS bytes, coalesce(p.rows, 0) AS rows, coalesce(p.parts, 0) AS parts
     FROM system.tables AS t
     LEFT JOIN (
       SELECT table, sum(bytes_on_disk) AS bytes, sum(rows) AS rows, count() AS parts
       FROM system.parts WHERE active AND database = currentDatabase() GROUP BY table
     ) AS p ON p.table = t.name
     WHERE t.database = currentDatabase() AND t.engine LIKE '%MergeTree'
     ORDER BY t.name
     SETTINGS join_use_nulls = 1`,
  );
  return rows.map((r) => ({ table: r.table, bytes: Number(r.bytes), rows: Number(r.rows), parts: Number(r.parts) }));
}

/** Samples {@link tableUsage} every `everyMs` and keeps the last sample for `/metrics`. */
export class StorageUsageSampler {
  private usage: readonly TableUsage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Failed samples (the last good sample is kept). */
  failures = 0;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly everyMs = 60_000,
  ) {}

  /** Takes the first sample now (not awaited by start-up) and then every `everyMs`. */
  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
    this.timer.unref();
  }

  /** One sample; concurrent calls share it. */
  sample(): Promise<void> {
    this.running ??= tableUsage(this.client)
      .then((usage) => {
        this.usage = usage;
      })
      .catch(() => {
        this.failures++;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** The last sample (empty before the first one). */
  latest(): readonly TableUsage[] {
    return this.usage;
  }

  /** Stops sampling and waits for a sample in flight (before the client closes). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
