/**
 * Writes storage batches into ClickHouse. Each table's rows go in one insert carrying an
 * `insert_deduplication_token` derived from the batch id, so a batch retried after a
 * failure (or a partial failure) is not stored twice (the tables keep a
 * non_replicated_deduplication_window; on a replicated cluster the same token applies).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { batchTables, type StorageBatch, type StorageSink } from '../storage-batch.ts';

export class ClickHouseSink implements StorageSink {
  constructor(private readonly client: ClickHouseClient) {}

  async write(batch: StorageBatch): Promise<void> {
    for (const [table, rows] of batchTables(batch)) {
      await this.client.insert({
        table,
        values: rows,
        format: 'JSONCompactEachRow',
        clickhouse_settings: {
          insert_deduplication_token: `${batch.id}:${table}`,
          // The rollup and latest-value views must not count a retried block twice either.
          deduplicate_blocks_in_dependent_materialized_views: 1,
          // Rows arrive in batch order; one block per insert keeps the token meaningful.
          max_insert_block_size: String(Math.max(rows.length, 1)),
        },
      });
    }
  }
}
