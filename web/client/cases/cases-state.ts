/**
 * The case desk's ONE state object: what the list, the filters and the open case show. Panels
 * draw from it; the desk (cases-main.ts) changes it and asks them to redraw.
 */
import type { Me } from '../backend/session.ts';
import type { CaseDepartmentsResponse, CaseDetailResponse, CaseListItem } from '../../shared/case-protocol.ts';
import type { CaseLive } from './case-live.ts';
import type { CaseFilters } from './case-list-merge.ts';

/** The list's filters as the selects hold them ('' = all). */
export type CaseFilter = CaseFilters;

export interface CasesState {
  readonly me: Me;
  /** The dispatch desk (admin, dispatcher) sees and assigns every case. */
  readonly isDesk: boolean;
  /** The role may send commands (`cases.act`). */
  readonly canAct: boolean;
  filter: CaseFilter;
  /** The cases of the list, in the server's order, and how many match in all. */
  cases: CaseListItem[];
  total: number;
  /** Why the list could not be read, or null. */
  listError: string | null;
  /** The departments and the user's own, once read. */
  departments: CaseDepartmentsResponse | null;
  selectedId: string | null;
  /** The open case with its proposal, or null. */
  detail: CaseDetailResponse | null;
  /** The outcome of the last command (or a failed read) on the open case. */
  notice: { ok: boolean; text: string } | null;
  ready: boolean;
  live: CaseLive | null;
}

export function createCasesState(me: Me): CasesState {
  return {
    me,
    isDesk: me.roles.includes('admin') || me.roles.includes('dispatcher'),
    canAct: me.permissions.includes('cases.act'),
    filter: { status: '', category: '', overdue: '' },
    cases: [],
    total: 0,
    listError: null,
    departments: null,
    selectedId: null,
    detail: null,
    notice: null,
    ready: false,
    live: null,
  };
}

/** The query of `GET /api/cases` for the filter. */
export function listQuery(filter: CaseFilter): URLSearchParams {
  const q = new URLSearchParams({ limit: '500' });
  if (filter.status) q.set('status', filter.status);
  if (filter.category) q.set('category', filter.category);
  if (filter.overdue) q.set('overdue', filter.overdue);
  return q;
}
