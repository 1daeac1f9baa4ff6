/**
 * The one query helper of the stores. Apart from the client factory (clickhouse-client.ts), so
 * that a store and its pure row mapping load without the embedded engine.
 */
import type { ClickHouseClient } from '@clickhouse/client';

/** Runs a query and returns its rows as objects. */
export async function queryRows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}
