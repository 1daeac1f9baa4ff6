/**
 * The row counts a backup records and a restore checks, on the real embedded engine: a table whose
 * merges collapse rows (here an AggregatingMergeTree like `sensor_activity_5m`) counts the same
 * before and after a merge, so a merge during or after a restore cannot fail the check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts } from '../storage/backup-store.ts';
import { createClickHouse, type StorageClient } from '../storage/index.ts';
import { tempDir } from './support/fixtures.ts';

describe('backup row counts', () => {
  let client: StorageClient;
  const dir = tempDir('backup-counts');
  beforeAll(async () => {
    client = createClickHouse({ url: null, dataDir: dir.path });
    await client.command({
      query: `CREATE TABLE activity (bucket UInt32, n SimpleAggregateFunction(sum, UInt64))
        ENGINE = AggregatingMergeTree ORDER BY bucket`,
    });
    await client.command({ query: 'CREATE TABLE plain (x UInt32) ENGINE = MergeTree ORDER BY x' });
  });
  afterAll(async () => {
    await client.close();
    dir.remove();
  });

  it('counts a collapsing table as merged, whether or not the merge has run', async () => {
    // Two inserts of the same key: two parts, two physical rows until a merge collapses them.
    await client.command({ query: 'SYSTEM STOP MERGES activity' });
    await client.command({ query: 'INSERT INTO activity VALUES (1, 2)' });
    await client.command({ query: 'INSERT INTO activity VALUES (1, 3)' });
    await client.command({ query: 'INSERT INTO plain VALUES (1), (1)' });
    const before = await tableCounts(client);
    await client.command({ query: 'SYSTEM START MERGES activity' });
    await client.command({ query: 'OPTIMIZE TABLE activity FINAL' });
    const after = await tableCounts(client);
    expect(before).toEqual([
      { table: 'activity', rows: 1 },
      { table: 'plain', rows: 2 },
    ]);
    expect(after).toEqual(before);
  });
});
