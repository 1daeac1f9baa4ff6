/**
 * A hotline case's missed time limit as the notification engine tells it (`case_overdue`,
 * docs/cases.md#time-limits): the record only — number, category, department, district, which
 * limit, its deadline and how far past it. Never what the citizen said, where exactly, or who
 * called (the `sensitive` parts of a case): a message goes out whoever reads it, and the link
 * leads to the case desk, which shows the rest as each reader's clearance allows.
 */
import type { CaseCategory } from '../cases/case-types.ts';
import type { CaseEvent } from '../cases/case-workflow.ts';

export interface CaseNotice {
  caseId: string;
  category: CaseCategory;
  /** The department the case is with ('' when none). */
  department: string;
  district: string | null;
  stage: 'accept' | 'reply';
  deadline: number;
  overdueMin: number;
  receivedAt: number;
}

/** The notice of a `case_overdue` event, or null for any other event. */
export function caseNoticeOf(e: CaseEvent): CaseNotice | null {
  if (e.type !== 'case_overdue') return null;
  const stage = e.params.stage === 'accept' ? 'accept' : 'reply';
  return {
    caseId: e.caseId,
    category: e.case.category,
    department: typeof e.params.department === 'string' ? e.params.department : (e.case.department ?? ''),
    district: e.case.place.district,
    stage,
    deadline:
      typeof e.params.deadline === 'number' ? e.params.deadline : stage === 'accept' ? (e.case.sla.acceptBy ?? e.at) : e.case.sla.replyBy,
    overdueMin: typeof e.params.overdueMin === 'number' ? e.params.overdueMin : 0,
    receivedAt: e.case.receivedAt,
  };
}
