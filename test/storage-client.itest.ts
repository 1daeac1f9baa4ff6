/**
 * The storage client on the real embedded engine: inserts that carry no deduplication token are
 * all stored, also right after one that carried a token (the engine keeps a session's last token
 * in force; storage/clickhouse-client.ts gives every insert its own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryRows, type StorageClient } from '../storage/index.ts';
import { tempDir } from './support/fixtures.ts';

describe('the storage client', () => {
  let client: StorageClient;
  const dir = tempDir('storage-client');
  beforeAll(async () => {
    client = createClickHouse({ url: null, dataDir: dir.path });
    await client.command({
      query: 'CREATE TABLE tokens (x UInt32) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100',
    });
  });
  afterAll(async () => {
    await client.close();
    dir.remove();
  });

  it('stores every insert, with or without a token, and drops only a retry that repeats its token', async () => {
    const insert = (x: number, token?: string) =>
      client.insert({
        table: 'tokens',
        values: [{ x }],
        format: 'JSONEachRow',
        ...(token ? { clickhouse_settings: { insert_deduplication_token: token } } : {}),
      });
    await insert(1, 'batch-a');
    await insert(2);
    await insert(3);
    await insert(1, 'batch-a'); // a retried batch: dropped
    await client.command({ query: 'INSERT INTO tokens SELECT 4' });
    await client.command({ query: 'INSERT INTO tokens SELECT 4' }); // the same rows twice, both wanted
    const rows = await queryRows<{ x: number }>(client, 'SELECT x FROM tokens ORDER BY x');
    expect(rows.map((r) => Number(r.x))).toEqual([1, 2, 3, 4, 4]);
  });
});
