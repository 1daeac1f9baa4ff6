/**
 * The KPI screen's wire shapes (docs/kpi.md): `GET /api/kpi/summary` and
 * `GET /api/kpi/drill/{kpi}`, shared by the server (web/server/kpi/) and the KPI page
 * (web/client/kpi/).
 */
import type { IncidentPoint } from '../../twin-model/incidents/incident-types.ts';
import type { Classification } from '../../twin-model/vocabulary.ts';
import type { StatsMessage } from './protocol.ts';

/** The response-time steps, each measured from detection (what the caller waits). */
export const RESPONSE_STEPS = ['acknowledge', 'dispatch', 'arrive', 'resolve'] as const;
export type ResponseStep = (typeof RESPONSE_STEPS)[number];

/** One response-time step of today's incidents against its target. */
export interface StepFigures {
  step: ResponseStep;
  /** Incidents detected today that reached this step. */
  count: number;
  /** Seconds, null when count is 0. */
  medianS: number | null;
  p90S: number | null;
  target: { medianS: number; p90S: number };
  /** Both within target; null when there is nothing to judge. */
  met: boolean | null;
}

/** Sensor health of one data source. */
export interface SourceHealth {
  source: string;
  nameZh: string;
  nameEn: string;
  departmentZh: string;
  departmentEn: string;
  classification: Classification;
  registered: number;
  online: number;
  rate: number | null;
}

/** Sensor health of one department (its sources summed). */
export interface DepartmentHealth {
  departmentZh: string;
  departmentEn: string;
  sources: number;
  registered: number;
  online: number;
  rate: number | null;
}

/** An open incident as the summary shows it (map point, counts by type and district). */
export type KpiIncidentPoint = IncidentPoint;

export interface ServiceHallRow {
  sensorId: string;
  name: string;
  district: string;
  queue: number | null;
  waitMin: number | null;
  at: number;
}

/** `GET /api/kpi/summary` */
export interface KpiSummary {
  at: number;
  /** Local midnight of the day the figures cover, in the city's zone. */
  dayStart: number;
  /** The city's IANA time zone (the KPI day is its local day). */
  timeZone: string;
  /** Time the server spent on the summary (ms). */
  queryMs: number;
  openIncidents: {
    total: number;
    byType: Array<{ type: string; n: number }>;
    byDistrict: Array<{ district: string; nameZh: string; nameEn: string; n: number }>;
    cells: Array<{ type: string; district: string; n: number }>;
    points: KpiIncidentPoint[];
  };
  responseTimes: { incidents: number; steps: StepFigures[] };
  incidentsToday: { today: number[]; lastWeek: number[]; todaySoFar: number; lastWeekSoFar: number };
  sensorHealth: {
    registered: number;
    online: number;
    rate: number | null;
    windowMin: number;
    bySource: SourceHealth[];
    byDepartment: DepartmentHealth[];
  };
  ingest: {
    messagesPerSec: number;
    readingsPerSec: number;
    receivedTotal: number;
    storedTotal: number;
    rejectedTotal: number;
    pendingReadings: number;
    ingestLagMs: number;
    storage: StatsMessage['storage'];
    broker: StatsMessage['broker'];
    lastDataTime: number;
    deadLetters: { windowMin: number; total: number; perMinute: number[]; byReason: Array<{ reason: string; n: number }> };
  };
  hotline: {
    today: number[];
    lastWeek: number[];
    todaySoFar: number;
    lastWeekSoFar: number;
    byCategory: Array<{ category: string; n: number }>;
  };
  serviceHalls: {
    windowMin: number;
    halls: number;
    queueTotal: number;
    waitMinMean: number | null;
    waitMinMax: number | null;
    /** Per district (aggregates: shown whatever the caller's clearance). */
    byDistrict: Array<{ district: string; nameZh: string; nameEn: string; halls: number; queue: number }>;
    /** Halls within the caller's clearance, longest queue first. */
    rows: ServiceHallRow[];
    hidden: number;
  };
}

/** The KPIs with a drill-down. */
export const DRILL_KPIS = [
  'open-incidents',
  'response-times',
  'incidents-today',
  'sensor-health',
  'dead-letters',
  'hotline',
  'service-halls',
] as const;
export type DrillKpi = (typeof DRILL_KPIS)[number];

/** `GET /api/kpi/drill/{kpi}` */
export interface KpiDrill {
  kpi: DrillKpi;
  at: number;
  /** Column order for a table. */
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** Rows matching before `limit`. */
  total: number;
  /** Rows above the caller's classification clearance (counted in the figure, not listed). */
  hidden: number;
}
