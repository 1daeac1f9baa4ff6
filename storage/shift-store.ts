/**
 * The shift log (migration 18, docs/shifts.md): one row per entry of a shift — opened, note,
 * handover (with its summary), signed off — keyed by (shift, seq), its body versioned JSON
 * validated on read (twin-model/shifts). The only module with shift-log SQL.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { parseShiftBody, SHIFT_ENTRY_KINDS, type ShiftEntry, type ShiftEntryKind } from '../twin-model/index.ts';
import { queryRows } from './query-rows.ts';

/** Migration 18: the shift log. Kept forever (a record of who handed what to whom). */
export const SHIFT_LOG_DDL = `CREATE TABLE IF NOT EXISTS shift_log (
  shift_id String,
  seq UInt32,
  at DateTime64(3, 'UTC'),
  actor LowCardinality(String),
  kind LowCardinality(String),
  body String
) ENGINE = ReplacingMergeTree
ORDER BY (shift_id, seq)`;

interface StoredEntry {
  shift_id: string;
  seq: number | string;
  ms: number | string;
  actor: string;
  kind: string;
  body: string;
}

const SELECT = 'SELECT shift_id, seq, toUnixTimestamp64Milli(at) AS ms, actor, kind, body FROM shift_log FINAL';

function entryOf(r: StoredEntry): ShiftEntry {
  const where = `shift log ${r.shift_id} entry ${r.seq}`;
  if (!(SHIFT_ENTRY_KINDS as readonly string[]).includes(r.kind)) throw new Error(`${where}: unknown kind ${JSON.stringify(r.kind)}`);
  const kind = r.kind as ShiftEntryKind;
  return { shiftId: r.shift_id, seq: Number(r.seq), at: Number(r.ms), actor: r.actor, kind, body: parseShiftBody(kind, r.body, where) };
}

export class ShiftStore {
  constructor(private readonly client: ClickHouseClient) {}

  async append(entries: readonly ShiftEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.client.insert({
      table: 'shift_log',
      values: entries.map((e) => ({
        shift_id: e.shiftId,
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        kind: e.kind,
        body: JSON.stringify(e.body),
      })),
      format: 'JSONEachRow',
    });
  }

  /** The entries of one shift, in order (empty when there is no such shift). */
  async entries(shiftId: string): Promise<ShiftEntry[]> {
    const rows = await queryRows<StoredEntry>(this.client, `${SELECT} WHERE shift_id = {id:String} ORDER BY seq`, { id: shiftId });
    return rows.map(entryOf);
  }

  /** The entries of the newest `limit` shifts (ids sort by number), newest shift first, each in order. */
  async latest(limit: number): Promise<ShiftEntry[][]> {
    const rows = await queryRows<StoredEntry>(
      this.client,
      `${SELECT} WHERE shift_id IN (SELECT DISTINCT shift_id FROM shift_log ORDER BY shift_id DESC LIMIT {limit:UInt32})
       ORDER BY shift_id DESC, seq`,
      { limit },
    );
    const out: ShiftEntry[][] = [];
    for (const r of rows) {
      const e = entryOf(r);
      const last = out.at(-1);
      if (last && last[0]!.shiftId === e.shiftId) last.push(e);
      else out.push([e]);
    }
    return out;
  }
}
