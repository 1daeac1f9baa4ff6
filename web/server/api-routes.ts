/**
 * The HTTP API (documented at /api/docs and /api/openapi.json, generated from this table).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  CLASSIFICATIONS,
  EVENT_TYPES,
  INCIDENT_TYPES,
  KIND_LABELS,
  KIND_METRICS,
  METRIC_LABELS,
  METRIC_UNITS,
  REJECT_REASONS,
  SENSOR_KINDS,
  SENSOR_STATES,
  type CityBasemap,
  type CityModel,
} from '../../twin-model/index.ts';
import type { SourceIngestCounts, SourceListing, StatsMessage } from '../shared/protocol.ts';
import type { IncidentStore } from '../../storage/incident-store.ts';
import { route, type RawResponse, type Route } from './http-router.ts';
import { ClassifiedView } from './live/live-stream.ts';
import type { TwinService } from './live/twin-service.ts';
import { UNCLASSIFIED_AS } from './auth/policy.ts';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  parts: Record<string, { status: 'ok' | 'degraded' | 'down'; detail?: string }>;
  version: string;
  uptimeS: number;
}

export interface ApiDeps {
  twin: TwinService;
  clickhouse: ClickHouseClient;
  city: CityModel | null;
  basemap: () => CityBasemap | null;
  stats: () => StatsMessage;
  health: () => Promise<HealthReport>;
  metricsText: () => string;
  /** The event-sourced incident store (history, closed incidents); null keeps only the live ones. */
  incidentStore?: IncidentStore | null;
  /** The ingest's counts per source (received, stored, rejected, pending), or absent without an ingest. */
  sourceCounts?: () => ReadonlyMap<string, SourceIngestCounts>;
}

export function apiRoutes(deps: ApiDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/health',
      permission: 'probe',
      tag: 'system',
      summary: 'Health of the broker connection, ClickHouse and the ingest',
      description:
        '200 with {"status":"ok"|"degraded", ...} when the broker and ClickHouse are reachable; 503 naming the failing part otherwise.',
      response: 'Health report',
      handler: async ({ res }) => {
        const report = await deps.health();
        res.writeHead(report.status === 'down' ? 503 : 200, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(JSON.stringify(report));
      },
    }),
    route({
      method: 'GET',
      path: '/metrics',
      permission: 'probe',
      tag: 'system',
      summary: 'Prometheus metrics',
      response: 'Prometheus text exposition',
      handler: (): RawResponse => ({ raw: true, contentType: 'text/plain; version=0.0.4; charset=utf-8', body: deps.metricsText() }),
    }),
    route({
      method: 'GET',
      path: '/api/stats',
      permission: 'stats.read',
      tag: 'system',
      summary: 'The live figures of the status strip (also pushed on the socket as `stats`)',
      response: "StatsMessage (sensor counts within the caller's clearance)",
      handler: ({ principal }) => {
        const all = deps.stats();
        if (!principal) return all;
        const feed = deps.twin.stream.feedFor(principal.clearance);
        return feed instanceof ClassifiedView ? { ...all, sensorsTotal: feed.size, byState: feed.countByState() } : all;
      },
    }),
    route({
      method: 'GET',
      path: '/api/vocabulary',
      permission: 'city.read',
      tag: 'city',
      summary: 'Sensor kinds, metrics with units, states, event and incident types, reject reasons',
      response: 'Vocabulary',
      handler: () => ({
        sensorKinds: SENSOR_KINDS.map((k) => ({ kind: k, metrics: KIND_METRICS[k], label: KIND_LABELS[k] })),
        metrics: Object.entries(METRIC_UNITS).map(([m, unit]) => ({
          metric: m,
          unit,
          label: METRIC_LABELS[m as keyof typeof METRIC_LABELS],
        })),
        sensorStates: SENSOR_STATES,
        classifications: CLASSIFICATIONS,
        eventTypes: EVENT_TYPES,
        incidentTypes: INCIDENT_TYPES,
        rejectReasons: REJECT_REASONS,
      }),
    }),
    route({
      method: 'GET',
      path: '/api/city/districts',
      permission: 'city.read',
      tag: 'city',
      summary: 'Districts with codes and names',
      response: 'Array of {code, nameZh, nameEn, seat}',
      handler: () => (deps.city?.districts ?? []).map((d) => ({ code: d.code, nameZh: d.nameZh, nameEn: d.nameEn, seat: d.seat })),
    }),
    route({
      method: 'GET',
      path: '/api/sources',
      permission: 'city.read',
      tag: 'city',
      summary:
        'Data sources with their department and classification, and what the ingest did with their messages (received = stored + rejected + pending)',
      response: 'Array of SourceListing',
      handler: (): SourceListing[] => {
        const counts = deps.sourceCounts?.() ?? null;
        const registered = deps.city?.sources ?? [];
        const listed: SourceListing[] = registered.map((s) => ({
          ...s,
          registered: true,
          ingest: counts ? (counts.get(s.id) ?? { received: 0, stored: 0, rejected: 0, pending: 0 }) : null,
        }));
        const known = new Set(registered.map((s) => s.id));
        for (const [id, c] of counts ?? []) {
          if (!known.has(id))
            listed.push({
              id,
              nameZh: id,
              nameEn: id,
              departmentZh: '',
              departmentEn: '',
              classification: UNCLASSIFIED_AS,
              registered: false,
              ingest: c,
            });
        }
        return listed;
      },
    }),
  ];
}
