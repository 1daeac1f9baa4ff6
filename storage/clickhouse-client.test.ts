/** The storage client's close: it waits for work under way, but not for ever. */
import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { closingAfterWork, StorageClosedError } from './clickhouse-client.ts';

describe('closing the storage client', () => {
  it('closes after a bounded wait when a query never answers, and refuses work after close', async () => {
    let closed = 0;
    const stuck = {
      query: () => new Promise(() => undefined),
      close: async () => {
        closed++;
      },
    } as unknown as ClickHouseClient;
    const abandoned: number[] = [];
    const client = closingAfterWork(stuck, 50, (n) => abandoned.push(n));
    void client.query({ query: 'SELECT 1' });
    await client.close();
    expect(closed).toBe(1);
    expect(abandoned).toEqual([1]);
    await expect(client.query({ query: 'SELECT 2' })).rejects.toBeInstanceOf(StorageClosedError);
  });

  it('waits for a query that answers before closing', async () => {
    const order: string[] = [];
    let answer: () => void = () => undefined;
    const slow = {
      query: () => new Promise<void>((r) => (answer = r)).then(() => order.push('answered')),
      close: async () => {
        order.push('closed');
      },
    } as unknown as ClickHouseClient;
    const client = closingAfterWork(slow, 10_000, () => order.push('abandoned'));
    void client.query({ query: 'SELECT 1' });
    const closing = client.close();
    answer();
    await closing;
    expect(order).toEqual(['answered', 'closed']);
  });
});
