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
  private readonly distributed: boolean;

  /** `distributed`: the tables are Distributed tables of a cluster (CITYTWIN_CLICKHOUSE_CLUSTER). */
  constructor(
    private readonly client: ClickHouseClient,
    options: { distributed?: boolean } = {},
  ) {
    this.distributed = options.distributed ?? false;
  }

  async write(batch: StorageBatch): Promise<void> {
    if (batch.readings.length > 0) {
      await this.client.insert({
        table: 'readings',
        values: Readable.from([batch.readings.join('')], { objectMode: false }),
        format: 'TabSeparated',
        clickhouse_settings: settings(batch, 'readings', batch.readings.length, this.distributed),
      });
    }
    for (const [table, rows] of batchJsonTables(batch)) {
      await this.client.insert({ table, values: rows, format: 'JSONCompactEachRow', clickhouse_settings: settings(batch, table, rows.length, this.distributed) });
    }
  }
}

function settings(batch: StorageBatch, table: string, rows: number, distributed: boolean) {
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
