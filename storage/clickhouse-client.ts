/**
 * Creates the `@clickhouse/client` used for every ClickHouse access: over HTTP to a server
 * or cluster when a URL is configured, otherwise on the embedded engine (chdb) through the
 * client's pluggable connection, with its data directory under the process's data dir.
 */
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

export function createClickHouse(target: ClickHouseTarget): ClickHouseClient {
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

export { queryRows } from './query-rows.ts';
