/**
 * Writes storage batches into ClickHouse. Each table's rows go in one insert carrying an
 * `insert_deduplication_token` derived from the batch id, so a batch retried after a
 * failure (or a partial failure) is not stored twice (the tables keep a
 * non_replicated_deduplication_window; on a replicated cluster the same token applies).
 */
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { batchJsonTables, type StorageBatch, type StorageSink } from '../storage-batch.ts';

export class ClickHouseSink implements StorageSink {
  constructor(private readonly client: ClickHouseClient) {}

  async write(batch: StorageBatch): Promise<void> {
    if (batch.readings.length > 0) {
      await this.client.insert({
        table: 'readings',
        values: Readable.from([batch.readings.join('')], { objectMode: false }),
        format: 'TabSeparated',
        clickhouse_settings: settings(batch, 'readings', batch.readings.length),
      });
    }
    for (const [table, rows] of batchJsonTables(batch)) {
      await this.client.insert({ table, values: rows, format: 'JSONCompactEachRow', clickhouse_settings: settings(batch, table, rows.length) });
    }
  }
}

function settings(batch: StorageBatch, table: string, rows: number) {
  return {
    insert_deduplication_token: `${batch.id}:${table}`,
    // The rollup and latest-value views must not count a retried block twice either.
    deduplicate_blocks_in_dependent_materialized_views: 1 as const,
    // One block per insert keeps the token meaning "this batch's rows for this table".
    max_insert_block_size: String(Math.max(rows, 1)),
  };
}
