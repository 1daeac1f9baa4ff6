/**
 * The dispatch log in ClickHouse (`dispatch_log`, migration 5): the one module that sees its
 * SQL. The dispatch service appends to it; the audit verification (web/server/audit) and the
 * offline `citytwin audit verify` read it back. The details column is versioned JSON
 * (stored-json/dispatch-log-data.ts).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { DispatchLogEntry } from '../twin-model/index.ts';
import { queryRows } from './clickhouse-client.ts';
import { decodeDispatchLogData, encodeDispatchLogData } from './stored-json/dispatch-log-data.ts';

/** A row of `dispatch_log`, as stored (the column order of the table; empty strings for absent ids). */
export interface DispatchLogRow {
  seq: number;
  /** Epoch ms. */
  at: number;
  actor: string;
  action: DispatchLogEntry['action'];
  unitId: string;
  incidentId: string;
  reason: string;
  /** The entry's details: versioned JSON. */
  data: string;
  prevHash: string;
  hash: string;
}

interface LogResult {
  seq: number | string;
  ms: number | string;
  actor: string;
  action: string;
  unit_id: string;
  incident_id: string;
  reason: string;
  data: string;
  prev_hash: string;
  hash: string;
}

const LOG_COLUMNS = 'seq, toUnixTimestamp64Milli(at) AS ms, actor, action, unit_id, incident_id, reason, data, prev_hash, hash';

function toEntry(r: LogResult): DispatchLogEntry {
  return {
    seq: Number(r.seq),
    at: Number(r.ms),
    actor: r.actor,
    action: r.action as DispatchLogEntry['action'],
    ...(r.unit_id ? { unitId: r.unit_id } : {}),
    ...(r.incident_id ? { incidentId: r.incident_id } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    data: decodeDispatchLogData(r.data, `of dispatch_log seq ${r.seq}`),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** The row stored for an entry. */
export function dispatchLogRow(e: DispatchLogEntry): DispatchLogRow {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    unitId: e.unitId ?? '',
    incidentId: e.incidentId ?? '',
    reason: e.reason ?? '',
    data: encodeDispatchLogData(e.data),
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export class DispatchLogStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** The stored entry with the highest seq, or null. */
  async head(): Promise<DispatchLogEntry | null> {
    const [row] = await queryRows<LogResult>(this.client, `SELECT ${LOG_COLUMNS} FROM dispatch_log FINAL ORDER BY seq DESC LIMIT 1`);
    return row ? toEntry(row) : null;
  }

  /** Every entry in seq order, optionally within a time range (epoch ms, inclusive). */
  async entries(range: { from?: number; to?: number } = {}): Promise<DispatchLogEntry[]> {
    const where: string[] = [];
    if (range.from !== undefined) where.push('at >= fromUnixTimestamp64Milli({from:Int64})');
    if (range.to !== undefined) where.push('at <= fromUnixTimestamp64Milli({to:Int64})');
    const rows = await queryRows<LogResult>(
      this.client,
      `SELECT ${LOG_COLUMNS} FROM dispatch_log FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq`,
      { ...(range.from !== undefined ? { from: range.from } : {}), ...(range.to !== undefined ? { to: range.to } : {}) },
    );
    return rows.map(toEntry);
  }

  /** Stores a batch; a retry of the same batch is deduplicated by its token. */
  async insert(batch: readonly DispatchLogEntry[]): Promise<void> {
    if (batch.length === 0) return;
    await this.client.insert({
      table: 'dispatch_log',
      values: batch
        .map(dispatchLogRow)
        .map((r) => [r.seq, r.at, r.actor, r.action, r.unitId, r.incidentId, r.reason, r.data, r.prevHash, r.hash]),
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `dispatch-log:${batch[0]!.seq}-${batch.at(-1)!.seq}` },
    });
  }
}
