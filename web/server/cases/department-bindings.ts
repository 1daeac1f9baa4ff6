/**
 * Which department each case handler's account is bound to (the `department` role), from
 * `case_departments` (storage/case-department-store.ts), cached as every account binding is
 * (web/server/auth/account-bindings.ts).
 */
import type { CaseDepartmentRow, CaseDepartmentStore } from '../../../storage/index.ts';
import { AccountBindings } from '../auth/account-bindings.ts';

export type CaseDepartmentSource = Pick<CaseDepartmentStore, 'all' | 'write'>;

export class DepartmentBindings extends AccountBindings<CaseDepartmentRow> {
  constructor(store: CaseDepartmentSource | null, now: () => number = Date.now) {
    super(
      store,
      { of: (r) => r.department, row: (username, department, changedBy, updatedAt) => ({ username, department, changedBy, updatedAt }) },
      now,
    );
  }

  /** The department `username` is bound to, or null. */
  departmentOf(username: string): Promise<string | null> {
    return this.valueOf(username);
  }
}
