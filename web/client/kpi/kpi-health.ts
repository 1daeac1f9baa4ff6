/**
 * The big screen's pure judgements: the ONE health badge that folds the engineering figures
 * (ingest lag, the write queue, rejected messages, storage and broker) into 系统正常 / 注意 / 异常
 * with worded reasons (never a raw figure), and the trend of a headline figure against the
 * previous period (▲▼, coloured by whether up is good for that figure).
 */
import type { KpiSummary } from '../../shared/kpi-protocol.ts';

export type HealthLevel = 'ok' | 'attention' | 'fault';

/** Why the badge is not "ok"; each is worded in kpi-strings.ts (`health_<reason>`). */
export type HealthReason =
  | 'unreachable'
  | 'stale'
  | 'storageDown'
  | 'brokerDown'
  | 'lagSevere'
  | 'storageDegraded'
  | 'lagSlow'
  | 'backlog'
  | 'rejected'
  | 'noData';

export interface Health {
  level: HealthLevel;
  /** Worst first. */
  reasons: HealthReason[];
}

/** Thresholds of the badge (docs/kpi.md, "Health badge"). */
export const HEALTH_LIMITS = {
  /** Ingest lag (receive → stored, p95) above which the badge says 注意, and 异常. */
  lagAttentionMs: 10_000,
  lagFaultMs: 60_000,
  /** Readings waiting for storage above which the badge says 注意. */
  backlogReadings: 50_000,
  /** Rejected messages in the last 10 minutes from which the badge says 注意. */
  rejected10Min: 10,
  /** No reading for this long (while sensors are registered): 注意. */
  silentMs: 5 * 60_000,
} as const;

const FAULTS: ReadonlySet<HealthReason> = new Set(['unreachable', 'stale', 'storageDown', 'brokerDown', 'lagSevere']);

/** The badge for the newest summary (null: none yet), whether it is stale, and whether the last read failed. */
export function healthOf(summary: KpiSummary | null, stale: boolean, loadFailed: boolean): Health {
  const reasons: HealthReason[] = [];
  if (loadFailed) reasons.push('unreachable');
  if (stale && summary) reasons.push('stale');
  if (summary) reasons.push(...ingestReasons(summary));
  const ordered = [...reasons.filter((r) => FAULTS.has(r)), ...reasons.filter((r) => !FAULTS.has(r))];
  const level: HealthLevel = ordered.some((r) => FAULTS.has(r)) ? 'fault' : ordered.length > 0 ? 'attention' : 'ok';
  return { level, reasons: ordered };
}

function ingestReasons(s: KpiSummary): HealthReason[] {
  const g = s.ingest;
  const out: HealthReason[] = [];
  if (g.storage === 'down') out.push('storageDown');
  else if (g.storage === 'degraded') out.push('storageDegraded');
  if (g.broker === 'down') out.push('brokerDown');
  if (g.ingestLagMs > HEALTH_LIMITS.lagFaultMs) out.push('lagSevere');
  else if (g.ingestLagMs > HEALTH_LIMITS.lagAttentionMs) out.push('lagSlow');
  if (g.pendingReadings > HEALTH_LIMITS.backlogReadings) out.push('backlog');
  const last10 = g.deadLetters.perMinute.slice(-10).reduce((a, b) => a + b, 0);
  if (last10 >= HEALTH_LIMITS.rejected10Min) out.push('rejected');
  const silent = g.lastDataTime === 0 || s.at - g.lastDataTime > HEALTH_LIMITS.silentMs;
  if (s.sensorHealth.registered > 0 && silent) out.push('noData');
  return out;
}

export type TrendDirection = 'up' | 'down' | 'flat';

export interface Trend {
  direction: TrendDirection;
  /** now − before (in the figure's own unit). */
  delta: number;
  /** Whether the change is good news for this figure; null when flat. */
  good: boolean | null;
}

/** The change of a figure from the previous period; null when either value is unknown. */
export function trendOf(now: number | null, before: number | null, upIsGood: boolean): Trend | null {
  if (now === null || before === null || !Number.isFinite(now) || !Number.isFinite(before)) return null;
  const delta = now - before;
  if (Math.abs(delta) < 1e-9) return { direction: 'flat', delta: 0, good: null };
  const direction: TrendDirection = delta > 0 ? 'up' : 'down';
  return { direction, delta, good: direction === 'up' ? upIsGood : !upIsGood };
}

/**
 * Whether the previous period (the same moment a week earlier) can be compared with: its summary
 * is read and data was flowing then — some sensor had reported in its online window. Before a
 * fresh install's first week is over, the figures of that moment are zero-sample, not zero, and
 * the headline says "no comparison" instead of an arrow.
 */
export function comparable(previous: KpiSummary | null): previous is KpiSummary {
  return previous !== null && previous.sensorHealth.online > 0;
}

/** The arrow of a trend. */
export function trendArrow(t: Trend): string {
  return t.direction === 'up' ? '▲' : t.direction === 'down' ? '▼' : '—';
}
