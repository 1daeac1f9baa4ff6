/**
 * Which response unit each field crew's account is bound to (the `field` role), read from
 * `field_units` (storage/field-unit-store.ts) and kept in memory; re-read when older than
 * {@link UNIT_BINDINGS_TTL_MS}, so a binding made on another web node counts here within that time
 * (as the case handlers' department bindings do, web/server/cases/department-bindings.ts).
 */
import type { FieldUnitRow, FieldUnitStore } from '../../../storage/index.ts';

/** How long a node trusts its copy of the bindings (as the accounts service trusts its cache). */
export const UNIT_BINDINGS_TTL_MS = 30_000;

export type FieldUnitSource = Pick<FieldUnitStore, 'all' | 'write'>;

export class UnitBindings {
  private byUser = new Map<string, FieldUnitRow>();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly store: FieldUnitSource | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** The unit `username` is bound to, or null. */
  async unitOf(username: string): Promise<string | null> {
    await this.fresh();
    const u = this.byUser.get(username)?.unitId ?? '';
    return u === '' ? null : u;
  }

  /** Every binding (unbound accounts left out), by user name. */
  async list(): Promise<FieldUnitRow[]> {
    await this.fresh();
    return [...this.byUser.values()].filter((r) => r.unitId !== '').sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Binds (or with null unbinds) an account; stored before it resolves. */
  async bind(username: string, unitId: string | null, changedBy: string): Promise<FieldUnitRow> {
    // Never the same millisecond as the row before it: the newest row must win.
    const last = this.byUser.get(username)?.updatedAt ?? 0;
    const row: FieldUnitRow = { username, unitId: unitId ?? '', changedBy, updatedAt: Math.max(this.now(), last + 1) };
    if (this.store) await this.store.write(row);
    this.byUser.set(username, row);
    return row;
  }

  private async fresh(): Promise<void> {
    if (!this.store || this.now() - this.readAt < UNIT_BINDINGS_TTL_MS) return;
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
