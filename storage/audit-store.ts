/**
 * The audit log in ClickHouse (`audit_log`, migration 10) — the one module that sees its SQL —
 * and the security events the verification binds to (`security_events` is written by
 * web/server/auth/auth-service.ts; read here for the audit only).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './clickhouse-client.ts';
import type { AuditEntry, AuditStream } from '../twin-model/audit/audit-log.ts';
import type { SecurityEventRecord } from '../twin-model/audit/audit-bindings.ts';

interface AuditRow {
  chain: string;
  seq: number | string;
  ms: number | string;
  actor: string;
  stream: string;
  action: string;
  object: string;
  detail: string;
  data: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'chain, seq, toUnixTimestamp64Milli(at) AS ms, actor, stream, action, object, detail, data, prev_hash, hash';

function toEntry(r: AuditRow): AuditEntry {
  let data: Record<string, unknown>;
  try {
    const parsed = JSON.parse(r.data) as unknown;
    data =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { unreadable: r.data };
  } catch {
    // A row whose data was rewritten into something that is not JSON: kept as read, so the
    // verification reports it as altered instead of failing.
    data = { unreadable: r.data };
  }
  return {
    chain: r.chain,
    seq: Number(r.seq),
    at: Number(r.ms),
    actor: r.actor,
    // As stored: a rewritten value is still verified (and reported) by its hash.
    stream: r.stream as AuditStream,
    action: r.action,
    object: r.object,
    detail: r.detail,
    data,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Filters of the audit viewer (all optional; times epoch ms, inclusive). */
export interface AuditQuery {
  stream?: AuditStream;
  action?: string;
  actor?: string;
  from?: number;
  to?: number;
  /** Entries older than this position (paging: the last entry's `at` and `seq` of a page). */
  before?: { at: number; seq: number };
  limit: number;
}

export class AuditStore {
  constructor(private readonly client: ClickHouseClient) {}

  async insert(batch: readonly AuditEntry[]): Promise<void> {
    if (batch.length === 0) return;
    const first = batch[0]!;
    await this.client.insert({
      table: 'audit_log',
      values: batch.map((e) => [
        e.chain,
        e.seq,
        e.at,
        e.actor,
        e.stream,
        e.action,
        e.object,
        e.detail,
        JSON.stringify(e.data),
        e.prevHash,
        e.hash,
      ]),
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `audit:${first.chain}:${first.seq}-${batch.at(-1)!.seq}` },
    });
  }

  /** The stored entry of `chain` with the highest seq, or null. */
  async head(chain: string): Promise<AuditEntry | null> {
    const [row] = await queryRows<AuditRow>(
      this.client,
      `SELECT ${COLUMNS} FROM audit_log FINAL WHERE chain = {chain:String} ORDER BY seq DESC LIMIT 1`,
      { chain },
    );
    return row ? toEntry(row) : null;
  }

  /** Every entry of every chain, by chain and seq (verification). */
  async entries(): Promise<AuditEntry[]> {
    return (await queryRows<AuditRow>(this.client, `SELECT ${COLUMNS} FROM audit_log FINAL ORDER BY chain, seq`)).map(toEntry);
  }

  /** The newest entry of a stream in `chain` (the last configuration recorded), or null. */
  async latest(chain: string, stream: AuditStream): Promise<AuditEntry | null> {
    const [row] = await queryRows<AuditRow>(
      this.client,
      `SELECT ${COLUMNS} FROM audit_log FINAL WHERE chain = {chain:String} AND stream = {stream:String} ORDER BY seq DESC LIMIT 1`,
      { chain, stream },
    );
    return row ? toEntry(row) : null;
  }

  /** Entries for the viewer, newest first. */
  async list(q: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit };
    if (q.stream) {
      where.push('stream = {stream:String}');
      params.stream = q.stream;
    }
    if (q.action) {
      where.push('action = {action:String}');
      params.action = q.action;
    }
    if (q.actor) {
      // A part of the name, case-insensitive: "zhang" finds zhang.wei.
      where.push('positionCaseInsensitiveUTF8(actor, {actor:String}) > 0');
      params.actor = q.actor;
    }
    if (q.from !== undefined) {
      where.push('at >= fromUnixTimestamp64Milli({from:Int64})');
      params.from = q.from;
    }
    if (q.to !== undefined) {
      where.push('at <= fromUnixTimestamp64Milli({to:Int64})');
      params.to = q.to;
    }
    if (q.before) {
      where.push('(at, seq) < (fromUnixTimestamp64Milli({beforeAt:Int64}), {beforeSeq:UInt64})');
      params.beforeAt = q.before.at;
      params.beforeSeq = q.before.seq;
    }
    const rows = await queryRows<AuditRow>(
      this.client,
      `SELECT ${COLUMNS} FROM audit_log FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, seq DESC LIMIT {limit:UInt32}`,
      params,
    );
    return rows.map(toEntry);
  }

  /** Security events since `since` (epoch ms), for the bindings. */
  async securityEvents(since: number): Promise<SecurityEventRecord[]> {
    const rows = await queryRows<{
      ms: number | string;
      type: string;
      outcome: string;
      username: string;
      client: string;
      detail: string;
      node: string;
    }>(
      this.client,
      `SELECT toUnixTimestamp64Milli(ts) AS ms, type, outcome, username, client, detail, node FROM security_events
       WHERE ts >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY ts`,
      { since },
    );
    return rows.map((r) => ({
      ts: Number(r.ms),
      type: r.type,
      outcome: r.outcome,
      username: r.username,
      client: r.client,
      detail: r.detail,
      node: r.node,
    }));
  }
}
