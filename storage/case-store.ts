/**
 * The hotline-case store (`cases`, migration 14): every change the case workflow emits
 * (twin-model/cases, `CaseEvent`) is one row carrying the case after it, so a case's history,
 * the cases in hand after a restart, a department's cases and the cases of a period are all read
 * back from those rows. {@link CaseChangeRow} is the one row type of the table.
 *
 * A change's `seq` is its place in the case's history (1 for the intake): appending a change
 * twice stores the same row, which the table's replacing merge and the reads' `FINAL`/`argMax`
 * collapse — retries are harmless. One case desk writes a given case.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { CaseActorRole, CaseEvent, CaseHappening, CaseStatus, HotlineCase } from '../twin-model/cases/index.ts';
import { decodeCaseSnapshot, encodeCaseSnapshot } from './case-snapshot.ts';
import { queryRows } from './query-rows.ts';
import type { EventRow } from './storage-batch.ts';

export { CASES_DDL } from './migrations.ts';

/** One stored change of a case. */
export interface CaseChangeRow {
  caseId: string;
  /** The change's place in the case's history, from 1. */
  seq: number;
  at: number;
  what: CaseHappening;
  /** Who made it (user name, or the product's `routing` / `sla-clock`) and as what. */
  actor: string;
  actorRole: CaseActorRole;
  status: CaseStatus;
  /** `''` while the case is with no department. */
  department: string;
  category: string;
  /** `''` when the case is in no district. */
  district: string;
  source: string;
  externalId: string;
  receivedAt: number;
  /** The case after the change. */
  case: HotlineCase;
}

/** The row a change writes. */
export function caseChangeRowOf(event: CaseEvent): CaseChangeRow {
  const c = event.case;
  return {
    caseId: event.caseId,
    seq: c.history.length,
    at: event.at,
    what: c.history.at(-1)?.what ?? 'received',
    actor: event.actor.user,
    actorRole: event.actor.role,
    status: c.status,
    department: c.department ?? '',
    category: c.category,
    district: c.place.district ?? '',
    source: c.externalRef.source,
    externalId: c.externalRef.id,
    receivedAt: c.receivedAt,
    case: c,
  };
}

/** A row as `JSONEachRow` returns it (64-bit integers and DateTime64 arrive as strings or numbers). */
interface StoredChange {
  case_id: string;
  seq: number | string;
  ms: number | string;
  what: string;
  actor: string;
  actor_role: string;
  status: string;
  department: string;
  category: string;
  district: string;
  source: string;
  external_id: string;
  received_ms: number | string;
  snapshot: string;
}

function fromStored(r: StoredChange): CaseChangeRow {
  const c = decodeCaseSnapshot(r.snapshot, `case ${r.case_id} change ${r.seq}`);
  return {
    caseId: r.case_id,
    seq: Number(r.seq),
    at: Number(r.ms),
    what: r.what as CaseHappening,
    actor: r.actor,
    actorRole: r.actor_role as CaseActorRole,
    status: r.status as CaseStatus,
    department: r.department,
    category: r.category,
    district: r.district,
    source: r.source,
    externalId: r.external_id,
    receivedAt: Number(r.received_ms),
    case: c,
  };
}

const CHANGE_SELECT = `SELECT case_id, seq, toUnixTimestamp64Milli(at) AS ms, what, actor, actor_role, status, department, category,
  district, source, external_id, toUnixTimestamp64Milli(received_at) AS received_ms, snapshot FROM cases FINAL`;

/** What a list of cases is filtered by; every filter applies to the case as it is now. */
export interface CaseListQuery {
  /** Only the cases with this department now (or last: closed, reopened). */
  department?: string;
  statuses?: readonly CaseStatus[];
  categories?: readonly string[];
  /** Received from (inclusive) / before (exclusive), epoch ms. */
  from?: number;
  to?: number;
  /** At most this many, newest received first (default 500, at most 10,000). */
  limit?: number;
}

export const MAX_CASE_LIST = 10_000;

export class CaseStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Appends the changes in order; resolves once they are stored. */
  async append(events: readonly CaseEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map(caseChangeRowOf);
    const first = rows[0]!;
    await this.client.insert({
      table: 'cases',
      values: rows.map((r) => [
        r.caseId,
        r.seq,
        r.at,
        r.what,
        r.actor,
        r.actorRole,
        r.status,
        r.department,
        r.category,
        r.district,
        r.source,
        r.externalId,
        r.receivedAt,
        encodeCaseSnapshot(r.case),
      ]),
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `cases:${first.caseId}:${first.seq}:${rows.length}` },
    });
  }

  /**
   * A case that came over HTTP, as the row its report would have made on the events topic
   * (`events`: the KPI's hourly hotline figure, replay). Once per hotline id: the insert's
   * deduplication token and the table's key (source, id) make a repeated write the same row.
   */
  async recordEvent(row: EventRow): Promise<void> {
    await this.client.insert({
      table: 'events',
      values: [[row.source, row.id, row.ts, row.type, row.category, row.lng, row.lat, row.severity, row.text, row.receivedAt]],
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `case-event:${row.source}:${row.id}` },
    });
  }

  /** Every change of one case, oldest first (its history with the case after each). */
  async history(caseId: string): Promise<CaseChangeRow[]> {
    const rows = await queryRows<StoredChange>(this.client, `${CHANGE_SELECT} WHERE case_id = {id:String} ORDER BY seq`, { id: caseId });
    return rows.map(fromStored);
  }

  /** One case as it is now, or null. */
  async get(caseId: string): Promise<HotlineCase | null> {
    const [row] = await queryRows<{ snapshot: string; last_seq: number | string }>(
      this.client,
      'SELECT argMax(snapshot, seq) AS snapshot, max(seq) AS last_seq FROM cases WHERE case_id = {id:String} GROUP BY case_id',
      { id: caseId },
    );
    return row ? decodeCaseSnapshot(row.snapshot, `case ${caseId} change ${row.last_seq}`) : null;
  }

  /** The case made for a hotline id from a source, or null (idempotent intake beyond the desk's memory). */
  async findByExternalRef(source: string, externalId: string): Promise<string | null> {
    const [row] = await queryRows<{ case_id: string }>(
      this.client,
      'SELECT case_id FROM cases WHERE source = {source:String} AND external_id = {ext:String} ORDER BY at, case_id LIMIT 1',
      { source, ext: externalId },
    );
    return row?.case_id ?? null;
  }

  /** The highest case id stored (by day, then number), or null: numbering continues after it. */
  async lastCaseId(): Promise<string | null> {
    const [row] = await queryRows<{ case_id: string }>(
      this.client,
      `SELECT case_id FROM cases WHERE match(case_id, '^case-[0-9]{8}-[0-9]{5,}$')
       ORDER BY substring(case_id, 6, 8) DESC, toUInt64(substring(case_id, 15)) DESC LIMIT 1`,
    );
    return row?.case_id ?? null;
  }

  /**
   * The cases a desk holds after a restart, as they are now: every case not closed, those closed
   * since `closedSince`, and those received since `receivedSince` (the repeat window).
   */
  async inHand(receivedSince: number, closedSince: number): Promise<HotlineCase[]> {
    const rows = await queryRows<{ case_id: string; snapshot: string; last_seq: number | string }>(
      this.client,
      `SELECT case_id, argMax(snapshot, seq) AS snapshot, max(seq) AS last_seq FROM cases GROUP BY case_id
       HAVING argMax(status, seq) != 'closed'
           OR max(received_at) >= fromUnixTimestamp64Milli({received:Int64})
           OR max(at) >= fromUnixTimestamp64Milli({closed:Int64})
       ORDER BY case_id`,
      { received: receivedSince, closed: closedSince },
    );
    return rows.map((r) => decodeCaseSnapshot(r.snapshot, `case ${r.case_id} change ${r.last_seq}`));
  }

  /** Cases as they are now, newest received first (a department's desk, the KPI of a period). */
  async list(query: CaseListQuery = {}): Promise<HotlineCase[]> {
    const limit = Math.max(1, Math.min(MAX_CASE_LIST, Math.floor(query.limit ?? 500)));
    const having: string[] = [];
    const params: Record<string, unknown> = { limit };
    if (query.department !== undefined) {
      having.push('argMax(department, seq) = {department:String}');
      params.department = query.department;
    }
    if (query.statuses) {
      having.push('argMax(status, seq) IN {statuses:Array(String)}');
      params.statuses = [...query.statuses];
    }
    if (query.categories) {
      having.push('any(category) IN {categories:Array(String)}');
      params.categories = [...query.categories];
    }
    if (query.from !== undefined) {
      having.push('max(received_at) >= fromUnixTimestamp64Milli({from:Int64})');
      params.from = query.from;
    }
    if (query.to !== undefined) {
      having.push('max(received_at) < fromUnixTimestamp64Milli({to:Int64})');
      params.to = query.to;
    }
    const rows = await queryRows<{ case_id: string; snapshot: string; last_seq: number | string }>(
      this.client,
      `SELECT case_id, argMax(snapshot, seq) AS snapshot, max(seq) AS last_seq, max(received_at) AS received FROM cases GROUP BY case_id
       ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
       ORDER BY received DESC, case_id DESC LIMIT {limit:UInt32}`,
      params,
    );
    return rows.map((r) => decodeCaseSnapshot(r.snapshot, `case ${r.case_id} change ${r.last_seq}`));
  }
}
