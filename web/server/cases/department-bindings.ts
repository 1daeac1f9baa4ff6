/**
 * Which department each case handler's account is bound to (the `department` role), read from
 * `case_departments` (storage/case-department-store.ts) and kept in memory; re-read when older
 * than {@link BINDINGS_TTL_MS}, so a binding made on another web node counts here within that time.
 */
import type { CaseDepartmentRow, CaseDepartmentStore } from '../../../storage/index.ts';

/** How long a node trusts its copy of the bindings (as the accounts service trusts its cache). */
export const BINDINGS_TTL_MS = 30_000;

export type CaseDepartmentSource = Pick<CaseDepartmentStore, 'all' | 'write'>;

export class DepartmentBindings {
  private byUser = new Map<string, CaseDepartmentRow>();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly store: CaseDepartmentSource | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** The department `username` is bound to, or null. */
  async departmentOf(username: string): Promise<string | null> {
    await this.fresh();
    const d = this.byUser.get(username)?.department ?? '';
    return d === '' ? null : d;
  }

  /** Every binding (unbound accounts left out), by user name. */
  async list(): Promise<CaseDepartmentRow[]> {
    await this.fresh();
    return [...this.byUser.values()].filter((r) => r.department !== '').sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Binds (or with null unbinds) an account; stored before it resolves. */
  async bind(username: string, department: string | null, changedBy: string): Promise<CaseDepartmentRow> {
    const row: CaseDepartmentRow = { username, department: department ?? '', changedBy, updatedAt: this.now() };
    if (this.store) await this.store.write(row);
    this.byUser.set(username, row);
    return row;
  }

  private async fresh(): Promise<void> {
    if (!this.store || this.now() - this.readAt < BINDINGS_TTL_MS) return;
    this.reading ??= this.store
      .all()
      .then((rows) => {
        const next = new Map(rows.map((r) => [r.username, r]));
        // A binding made here since the read started is newer than what was read.
        for (const [u, r] of this.byUser) if ((next.get(u)?.updatedAt ?? -1) < r.updatedAt) next.set(u, r);
        this.byUser = next;
        this.readAt = this.now();
      })
      .finally(() => {
        this.reading = null;
      });
    await this.reading;
  }
}
