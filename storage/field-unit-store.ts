/**
 * Unit bindings of field crews (`field_units`, migration 23): the account holding the `field` role
 * is bound to ONE response unit, and sees and acts on that unit only (web/server/field). A change
 * is a new row; the newest by `updated_at` counts; an empty unit id unbinds the account.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

export { FIELD_UNITS_DDL } from './migrations.ts';

/** One account's binding as it is now. */
export interface FieldUnitRow {
  username: string;
  /** A unit of the fleet; `''` when unbound. */
  unitId: string;
  /** Who set it (an admin's user name). */
  changedBy: string;
  updatedAt: number;
}

export class FieldUnitStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Every account's binding as it is now (unbound accounts included, with `''`). */
  async all(): Promise<FieldUnitRow[]> {
    const rows = await queryRows<{ username: string; unit_id: string; changed_by: string; ms: number | string }>(
      this.client,
      `SELECT username, argMax(unit_id, updated_at) AS unit_id, argMax(changed_by, updated_at) AS changed_by,
              toUnixTimestamp64Milli(max(updated_at)) AS ms
       FROM field_units GROUP BY username ORDER BY username`,
    );
    return rows.map((r) => ({ username: r.username, unitId: r.unit_id, changedBy: r.changed_by, updatedAt: Number(r.ms) }));
  }

  /** Stores a binding (or an unbinding, with `''`). */
  async write(row: FieldUnitRow): Promise<void> {
    await this.client.insert({
      table: 'field_units',
      values: [{ username: row.username, unit_id: row.unitId, changed_by: row.changedBy, updated_at: row.updatedAt }],
      format: 'JSONEachRow',
      // Through the embedded engine an insert without its own token may be dropped as the previous one's duplicate.
      clickhouse_settings: { insert_deduplication_token: `field_units:${row.username}:${row.updatedAt}` },
    });
  }
}
