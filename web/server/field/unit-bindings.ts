/**
 * Which response unit each field crew's account is bound to (the `field` role), from `field_units`
 * (storage/field-unit-store.ts), cached as every account binding is
 * (web/server/auth/account-bindings.ts).
 */
import type { FieldUnitRow, FieldUnitStore } from '../../../storage/index.ts';
import { AccountBindings } from '../auth/account-bindings.ts';

export type FieldUnitSource = Pick<FieldUnitStore, 'all' | 'write'>;

export class UnitBindings extends AccountBindings<FieldUnitRow> {
  constructor(store: FieldUnitSource | null, now: () => number = Date.now) {
    super(
      store,
      { of: (r) => r.unitId, row: (username, unitId, changedBy, updatedAt) => ({ username, unitId, changedBy, updatedAt }) },
      now,
    );
  }

  /** The unit `username` is bound to, or null. */
  unitOf(username: string): Promise<string | null> {
    return this.valueOf(username);
  }
}
