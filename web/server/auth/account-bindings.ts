/**
 * Accounts bound to one thing each — a case handler's department (`department` role), a field
 * crew's unit (`field` role) — read from their table and kept in memory; re-read when older than
 * {@link BINDINGS_TTL_MS}, so a binding made on another web node counts here within that time.
 * The newest row of an account wins; an empty value is "unbound".
 */

/** How long a node trusts its copy of the bindings (as the accounts service trusts its cache). */
export const BINDINGS_TTL_MS = 30_000;

/** A stored binding row: who, by whom, when, and the bound value in a field of its own. */
export interface BindingRow {
  username: string;
  changedBy: string;
  updatedAt: number;
}

export interface BindingSource<R extends BindingRow> {
  all(): Promise<R[]>;
  write(row: R): Promise<void>;
}

/** How a kind of binding keeps its value in its rows. */
export interface BindingField<R extends BindingRow> {
  of(row: R): string;
  row(username: string, value: string, changedBy: string, updatedAt: number): R;
}

export class AccountBindings<R extends BindingRow> {
  private byUser = new Map<string, R>();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;

  constructor(
    private readonly store: BindingSource<R> | null,
    private readonly field: BindingField<R>,
    private readonly now: () => number = Date.now,
  ) {}

  /** What `username` is bound to, or null. */
  protected async valueOf(username: string): Promise<string | null> {
    await this.fresh();
    const row = this.byUser.get(username);
    const value = row ? this.field.of(row) : '';
    return value === '' ? null : value;
  }

  /** Every binding (unbound accounts left out), by user name. */
  async list(): Promise<R[]> {
    await this.fresh();
    return [...this.byUser.values()].filter((r) => this.field.of(r) !== '').sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Binds (or with null unbinds) an account; stored before it resolves. */
  async bind(username: string, value: string | null, changedBy: string): Promise<R> {
    // Never the same millisecond as the row before it: the newest row must win.
    const last = this.byUser.get(username)?.updatedAt ?? 0;
    const row = this.field.row(username, value ?? '', changedBy, Math.max(this.now(), last + 1));
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
