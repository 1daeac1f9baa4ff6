/**
 * What a batch of case events means to those following the desk live (docs/cases.md#live-updates):
 * each case once, as it is after the batch, with what happened to it and the departments that no
 * longer have it (a department that returned it, the department it was re-assigned away from), so
 * that their handlers' pages drop it.
 */
import type { CaseEvent } from './case-workflow.ts';
import type { HotlineCase } from './case-types.ts';

export interface CaseChange {
  /** The case after the batch. */
  case: HotlineCase;
  /** The events of the batch for this case, in order (`case_assigned` …). */
  happened: string[];
  /** Departments that had the case during the batch and no longer have it. */
  left: string[];
}

/** The batch's changes, one per case in the order of each case's first event. */
export function caseChangesOf(events: readonly CaseEvent[]): CaseChange[] {
  const byCase = new Map<string, { case: HotlineCase; happened: string[]; had: Set<string> }>();
  for (const e of events) {
    let entry = byCase.get(e.caseId);
    if (!entry) {
      entry = { case: e.case, happened: [], had: new Set() };
      byCase.set(e.caseId, entry);
    }
    entry.case = e.case;
    entry.happened.push(e.type);
    // A return names the department that returned it; an assignment the one it was taken from.
    const former = e.type === 'case_returned' ? e.params.department : e.type === 'case_assigned' ? e.params.from : undefined;
    if (typeof former === 'string' && former !== '') entry.had.add(former);
    if (e.case.department) entry.had.add(e.case.department);
  }
  return [...byCase.values()].map((entry) => ({
    case: entry.case,
    happened: entry.happened,
    left: [...entry.had].filter((d) => d !== entry.case.department).sort(),
  }));
}
