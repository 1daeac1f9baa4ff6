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
  return closingAfterWork(withInsertTokens(connect(target)));
}

/** What a query, command or insert gets once `close()` was called on the client. */
export class StorageClosedError extends Error {
  constructor(operation: string) {
    super(`the storage client is closed (${operation} refused)`);
    this.name = 'StorageClosedError';
  }
}

/**
 * `close()` waits for every query, command, exec and insert under way, then closes the
 * connection; one started after `close()` was called is refused with a {@link StorageClosedError}.
 * Without the wait, on the embedded engine the parameterized queries still queued behind one
 * another (chdb runs them one at a time) would start on the closed connection and fail with the
 * engine's own "Usage: connection, sql, format, [params]", and the engine could still be writing
 * into its data directory when the process removes it (reproduced in test/storage-close.itest.ts).
 * A query's answer is waited for until it is received, not until its rows are read. The wait is
 * bounded ({@link CLOSE_WAIT_MS}): a query that never answers (a stuck export, an engine under a
 * long merge) must not hold the process's stop for ever; past it the connection closes anyway and
 * `onAbandoned` is told how many were left.
 */
export const CLOSE_WAIT_MS = 30_000;

export function closingAfterWork(
  client: ClickHouseClient,
  waitMs = CLOSE_WAIT_MS,
  onAbandoned: (n: number) => void = (n) => process.emitWarning(`storage closed with ${n} requests unanswered after ${waitMs} ms`),
): ClickHouseClient {
  const underWay = new Set<Promise<unknown>>();
  let closing: Promise<void> | null = null;
  const close = async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), waitMs)));
    // Nothing is added once closing: the set only shrinks, so this ends (or the deadline comes).
    while (underWay.size > 0) if ((await Promise.race([Promise.allSettled([...underWay]), deadline])) === 'late') break;
    clearTimeout(timer);
    if (underWay.size > 0) onAbandoned(underWay.size);
    await client.close();
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'close') return () => (closing ??= close());
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'query' && prop !== 'command' && prop !== 'exec' && prop !== 'insert') return value.bind(target);
      return (...args: unknown[]) => {
        if (closing) return Promise.reject(new StorageClosedError(prop));
        const work = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        underWay.add(work);
        const done = () => underWay.delete(work);
        work.then(done, done);
        return work;
      };
    },
  });
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
