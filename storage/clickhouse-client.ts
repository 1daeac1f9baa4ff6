/**
 * Creates the `@clickhouse/client` used for every ClickHouse access: over HTTP to a server
 * or cluster when a URL is configured, otherwise on the embedded engine (chdb) through the
 * client's pluggable connection, with its data directory under the process's data dir.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

export interface ClickHouseTarget {
  /** `http(s)://user:pass@host:8123/db`, or null for the embedded engine. */
  url: string | null;
  /** Data directory for the embedded engine (`<dataDir>/clickhouse`). */
  dataDir: string;
}

/**
 * A connection to the store, as the rest of the code names it: processes create one with
 * {@link createClickHouse} and hand it to the stores, without naming the client package.
 */
export type StorageClient = ClickHouseClient;

export function createClickHouse(target: ClickHouseTarget): ClickHouseClient {
  return withInsertTokens(connect(target));
}

function connect(target: ClickHouseTarget): ClickHouseClient {
  if (target.url) {
    const url = new URL(target.url);
    const database = url.pathname.replace(/^\//, '') || 'default';
    return createClient({
      url: `${url.protocol}//${url.host}`,
      username: decodeURIComponent(url.username) || 'default',
      password: decodeURIComponent(url.password),
      database,
      request_timeout: 30_000,
      clickhouse_settings: { date_time_output_format: 'iso' },
    });
  }
  const path = resolve(target.dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  // The connection option is newer than some of the client's published types.
  return createClient({ connection: createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
}

/**
 * Every insert carries its own `insert_deduplication_token`: a store that retries gives its own
 * (derived from what it writes, so a retry is dropped as a duplicate); any other insert gets a
 * fresh one here. Without it, on the embedded engine the token of the session's previous insert
 * stays in force, and on a table with `non_replicated_deduplication_window` the next insert is
 * silently dropped as that insert's duplicate (reproduced in test/storage-client.itest.ts); on a
 * server, a token-less insert would be deduplicated by content instead, dropping a legitimately
 * repeated row. `INSERT … SELECT` sent as a command gets a fresh token the same way.
 */
export function withInsertTokens(client: ClickHouseClient): ClickHouseClient {
  type Settings = { clickhouse_settings?: Record<string, unknown> };
  const tokened = <P extends Settings>(params: P): P => {
    if (params.clickhouse_settings?.insert_deduplication_token) return params;
    return { ...params, clickhouse_settings: { ...params.clickhouse_settings, insert_deduplication_token: randomUUID() } };
  };
  const isInsert = (query: unknown) => typeof query === 'string' && /^\s*INSERT\b/i.test(query);
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'insert') return (params: Settings) => (value as (p: Settings) => unknown).call(target, tokened(params));
      if (prop === 'command' || prop === 'exec') {
        return (params: Settings & { query?: unknown }) =>
          (value as (p: Settings) => unknown).call(target, isInsert(params.query) ? tokened(params) : params);
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}

export { queryRows } from './query-rows.ts';
