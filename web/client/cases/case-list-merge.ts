/** The case desk's list after a live update (web/client/cases/case-live.ts): pure, tested beside it. */
import type { CaseListItem, CaseUpdateMessage } from '../../shared/case-protocol.ts';

/** The list filters the page shows (empty: any). */
export interface CaseFilters {
  status: string;
  category: string;
  overdue: string;
}

function matches(c: CaseListItem, f: CaseFilters): boolean {
  if (f.status && c.status !== f.status) return false;
  if (f.category && c.category !== f.category) return false;
  if (f.overdue && c.overdue !== (f.overdue === 'yes')) return false;
  return true;
}

/**
 * The list after one update: the case replaced, added (newest received first) or dropped (gone
 * from the user's view, or no longer matching the filters), and the count of matching cases.
 */
export function mergeCaseUpdate(
  list: readonly CaseListItem[],
  total: number,
  msg: CaseUpdateMessage,
  filters: CaseFilters,
): { cases: CaseListItem[]; total: number } {
  const had = list.some((c) => c.id === msg.caseId);
  const rest = list.filter((c) => c.id !== msg.caseId);
  const keep = msg.case !== null && matches(msg.case, filters);
  if (!keep) return { cases: rest, total: had ? Math.max(0, total - 1) : total };
  const item = msg.case!;
  const at = rest.findIndex((c) => c.receivedAt < item.receivedAt || (c.receivedAt === item.receivedAt && c.id < item.id));
  const cases = at < 0 ? [...rest, item] : [...rest.slice(0, at), item, ...rest.slice(at)];
  return { cases, total: had ? total : total + 1 };
}
