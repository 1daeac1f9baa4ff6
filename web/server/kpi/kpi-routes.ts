/**
 * The leader's KPI screen over HTTP (docs/kpi.md): `GET /api/kpi/summary` (every KPI in one
 * call, from the rollups of migration 6) and `GET /api/kpi/drill/{kpi}` (the rows behind a
 * number); the shapes both answer with are web/shared/kpi-protocol.ts. Both need `kpi.read` (auth/policy.ts); what a
 * caller's clearance shows is decided in kpi-service.ts.
 */
import { z } from 'zod';
import { INCIDENT_TYPES } from '../../../twin-model/index.ts';
import {
  DRILL_KPIS,
  RESPONSE_STEPS,
  type DrillKpi,
  type KpiDrill,
  type KpiSummary,
  type ServiceHallRow,
} from '../../shared/kpi-protocol.ts';
import { kpiDrillSchema, kpiSummarySchema } from '../../shared/api-schemas.ts';
import { HttpError, route, timeParam, type Route } from '../app/http-router.ts';
import { KpiService, type KpiDeps } from './kpi-service.ts';

export type { KpiDeps, KpiTwin } from './kpi-service.ts';

// The shapes on the wire are defined once in web/shared.
export { DRILL_KPIS };
export type { DrillKpi, KpiDrill, KpiSummary, ServiceHallRow };

const drillQuery = z.object({
  at: timeParam.optional(),
  type: z.enum(INCIDENT_TYPES).optional(),
  district: z.string().max(32).optional(),
  step: z.enum(RESPONSE_STEPS).optional(),
  day: z.enum(['today', 'lastWeek']).default('today'),
  hour: z.coerce.number().int().min(0).max(23).optional(),
  source: z.string().max(64).optional(),
  department: z.string().max(120).optional(),
  status: z.enum(['online', 'offline']).optional(),
  reason: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

/** The filters of a drill-down (all optional but the limit and the day). */
export type DrillFilters = z.infer<typeof drillQuery>;

export function kpiRoutes(deps: KpiDeps): Route[] {
  const service = new KpiService(deps);
  return [
    route({
      method: 'GET',
      path: '/api/kpi/summary',
      operationId: 'getKpiSummary',
      response: kpiSummarySchema,
      permission: 'kpi.read',
      tag: 'kpi',
      summary: 'Every KPI of the leader screen in one call, from the ClickHouse rollups (docs/kpi.md)',
      description:
        'Open incidents by type and district (with their places), response times (detection → acknowledge, dispatch, arrive, resolve: median and p90 against targets) over incidents detected today, incidents per hour today and on the same day last week, sensor online rate by source and department, ingest health (live figures and rejected messages per minute), hotline cases per hour, service-hall queues. `at` (epoch ms or RFC 3339, default now) is the moment the figures describe; days are the local days of the city in its IANA time zone (`timeZone` of the answer; 23 or 25 hours where clocks change); response-time targets are the `kpi.json` of the city package, else the defaults.',
      returns: 'KpiSummary (web/shared/kpi-protocol.ts)',
      query: z.object({ at: timeParam.optional() }),
      handler: ({ query, principal }) => service.summary(query.at ?? Date.now(), principal),
    }),
    route({
      method: 'GET',
      path: '/api/kpi/drill/{kpi}',
      operationId: 'drillKpi',
      response: kpiDrillSchema,
      permission: 'kpi.read',
      tag: 'kpi',
      summary: 'The rows behind a KPI figure: incidents, sensors, rejected messages, hotline cases or service halls',
      description:
        '`kpi` is one of ' +
        DRILL_KPIS.join(', ') +
        ". Filters: `type`, `district` (open-incidents, incidents-today, service-halls), `step` (response-times), `day` = today|lastWeek and `hour` 0-23 (incidents-today, hotline), `source`, `department`, `status` = online|offline (sensor-health), `reason` (dead-letters). Rows above the caller's classification clearance are counted in `hidden`, not listed.",
      returns: 'KpiDrill { kpi, at, columns, rows, total, hidden }',
      params: z.object({ kpi: z.enum(DRILL_KPIS) }),
      query: drillQuery,
      handler: async ({ params, query, principal }) => {
        if (!deps.clickhouse) throw new HttpError(503, 'no ClickHouse');
        return service.drill(params.kpi, query, principal);
      },
    }),
  ];
}
