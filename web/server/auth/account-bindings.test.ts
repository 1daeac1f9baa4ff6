import { describe, expect, it } from 'vitest';
import { DepartmentBindings } from '../cases/department-bindings.ts';
import { BINDINGS_TTL_MS } from './account-bindings.ts';

interface Row {
  username: string;
  department: string;
  changedBy: string;
  updatedAt: number;
}

/** A store as the table keeps it: every row written, the newest of an account read back. */
function table(rows: Row[] = []) {
  return {
    rows,
    async all() {
      const newest = new Map<string, Row>();
      for (const r of rows) if ((newest.get(r.username)?.updatedAt ?? -1) < r.updatedAt) newest.set(r.username, r);
      return [...newest.values()];
    },
    async write(row: Row) {
      rows.push(row);
    },
  };
}

describe('account bindings', () => {
  it('keeps the newest binding of an account even when two are made in the same millisecond', async () => {
    const store = table();
    const bindings = new DepartmentBindings(store, () => 1_000);
    await bindings.bind('han', 'water', 'admin');
    await bindings.bind('han', 'fire', 'admin');
    expect(store.rows.map((r) => r.updatedAt)).toEqual([1_000, 1_001]);
    // Another node reading the table sees the second binding as the newest.
    expect(await new DepartmentBindings(store, () => 1_000).departmentOf('han')).toBe('fire');
  });

  it('leaves unbound accounts out and reads bindings made elsewhere once its copy is older than the TTL', async () => {
    const store = table([{ username: 'li', department: 'water', changedBy: 'admin', updatedAt: 1 }]);
    let now = 10;
    const bindings = new DepartmentBindings(store, () => now);
    expect(await bindings.departmentOf('li')).toBe('water');
    await bindings.bind('li', null, 'admin');
    expect(await bindings.departmentOf('li')).toBeNull();
    expect(await bindings.list()).toEqual([]);
    store.rows.push({ username: 'wu', department: 'fire', changedBy: 'admin', updatedAt: 20 });
    expect(await bindings.departmentOf('wu')).toBeNull();
    now += BINDINGS_TTL_MS;
    expect(await bindings.departmentOf('wu')).toBe('fire');
    expect((await bindings.list()).map((r) => r.username)).toEqual(['wu']);
  });
});
