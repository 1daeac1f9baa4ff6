/**
 * Department bindings of case handlers (`case_departments`, migration 19): the account holding the
 * `department` role is bound to ONE department of the source catalogue, and sees and acts on that
 * department's hotline cases only (web/server/cases). A change is a new row; the newest by
 * `updated_at` counts; an empty department unbinds the account.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

export { CASE_DEPARTMENTS_DDL } from './migrations.ts';

/** One account's binding as it is now. */
export interface CaseDepartmentRow {
  username: string;
  /** A department of the source catalogue; `''` when unbound. */
  department: string;
  /** Who set it (an admin's user name). */
  changedBy: string;
  updatedAt: number;
}

export class CaseDepartmentStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Every account's binding as it is now (unbound accounts included, with `''`). */
  async all(): Promise<CaseDepartmentRow[]> {
    const rows = await queryRows<{ username: string; department: string; changed_by: string; ms: number | string }>(
      this.client,
      `SELECT username, argMax(department, updated_at) AS department, argMax(changed_by, updated_at) AS changed_by,
              toUnixTimestamp64Milli(max(updated_at)) AS ms
       FROM case_departments GROUP BY username ORDER BY username`,
    );
    return rows.map((r) => ({ username: r.username, department: r.department, changedBy: r.changed_by, updatedAt: Number(r.ms) }));
  }

  /** Stores a binding (or an unbinding, with `''`). */
  async write(row: CaseDepartmentRow): Promise<void> {
    await this.client.insert({
      table: 'case_departments',
      values: [{ username: row.username, department: row.department, changed_by: row.changedBy, updated_at: row.updatedAt }],
      format: 'JSONEachRow',
      // Through the embedded engine an insert without its own token may be dropped as the previous one's duplicate.
      clickhouse_settings: { insert_deduplication_token: `case_departments:${row.username}:${row.updatedAt}` },
    });
  }
}
