/**
 * The city's own routes: the vocabulary (sensor kinds, metrics with units, states, event and
 * incident types, reject reasons), the districts, and the data sources with what the ingest did
 * with their messages. All need `city.read`.
 */
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
  type CityModel,
} from '../../../twin-model/index.ts';
import { z } from 'zod';
import { sourceListingSchema } from '../../shared/api-schemas.ts';
import type { SourceIngestCounts, SourceListing } from '../../shared/protocol.ts';
import { UNCLASSIFIED_AS } from '../auth/policy.ts';
import { route, type Route } from '../app/http-router.ts';

export interface CityRoutesDeps {
  city: CityModel | null;
  /** The ingest's counts per source (received, stored, rejected, pending), or absent without an ingest. */
  sourceCounts?: () => ReadonlyMap<string, SourceIngestCounts>;
}

const label = z.object({ zh: z.string(), en: z.string() });
/** A list the server holds as a constant (the vocabulary's tables). */
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).readonly();
/** `GET /api/vocabulary`: the v1 names integrators configure against. */
const vocabularySchema = z.object({
  sensorKinds: z.array(z.object({ kind: z.enum(SENSOR_KINDS), metrics: list(z.string()), label })),
  metrics: z.array(z.object({ metric: z.string(), unit: z.string(), label })),
  sensorStates: list(z.enum(SENSOR_STATES)),
  classifications: list(z.enum(CLASSIFICATIONS)),
  eventTypes: list(z.enum(EVENT_TYPES)),
  incidentTypes: list(z.enum(INCIDENT_TYPES)),
  rejectReasons: list(z.enum(REJECT_REASONS)),
});

export function cityRoutes(deps: CityRoutesDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/vocabulary',
      operationId: 'getVocabulary',
      response: vocabularySchema,
      permission: 'city.read',
      tag: 'city',
      summary: 'Sensor kinds, metrics with units, states, event and incident types, reject reasons',
      returns: 'Vocabulary',
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
      operationId: 'listDistricts',
      response: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), seat: z.tuple([z.number(), z.number()]) })),
      permission: 'city.read',
      tag: 'city',
      summary: 'Districts with codes and names',
      returns: 'Array of {code, nameZh, nameEn, seat}',
      handler: () => (deps.city?.districts ?? []).map((d) => ({ code: d.code, nameZh: d.nameZh, nameEn: d.nameEn, seat: d.seat })),
    }),
    route({
      method: 'GET',
      path: '/api/sources',
      operationId: 'listSources',
      response: z.array(sourceListingSchema),
      permission: 'city.read',
      tag: 'city',
      summary:
        'Data sources with their department and classification, and what the ingest did with their messages (received = stored + rejected + pending)',
      returns: 'Array of SourceListing',
      handler: (): SourceListing[] => sourceListing(deps.city?.sources ?? [], deps.sourceCounts?.() ?? null),
    }),
  ];
}

/** The registered sources with their counts, then the sources the ingest saw that the city does not register. */
export function sourceListing(registered: CityModel['sources'], counts: ReadonlyMap<string, SourceIngestCounts> | null): SourceListing[] {
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
}
