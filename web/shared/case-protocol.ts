/**
 * The case desk's wire shapes (docs/cases.md): the answers of `/api/cases…`,
 * `/api/case-departments` and `/api/kpi/cases`, shared by the server (web/server/cases/) and the
 * case desk page (web/client/cases/). A case is always a {@link CaseView}: what the caller may see
 * of it (twin-model/cases/case-view.ts), never the stored case.
 */
import type { CaseKpi, CaseView, IncidentProposal } from '../../twin-model/cases/index.ts';

/** A case in a list: its view without the history, and whether a time limit is missed now. */
export type CaseListItem = Omit<CaseView, 'history'> & { overdue: boolean };

/** A case's view as lists carry it: without the history, with whether a limit is missed now. */
export function caseListItemOf(view: CaseView): CaseListItem {
  const { history: _history, ...rest } = view;
  return { ...rest, overdue: isCaseOverdue(view) };
}

/**
 * `case` on the socket (permission `cases.read`): one case after a change, as the receiving user
 * may see it (the same view as `GET /api/cases`), or `case: null` when the user's department no
 * longer has it (returned, re-assigned away) and the page should drop it.
 */
export interface CaseUpdateMessage {
  serverTime: number;
  caseId: string;
  case: CaseListItem | null;
  /** What happened to the case (`case_assigned` …). */
  happened: string[];
}

/** `GET /api/cases`. */
export interface CaseListResponse {
  cases: CaseListItem[];
  /** Cases that matched, before the limit. */
  total: number;
  /** The department the caller's account is bound to (a case handler), or null. */
  department: string | null;
}

/** `GET /api/cases/{caseId}`: the case with its history, and for the dispatch desk whether it should join or open an incident. */
export interface CaseDetailResponse {
  case: CaseView;
  overdue: boolean;
  proposal: IncidentProposal | null;
}

/** `POST /api/cases/{caseId}/commands`: the case after the command, and what happened (`case_assigned` …). */
export interface CaseCommandResponse {
  case: CaseView;
  happened: string[];
}

/** `POST /api/cases`: the number the hotline's case got (or already had). */
export interface CaseIntakeResponse {
  caseId: string;
  duplicate: boolean;
  status: CaseView['status'];
  department: string | null;
}

/** `GET /api/case-departments`: the departments cases go to, and the caller's own. */
export interface CaseDepartmentsResponse {
  /** The departments by their Chinese name, which is each department's id (commands and bindings name them so). */
  departments: string[];
  /** The departments' English names (the source catalogue's `department_en`); a department without one is absent. */
  namesEn: Array<{ department: string; nameEn: string }>;
  /** Where the routing sends what no rule takes (the hotline centre). */
  fallback: string;
  mine: string | null;
  /** Who is bound to which department (the dispatch desk and admins only). */
  bindings: Array<{ username: string; department: string; changedBy: string; updatedAt: number }> | null;
}

/**
 * `GET /api/kpi/cases`: counts only — no text, no caller, no hash. Places (≈500 m cells with at
 * least 3 cases) only for callers cleared for `internal`; `repeatPlaces` is empty otherwise.
 */
export interface CaseKpiResponse {
  at: number;
  from: number;
  to: number;
  kpi: CaseKpi;
  /** The figures cover the newest cases only: more were received in the period than are counted. */
  truncated: boolean;
}

/** Whether a limit is missed now: accepting (while assigned) or replying (while the reply is owed). */
export function isCaseOverdue(c: Pick<CaseView, 'status' | 'sla'>): boolean {
  if (c.status === 'assigned' && c.sla.acceptOverdueAt !== null) return true;
  const owed =
    c.status === 'received' || c.status === 'assigned' || c.status === 'accepted' || c.status === 'returned' || c.status === 'reopened';
  return owed && c.sla.replyOverdueAt !== null;
}
