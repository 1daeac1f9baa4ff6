/**
 * Writes storage batches into ClickHouse. Each table's rows go in one insert carrying an
 * `insert_deduplication_token` derived from the batch id, so a batch retried after a
 * failure (or a partial failure) is not stored twice (the tables keep a
 * non_replicated_deduplication_window; on a replicated cluster the same token applies).
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { batchJsonTables, type StorageBatch, type StorageSink } from './storage-batch.ts';

/**
 * An insert body of prebuilt text (TabSeparated rows) as the client takes it: a byte stream
 * whose one chunk stays a string. Without the encoding the stream turns the string into a
 * Buffer, and the embedded engine's connection turns it back into a string to append it to
 * the SQL text: ≈ 0.14 µs per row spent twice on the event loop (docs/benchmarks.md, run 2).
 */
export function textBody(text: string): Readable {
  return Readable.from([text], { objectMode: false, encoding: 'utf8' });
}

export interface ClickHouseSinkOptions {
  /** The tables are Distributed tables of a cluster (CITYTWIN_CLICKHOUSE_CLUSTER). */
  distributed?: boolean;
  /**
   * Called with the sensor ids of a batch's registry rows once they are stored, before its
   * readings are: the lookup that stores each reading's classification (migration 12) is
   * refreshed here, so a sensor's first readings carry the classification its meta gives.
   */
  onRegistryChanged?: (sensorIds: readonly string[]) => Promise<unknown>;
}

export class ClickHouseSink implements StorageSink {
  private readonly distributed: boolean;
  private readonly onRegistryChanged: ((sensorIds: readonly string[]) => Promise<unknown>) | null;

  constructor(
    private readonly client: ClickHouseClient,
    options: ClickHouseSinkOptions = {},
  ) {
    this.distributed = options.distributed ?? false;
    this.onRegistryChanged = options.onRegistryChanged ?? null;
  }

  async write(batch: StorageBatch): Promise<void> {
    const tables = batchJsonTables(batch);
    // Registry rows first (meta is rare: registrations and changes), then the readings.
    const registry = tables.find(([table]) => table === 'sensors');
    if (registry) {
      await this.client.insert({
        table: 'sensors',
        values: registry[1],
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings(batch, 'sensors', registry[1].length, this.distributed),
      });
      await this.onRegistryChanged?.(batch.sensors.map((row) => row.sensorId));
    }
    if (batch.readings.length > 0) {
      await this.client.insert({
        table: 'readings',
        values: textBody(batch.readings.text()),
        format: 'TabSeparated',
        clickhouse_settings: insertSettings(batch, 'readings', batch.readings.length, this.distributed),
      });
    }
    for (const [table, rows] of tables) {
      if (table === 'sensors') continue;
      await this.client.insert({
        table,
        values: rows,
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings(batch, table, rows.length, this.distributed),
      });
    }
  }
}

/**
 * The settings of a batch's insert into `table`: its deduplication token (from the batch id), the
 * views' deduplication, one block per insert. Exported for run 2's reference insert, which must
 * insert as the product does (docs/benchmarks.md).
 */
export function insertSettings(batch: Pick<StorageBatch, 'id'>, table: string, rows: number, distributed: boolean) {
  return {
    // A Distributed table otherwise queues the rows and answers at once: the batch would count
    // as stored before any shard has it, and a retry would not be deduplicated on the shards.
    ...(distributed ? { insert_distributed_sync: 1 as const } : {}),
    insert_deduplication_token: `${batch.id}:${table}`,
    // The rollup and latest-value views must not count a retried block twice either.
    deduplicate_blocks_in_dependent_materialized_views: 1 as const,
    // One block per insert keeps the token meaning "this batch's rows for this table".
    max_insert_block_size: String(Math.max(rows, 1)),
  };
}
