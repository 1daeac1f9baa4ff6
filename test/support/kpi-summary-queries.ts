/**
 * What a KPI summary asks the store at once (web/server/kpi/kpi-service.ts `summary`): its seven
 * parameterized queries, which the embedded engine runs one after another. The close tests start
 * them and close while they are still queued (`storage-close`, `runtime-close`).
 */
import type { KpiStore, KpiWindows } from '../../storage/kpi-store.ts';

const QUERIES: ReadonlyArray<(store: KpiStore, w: KpiWindows) => Promise<unknown>> = [
  (s, w) => s.openIncidentPoints(w),
  (s, w) => s.responseTimes(w),
  (s, w) => s.incidentsByHour(w),
  (s, w) => s.onlineBySource(w),
  (s, w) => s.deadLettersPerMinute(w),
  (s, w) => s.hotlineByHour(w),
  (s, w) => s.serviceQueues(w),
];

/** What {@link kpiSummaryUnderWay} resolves with when every query answered. */
export const KPI_SUMMARY_ANSWERED: readonly string[] = QUERIES.map(() => 'answered');

/** Starts the summary's queries now; resolves with each one's outcome: `answered`, or its error's message. */
export function kpiSummaryUnderWay(store: KpiStore, w: KpiWindows): Promise<string[]> {
  return Promise.all(
    QUERIES.map((query) =>
      query(store, w).then(
        () => 'answered',
        (err: Error) => err.message,
      ),
    ),
  );
}
