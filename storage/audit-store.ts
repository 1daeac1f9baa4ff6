/**
 * The audit log in ClickHouse (`audit_log`, migration 10; docs/security.md "Audit"): entries
 * written and read back as typed rows, their `data` in its versioned stored form
 * (stored-json/audit-data.ts), and the fingerprints the start-up verification compares: per table
 * of the audit record, the number of rows and a 64-bit sum of their hashes, computed inside
 * ClickHouse over the part of each table a previous verification confirmed.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { AuditEntry, AuditStream } from '../twin-model/audit/audit-log.ts';
import { AUTOMATIC_ACTORS } from '../twin-model/audit/audit-bindings.ts';
import type { ChainHead } from '../twin-model/audit/hash-chain.ts';
import type { RecordFingerprints, TableFingerprint } from '../twin-model/audit/verified-point.ts';
import { queryRows } from './clickhouse-client.ts';
import { decodeAuditData, encodeAuditData } from './stored-json/audit-data.ts';

/** An `audit_log` row as `JSONEachRow` returns it. */
interface StoredAuditRow {
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

function toEntry(r: StoredAuditRow): AuditEntry {
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
    data: decodeAuditData(r.data),
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

/** The part of the audit record a verification confirmed, as the fingerprints cover it. */
export interface FingerprintSpan {
  /** Entries 1…seq of each chain. */
  heads: ReadonlyArray<ChainHead & { chain: string }>;
  /** Dispatch log entries 1…seq (none when null). */
  dispatchSeq: number | null;
  /** Incident changes by people and security events in [since, until] (epoch ms; none when null). */
  since: number | null;
  until: number | null;
}

const ms = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64})`;

/** `(chain = c0 AND seq <= s0) OR …` for the heads, with its parameters; `op` compares seq. */
function byChainHead(
  heads: ReadonlyArray<{ chain: string; seq: number }>,
  op: '<=' | '>',
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {};
  const parts = heads.map((h, i) => {
    params[`c${i}`] = h.chain;
    params[`s${i}`] = h.seq;
    return `(chain = {c${i}:String} AND seq ${op} {s${i}:UInt64})`;
  });
  return { sql: parts.join(' OR '), params };
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
        encodeAuditData(e.data),
        e.prevHash,
        e.hash,
      ]),
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `audit:${first.chain}:${first.seq}-${batch.at(-1)!.seq}` },
    });
  }

  /** The stored entry of `chain` with the highest seq, or null. */
  async head(chain: string): Promise<AuditEntry | null> {
    const [row] = await queryRows<StoredAuditRow>(
      this.client,
      `SELECT ${COLUMNS} FROM audit_log FINAL WHERE chain = {chain:String} ORDER BY seq DESC LIMIT 1`,
      { chain },
    );
    return row ? toEntry(row) : null;
  }

  /** Every entry of every chain, by chain and seq (the full verification). */
  async entries(): Promise<AuditEntry[]> {
    return (await queryRows<StoredAuditRow>(this.client, `SELECT ${COLUMNS} FROM audit_log FINAL ORDER BY chain, seq`)).map(toEntry);
  }

  /** The entries after each head (every entry of a chain not listed), by chain and seq. */
  async entriesAfter(heads: ReadonlyArray<{ chain: string; seq: number }>): Promise<AuditEntry[]> {
    const after = byChainHead(heads, '>');
    const where = heads.length ? `${after.sql} OR chain NOT IN {chains:Array(String)}` : '1';
    const rows = await queryRows<StoredAuditRow>(this.client, `SELECT ${COLUMNS} FROM audit_log FINAL WHERE ${where} ORDER BY chain, seq`, {
      ...after.params,
      chains: heads.map((h) => h.chain),
    });
    return rows.map(toEntry);
  }

  /** The entries of every chain made at or after `at` (epoch ms), by chain and seq. */
  async entriesFrom(at: number): Promise<AuditEntry[]> {
    const rows = await queryRows<StoredAuditRow>(
      this.client,
      `SELECT ${COLUMNS} FROM audit_log FINAL WHERE at >= ${ms('at')} ORDER BY chain, seq`,
      { at },
    );
    return rows.map(toEntry);
  }

  /** The newest entry of a stream in `chain` (the last configuration recorded), or null. */
  async latest(chain: string, stream: AuditStream): Promise<AuditEntry | null> {
    const [row] = await queryRows<StoredAuditRow>(
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
    const rows = await queryRows<StoredAuditRow>(
      this.client,
      `SELECT ${COLUMNS} FROM audit_log FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, seq DESC LIMIT {limit:UInt32}`,
      params,
    );
    return rows.map(toEntry);
  }

  /**
   * The fingerprints of the audit record over `span`: per table the rows and the sum (mod 2^64)
   * of a 64-bit hash of each row's columns — `audit_log` and `dispatch_log` up to the heads,
   * `incident_changes` by people and `security_events` in [since, until]. A scan inside the
   * engine: no row leaves it. Any row changed, removed or added within the span changes them.
   */
  async fingerprints(span: FingerprintSpan): Promise<RecordFingerprints> {
    const none: TableFingerprint = { rows: 0, sum: '0' };
    const audit = span.heads.length ? byChainHead(span.heads, '<=') : null;
    const domain = span.since !== null && span.until !== null ? { since: span.since, until: span.until } : null;
    const [auditFp, dispatchFp, incidentFp, securityFp] = await Promise.all([
      audit
        ? this.fingerprint(
            `SELECT count() AS n, sumWithOverflow(cityHash64(chain, seq, at, actor, stream, action, object, detail, data, prev_hash, hash)) AS h
             FROM audit_log FINAL WHERE ${audit.sql}`,
            audit.params,
          )
        : none,
      span.dispatchSeq !== null
        ? this.fingerprint(
            `SELECT count() AS n, sumWithOverflow(cityHash64(seq, at, actor, action, unit_id, incident_id, reason, data, prev_hash, hash)) AS h
             FROM dispatch_log FINAL WHERE seq <= {seq:UInt64}`,
            { seq: span.dispatchSeq },
          )
        : none,
      domain
        ? this.fingerprint(
            `SELECT count() AS n, sumWithOverflow(cityHash64(incident_id, seq, at, actor, what, detail)) AS h
             FROM incident_changes FINAL WHERE at >= ${ms('since')} AND at <= ${ms('until')} AND actor NOT IN {automatic:Array(String)}`,
            { ...domain, automatic: [...AUTOMATIC_ACTORS] },
          )
        : none,
      domain
        ? this.fingerprint(
            `SELECT count() AS n, sumWithOverflow(cityHash64(ts, type, outcome, username, client, detail, node)) AS h
             FROM security_events WHERE ts >= ${ms('since')} AND ts <= ${ms('until')}`,
            domain,
          )
        : none,
    ]);
    return { audit: auditFp, dispatch: dispatchFp, incidentChanges: incidentFp, securityEvents: securityFp };
  }

  private async fingerprint(query: string, params: Record<string, unknown>): Promise<TableFingerprint> {
    const [row] = await queryRows<{ n: string | number; h: string | number }>(this.client, query, params);
    return { rows: Number(row?.n ?? 0), sum: String(row?.h ?? '0') };
  }
}
