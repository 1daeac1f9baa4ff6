/**
 * Dead letters (`dead_letters`): every rejected MQTT message with its topic, the reason, the
 * raw payload (truncated by the ingest) and the time. {@link DeadLetterRow} is the one row type
 * of the table: the ingest writes it, `GET /api/dead-letters` and the KPI drill-down read it.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

export interface DeadLetterRow {
  /** Epoch ms. */
  receivedAt: number;
  topic: string;
  /** A reject reason (twin-model's REJECT_REASONS). */
  reason: string;
  detail: string;
  /** The data source the message was attributed to (`unknown` when none). */
  source: string;
  /** The payload's head, as UTF-8 text or, when it is not UTF-8, base64. */
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  /** The whole payload's size. */
  payloadBytes: number;
}

/** A dead letter without its payload (the KPI drill-down lists these). */
export type DeadLetterSummary = Pick<DeadLetterRow, 'receivedAt' | 'topic' | 'reason' | 'detail' | 'source'>;

/** A dead letter in the table's column order, as `JSONCompactEachRow` inserts it. */
export type DeadLetterColumns = [
  receivedAt: number,
  topic: string,
  reason: string,
  detail: string,
  source: string,
  payload: string,
  payloadEncoding: 'utf8' | 'base64',
  payloadBytes: number,
];

export function deadLetterColumns(r: DeadLetterRow): DeadLetterColumns {
  return [r.receivedAt, r.topic, r.reason, r.detail, r.source, r.payload, r.payloadEncoding, r.payloadBytes];
}

/** A dead letter as `JSONEachRow` returns the store's select (64-bit integers arrive quoted). */
export interface StoredDeadLetter {
  receivedAt: number | string;
  topic: string;
  reason: string;
  detail: string;
  source: string;
  payload: string;
  payloadEncoding: string;
  payloadBytes: number | string;
}

export function fromStoredDeadLetter(r: StoredDeadLetter): DeadLetterRow {
  return {
    receivedAt: Number(r.receivedAt),
    topic: r.topic,
    reason: r.reason,
    detail: r.detail,
    source: r.source,
    payload: r.payload,
    payloadEncoding: r.payloadEncoding === 'base64' ? 'base64' : 'utf8',
    payloadBytes: Number(r.payloadBytes),
  };
}

export class DeadLetterStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** The newest dead letters, newest first, optionally of one reason. */
  async recent(q: { reason?: string | undefined; limit: number }): Promise<DeadLetterRow[]> {
    const rows = await queryRows<StoredDeadLetter>(
      this.client,
      `SELECT toUnixTimestamp64Milli(received_at) AS receivedAt, topic, reason, detail, source, payload, payload_encoding AS payloadEncoding, payload_bytes AS payloadBytes
       FROM dead_letters ${q.reason ? 'WHERE reason = {reason:String}' : ''}
       ORDER BY received_at DESC LIMIT {limit:UInt32}`,
      { reason: q.reason ?? '', limit: q.limit },
    );
    return rows.map(fromStoredDeadLetter);
  }

  /** The dead letters received in [`from`, `to`] (epoch ms), newest first, without their payloads. */
  async summariesIn(from: number, to: number, limit: number): Promise<DeadLetterSummary[]> {
    const rows = await queryRows<Omit<StoredDeadLetter, 'payload' | 'payloadEncoding' | 'payloadBytes'>>(
      this.client,
      `SELECT toUnixTimestamp64Milli(received_at) AS receivedAt, topic, reason, detail, source FROM dead_letters
       WHERE received_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND received_at <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       ORDER BY received_at DESC LIMIT {limit:UInt32}`,
      { from, to, limit },
    );
    return rows.map((r) => ({ receivedAt: Number(r.receivedAt), topic: r.topic, reason: r.reason, detail: r.detail, source: r.source }));
  }
}
