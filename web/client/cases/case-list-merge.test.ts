import { describe, expect, it } from 'vitest';
import type { CaseListItem } from '../../shared/case-protocol.ts';
import { mergeCaseUpdate, type CaseFilters } from './case-list-merge.ts';

const ANY: CaseFilters = { status: '', category: '', overdue: '' };
const item = (id: string, receivedAt: number, extra: Partial<CaseListItem> = {}): CaseListItem =>
  ({ id, receivedAt, status: 'assigned', category: 'waterlogging', overdue: false, ...extra }) as CaseListItem;
const update = (c: CaseListItem | null, caseId = c?.id ?? '') => ({ serverTime: 0, caseId, case: c, happened: [] });

describe('mergeCaseUpdate', () => {
  const list = [item('case-20260701-00003', 3000), item('case-20260701-00001', 1000)];

  it('adds a new case in its place, newest received first, and counts it', () => {
    const out = mergeCaseUpdate(list, 2, update(item('case-20260701-00002', 2000)), ANY);
    expect(out.cases.map((c) => c.id)).toEqual(['case-20260701-00003', 'case-20260701-00002', 'case-20260701-00001']);
    expect(out.total).toBe(3);
  });

  it('replaces a case it has without counting it twice', () => {
    const out = mergeCaseUpdate(list, 2, update(item('case-20260701-00001', 1000, { status: 'accepted' })), ANY);
    expect(out.cases.map((c) => c.status)).toEqual(['assigned', 'accepted']);
    expect(out.total).toBe(2);
  });

  it('drops a case gone from the view or no longer matching the filters', () => {
    expect(mergeCaseUpdate(list, 2, update(null, 'case-20260701-00003'), ANY)).toEqual({ cases: [list[1]], total: 1 });
    const filtered = mergeCaseUpdate(list, 2, update(item('case-20260701-00001', 1000, { status: 'replied' })), {
      ...ANY,
      status: 'assigned',
    });
    expect(filtered.cases.map((c) => c.id)).toEqual(['case-20260701-00003']);
    expect(filtered.total).toBe(1);
  });

  it('ignores a case it does not have that does not match, and a gone case it never had', () => {
    expect(mergeCaseUpdate(list, 2, update(item('case-20260701-00009', 9000, { overdue: false })), { ...ANY, overdue: 'yes' })).toEqual({
      cases: list,
      total: 2,
    });
    expect(mergeCaseUpdate(list, 2, update(null, 'case-20260701-00009'), ANY)).toEqual({ cases: list, total: 2 });
  });
});
