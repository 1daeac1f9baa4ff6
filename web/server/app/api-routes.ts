/**
 * The system and city routes of the HTTP API, in the order the OpenAPI document lists them
 * (documented at /api/docs and /api/openapi.json, generated from the route tables). Each
 * feature's routes live in its folder (live/, incidents/, dispatch/, replay/, kpi/, audit/,
 * city/, app/); this module assembles the two that share these dependencies.
 */
import type { StorageClient } from '../../../storage/index.ts';
import type { CityBasemap, CityModel } from '../../../twin-model/index.ts';
import type { SourceIngestCounts, StatsMessage } from '../../shared/protocol.ts';
import type { IncidentStore } from '../../../storage/incident-store.ts';
import type { Route } from './http-router.ts';
import type { TwinService } from '../live/twin-service.ts';
import { systemRoutes, type HealthReport } from './system-routes.ts';
import { cityRoutes } from '../city/city-routes.ts';

export type { HealthReport } from './system-routes.ts';

export interface ApiDeps {
  twin: TwinService;
  clickhouse: StorageClient;
  city: CityModel | null;
  basemap: () => CityBasemap | null;
  stats: () => StatsMessage;
  health: () => Promise<HealthReport>;
  /** The Prometheus text exposition (the process's metrics registry). */
  metricsText: () => Promise<string>;
  /** The event-sourced incident store (history, closed incidents); null keeps only the live ones. */
  incidentStore?: IncidentStore | null;
  /** The ingest's counts per source (received, stored, rejected, pending), or absent without an ingest. */
  sourceCounts?: () => ReadonlyMap<string, SourceIngestCounts>;
}

export function apiRoutes(deps: ApiDeps): Route[] {
  return [...systemRoutes(deps), ...cityRoutes(deps)];
}
