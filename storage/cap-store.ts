/**
 * Public warnings (CAP 1.2, docs/cap.md) in ClickHouse, migration 20:
 *
 * - `cap_desk_changes`: the warning desk, event-sourced. Every desk action (draft, edit,
 *   approve, reject, publish, and the superseding of an original by its published Update or
 *   Cancel) is one row carrying the record as it is after the action: its state, who drafted,
 *   edited, approved, rejected and published it and when, and the alert itself as its canonical
 *   CAP XML (`buildCapXml`), read back through `parseCapXml` — the standard is the stored form.
 * - `cap_warnings`: official warnings received (over MQTT through the ingest, or over HTTP),
 *   one row per message (sender, identifier, sent: a message received twice is kept once), with
 *   the XML as received.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { DEDUP } from './cluster-ddl.ts';
import { queryRows } from './query-rows.ts';

export const CAP_DESK_DDL = `CREATE TABLE IF NOT EXISTS cap_desk_changes (
  identifier String,
  seq UInt32,
  at DateTime64(3, 'UTC'),
  actor LowCardinality(String),
  action LowCardinality(String),
  state LowCardinality(String),
  msg_type LowCardinality(String),
  incident_id String,
  drafted_by String,
  drafted_at DateTime64(3, 'UTC'),
  authors Array(String),
  approved_by String,
  approved_at Nullable(DateTime64(3, 'UTC')),
  rejected_by String,
  rejected_at Nullable(DateTime64(3, 'UTC')),
  reject_reason String,
  published_by String,
  published_at Nullable(DateTime64(3, 'UTC')),
  superseded_by String,
  xml String
) ENGINE = ReplacingMergeTree
ORDER BY (identifier, seq)
${DEDUP}`;

export const CAP_WARNINGS_DDL = `CREATE TABLE IF NOT EXISTS cap_warnings (
  received_at DateTime64(3, 'UTC'),
  via LowCardinality(String),
  source LowCardinality(String),
  sender String,
  identifier String,
  sent String,
  msg_type LowCardinality(String),
  status LowCardinality(String),
  xml String
) ENGINE = ReplacingMergeTree
ORDER BY (sender, identifier, sent)
${DEDUP}`;

/** One desk action: the record after it (`cap_desk_changes`). */
export interface CapDeskRow {
  identifier: string;
  /** The record's own change number: 1 for the draft, then one more per action. */
  seq: number;
  /** Epoch ms of the action. */
  at: number;
  actor: string;
  /** `drafted`, `edited`, `approved`, `rejected`, `published`, `superseded`, `cancelled`. */
  action: string;
  state: string;
  msgType: string;
  /** The incident the alert was drafted from, `''` when none. */
  incidentId: string;
  draftedBy: string;
  draftedAt: number;
  authors: string[];
  approvedBy: string;
  approvedAt: number | null;
  rejectedBy: string;
  rejectedAt: number | null;
  rejectReason: string;
  publishedBy: string;
  publishedAt: number | null;
  supersededBy: string;
  /** The alert as canonical CAP 1.2 XML. */
  xml: string;
}

/** One official warning received (`cap_warnings`). */
export interface CapWarningRow {
  /** Epoch ms. */
  receivedAt: number;
  via: 'mqtt' | 'http';
  /** The MQTT topic's feed name, or the account that posted it. */
  source: string;
  sender: string;
  identifier: string;
  sent: string;
  msgType: string;
  status: string;
  xml: string;
}

/** A received warning in the column order of `cap_warnings` (the ingest's batches write these). */
export function capWarningColumns(r: CapWarningRow): unknown[] {
  return [r.receivedAt, r.via, r.source, r.sender, r.identifier, r.sent, r.msgType, r.status, r.xml];
}

function deskColumns(r: CapDeskRow): unknown[] {
  return [
    r.identifier,
    r.seq,
    r.at,
    r.actor,
    r.action,
    r.state,
    r.msgType,
    r.incidentId,
    r.draftedBy,
    r.draftedAt,
    r.authors,
    r.approvedBy,
    r.approvedAt,
    r.rejectedBy,
    r.rejectedAt,
    r.rejectReason,
    r.publishedBy,
    r.publishedAt,
    r.supersededBy,
    r.xml,
  ];
}

const DESK_COLUMNS = `identifier, seq, toUnixTimestamp64Milli(at) AS at_ms, actor, action, state, msg_type, incident_id,
  drafted_by, toUnixTimestamp64Milli(drafted_at) AS drafted_ms, authors, approved_by, toUnixTimestamp64Milli(approved_at) AS approved_ms,
  rejected_by, toUnixTimestamp64Milli(rejected_at) AS rejected_ms, reject_reason, published_by,
  toUnixTimestamp64Milli(published_at) AS published_ms, superseded_by, xml`;

interface DeskResult {
  identifier: string;
  seq: number | string;
  at_ms: number | string;
  actor: string;
  action: string;
  state: string;
  msg_type: string;
  incident_id: string;
  drafted_by: string;
  drafted_ms: number | string;
  authors: string[];
  approved_by: string;
  approved_ms: number | string | null;
  rejected_by: string;
  rejected_ms: number | string | null;
  reject_reason: string;
  published_by: string;
  published_ms: number | string | null;
  superseded_by: string;
  xml: string;
}

const msOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toDeskRow(r: DeskResult): CapDeskRow {
  return {
    identifier: r.identifier,
    seq: Number(r.seq),
    at: Number(r.at_ms),
    actor: r.actor,
    action: r.action,
    state: r.state,
    msgType: r.msg_type,
    incidentId: r.incident_id,
    draftedBy: r.drafted_by,
    draftedAt: Number(r.drafted_ms),
    authors: r.authors,
    approvedBy: r.approved_by,
    approvedAt: msOrNull(r.approved_ms),
    rejectedBy: r.rejected_by,
    rejectedAt: msOrNull(r.rejected_ms),
    rejectReason: r.reject_reason,
    publishedBy: r.published_by,
    publishedAt: msOrNull(r.published_ms),
    supersededBy: r.superseded_by,
    xml: r.xml,
  };
}

interface WarningResult {
  received_ms: number | string;
  via: 'mqtt' | 'http';
  source: string;
  sender: string;
  identifier: string;
  sent: string;
  msg_type: string;
  status: string;
  xml: string;
}

export class CapStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Appends desk actions (in order); resolves once they are stored. */
  async appendDesk(rows: readonly CapDeskRow[]): Promise<void> {
    if (rows.length === 0) return;
    const first = rows[0]!;
    await this.client.insert({
      table: 'cap_desk_changes',
      values: rows.map(deskColumns),
      format: 'JSONCompactEachRow',
      clickhouse_settings: { insert_deduplication_token: `cap-desk:${first.identifier}:${first.seq}:${rows.length}` },
    });
  }

  /** Every record on the desk as its latest row, oldest draft first. */
  async deskRecords(): Promise<CapDeskRow[]> {
    const rows = await queryRows<DeskResult>(
      this.client,
      `SELECT ${DESK_COLUMNS} FROM cap_desk_changes FINAL ORDER BY identifier, seq DESC LIMIT 1 BY identifier`,
    );
    return rows.map(toDeskRow).sort((a, b) => a.draftedAt - b.draftedAt || a.identifier.localeCompare(b.identifier));
  }

  /** Every action on one record, oldest first (its history). */
  async deskHistory(identifier: string): Promise<CapDeskRow[]> {
    const rows = await queryRows<DeskResult>(
      this.client,
      `SELECT ${DESK_COLUMNS} FROM cap_desk_changes FINAL WHERE identifier = {id:String} ORDER BY seq`,
      { id: identifier },
    );
    return rows.map(toDeskRow);
  }

  /** Stores received warnings (the HTTP intake; MQTT ones come through the ingest's batches). */
  async insertWarnings(rows: readonly CapWarningRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: 'cap_warnings', values: rows.map(capWarningColumns), format: 'JSONCompactEachRow' });
  }

  /** Warnings received at or after `since` (epoch ms), in the order they arrived. */
  async warningsSince(since: number): Promise<CapWarningRow[]> {
    const rows = await queryRows<WarningResult>(
      this.client,
      `SELECT toUnixTimestamp64Milli(received_at) AS received_ms, via, source, sender, identifier, sent, msg_type, status, xml
       FROM cap_warnings FINAL WHERE received_at >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY received_at, identifier`,
      { since },
    );
    return rows.map((r) => ({
      receivedAt: Number(r.received_ms),
      via: r.via,
      source: r.source,
      sender: r.sender,
      identifier: r.identifier,
      sent: r.sent,
      msgType: r.msg_type,
      status: r.status,
      xml: r.xml,
    }));
  }
}
