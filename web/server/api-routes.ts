/**
 * The HTTP API (documented at /api/docs and /api/openapi.json, generated from this table).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { queryRows } from '../../storage/index.ts';
import {
  CLASSIFICATIONS,
  EVENT_TYPES,
  ID_PATTERN,
  INCIDENT_TYPES,
  KIND_LABELS,
  KIND_METRICS,
  METRIC_LABELS,
  METRIC_UNITS,
  REJECT_REASONS,
  SENSOR_KINDS,
  SENSOR_STATES,
  stateName,
  type CityBasemap,
  type CityModel,
} from '../../twin-model/index.ts';
import type { ReadingsResponse, SensorDetail, SourceIngestCounts, SourceListing, StatsMessage } from '../shared/protocol.ts';
import type { IncidentStore } from '../../storage/incident-store.ts';
import { queryLatest, querySensorHistory } from './history-queries.ts';
import { HttpError, route, timeParam, type RawResponse, type Route } from './http-router.ts';
import { ClassifiedView, summarize } from './live-stream.ts';
import type { TwinService } from './live/twin-service.ts';
import type { Principal } from './auth/auth-service.ts';
import { UNCLASSIFIED_AS } from './auth/policy.ts';
import { clearanceMask, cleared } from './auth/classification.ts';
import { parseBbox } from './sensor-aggregate.ts';
import { registryCells } from './sensor-aggregate-registry.ts';
import { cellsMessage } from './viewport-sessions.ts';

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

const sensorId = z.object({ sensorId: z.string().regex(ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9._-]') });
const DAY = 86_400_000;

export function apiRoutes(deps: ApiDeps): Route[] {
  const districtName = (code: string | null) => deps.city?.districts.find((d) => d.code === code) ?? null;
  const sourceOf = (id: string | null) => deps.city?.sources.find((s) => s.id === id) ?? null;
  /**
   * Refuses a sensor above the caller's clearance (403 with the reason). A sensor the twin has
   * not seen is judged by its site's source, else as unclassified.
   */
  const checkClearance = (principal: Principal | null, id: string): void => {
    if (!principal) throw new HttpError(401, 'sign in first');
    const entry = deps.twin.state.byId.get(id);
    const site = entry ? null : (deps.city?.sensorSites.find((s) => s.id === id) ?? null);
    const cls = entry
      ? deps.twin.stream.classify(entry)
      : site
        ? deps.twin.stream.classify({ classification: null, sourceId: site.sourceId })
        : UNCLASSIFIED_AS;
    if (!principal.clearance.includes(cls)) {
      throw new HttpError(
        403,
        `sensor "${id}" carries ${cls} data; your roles (${principal.roles.join(', ')}) are cleared for ${principal.clearance.join(', ') || 'nothing'}`,
        { classification: cls },
      );
    }
  };

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
    route({
      method: 'GET',
      path: '/api/sensors',
      permission: 'live.read',
      tag: 'sensors',
      summary: "Sensors known to the twin, filtered (only those within the caller's classification clearance)",
      response: '{ total, sensors: SensorSummary[] }',
      query: z.object({
        kind: z.enum([...SENSOR_KINDS, 'unknown']).optional(),
        state: z.enum(SENSOR_STATES).optional(),
        district: z.string().max(32).optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      handler: ({ query, principal }) => {
        const cleared = new Set(principal?.clearance ?? []);
        const all = deps.twin.state.sensors.filter(
          (s) =>
            cleared.has(deps.twin.stream.classify(s)) &&
            (!query.kind || s.kind === query.kind) &&
            (!query.state || stateName(s.state) === query.state) &&
            (!query.district || s.district === query.district),
        );
        return { total: all.length, sensors: all.slice(query.offset, query.offset + query.limit).map(summarize) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/sensors/aggregate',
      permission: 'live.read',
      tag: 'sensors',
      summary: 'Aggregate grid cells of the sensors in a bbox (count, mean position, counts by state), for the map at low zoom',
      description:
        "Cells are squares of 90/2^level degrees, level = floor(zoom) within 6..13 (coarser when the bbox would need over 20,000 cells); the key `level/ix/iy` is the same on every pan. `source=twin` (default): the twin's in-memory grid with counts per state (normal, warning, alarm, stale, unregistered); `source=registry`: the stored registry in ClickHouse (counts only). Only sensors within the caller's classification clearance are counted (docs/scale.md).",
      response: 'CellsMessage { serverTime, level, cellDeg, bbox, zoom, total, registry, source, cells: [{ key, n, lng, lat, states }] }',
      query: z.object({
        bbox: z.string().max(200),
        zoom: z.coerce.number().min(0).max(24),
        kinds: z.string().max(400).optional(),
        source: z.enum(['twin', 'registry']).default('twin'),
      }),
      handler: async ({ query, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        const bbox = parseBbox(query.bbox);
        if (typeof bbox === 'string') throw new HttpError(400, bbox);
        const kinds = query.kinds
          ? query.kinds
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean)
          : null;
        const unknown = kinds?.find((k) => k !== 'unknown' && !(SENSOR_KINDS as readonly string[]).includes(k));
        if (unknown) throw new HttpError(400, `unknown sensor kind "${unknown.slice(0, 40)}"`);
        if (query.source === 'registry') {
          return registryCells(deps.clickhouse, {
            bbox,
            zoom: query.zoom,
            clearance: principal.clearance,
            sources: deps.city?.sources ?? [],
            register: deps.city?.sensorSites ?? [],
            kinds,
          });
        }
        return cellsMessage(deps.twin.stream.grid, bbox, query.zoom, clearanceMask(principal.clearance), kinds, Date.now());
      },
    }),
    route({
      method: 'GET',
      path: '/api/sensors/{sensorId}',
      permission: 'sensors.read',
      tag: 'sensors',
      summary: 'One sensor: kind, position, registration, district, source, state and latest value per metric',
      response: 'SensorDetail',
      params: sensorId,
      handler: async ({ params, principal }): Promise<SensorDetail> => {
        checkClearance(principal, params.sensorId);
        const entry = deps.twin.state.byId.get(params.sensorId);
        const stored = entry ? null : await queryLatest(deps.clickhouse, params.sensorId);
        if (!entry && (!stored || stored.length === 0)) throw new HttpError(404, `sensor "${params.sensorId}" is not known`);
        const latest: SensorDetail['latest'] = {};
        const unitOf = (m: string) => METRIC_UNITS[m.replace(/:sum$/, '') as keyof typeof METRIC_UNITS] ?? '';
        if (entry) for (const [m, v] of entry.latest) latest[m] = { value: v.value, ts: v.ts, unit: unitOf(m) };
        else for (const r of stored ?? []) latest[r.metric] = { value: r.value, ts: r.ts, unit: unitOf(r.metric) };
        const site = deps.city?.sensorSites.find((s) => s.id === params.sensorId) ?? null;
        const district = districtName(entry?.district ?? site?.district ?? null);
        const source = sourceOf(entry?.sourceId ?? site?.sourceId ?? null);
        // The effective classification: the source's, raised (never lowered) by the sensor's meta.
        const classification = deps.twin.stream.classify({
          classification: entry?.classification ?? null,
          sourceId: entry?.sourceId ?? site?.sourceId ?? null,
        });
        return {
          id: params.sensorId,
          kind: entry?.kind ?? site?.kind ?? 'unknown',
          lng: entry?.lng ?? site?.lng ?? null,
          lat: entry?.lat ?? site?.lat ?? null,
          registered: entry?.registered ?? false,
          name: entry?.name ?? null,
          nameZh: site?.nameZh ?? entry?.name ?? null,
          nameEn: site?.nameEn ?? entry?.name ?? null,
          district: district?.code ?? entry?.district ?? null,
          districtNameZh: district?.nameZh ?? null,
          districtNameEn: district?.nameEn ?? null,
          source: source
            ? { id: source.id, nameZh: source.nameZh, nameEn: source.nameEn, classification }
            : entry?.sourceId
              ? { id: entry.sourceId, nameZh: entry.sourceId, nameEn: entry.sourceId, classification }
              : null,
          classification,
          state: entry ? stateName(entry.state) : 'unregistered',
          latest,
          stateReason: entry?.stateReason ?? null,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/api/sensors/{sensorId}/readings',
      permission: 'sensors.history',
      tag: 'sensors',
      summary: 'History of one metric of a sensor, in time order',
      description:
        'Times as epoch ms or RFC 3339. Default range: the last hour. Ranges over 3 h come from the per-minute rollup (averages), so `resolution` says what was used.',
      response: 'ReadingsResponse { sensorId, metric, points: [[epochMs, value], ...], resolution }',
      params: sensorId,
      query: z.object({
        metric: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, 'must be a metric name such as water_level_cm'),
        from: timeParam.optional(),
        to: timeParam.optional(),
        maxPoints: z.coerce.number().int().min(10).max(20_000).optional(),
      }),
      handler: async ({ params, query, principal }): Promise<ReadingsResponse> => {
        checkClearance(principal, params.sensorId);
        const to = query.to ?? Date.now();
        const from = query.from ?? to - 3600_000;
        if (from > to) throw new HttpError(400, `from (${from}) is after to (${to})`);
        if (to - from > 400 * DAY) throw new HttpError(400, 'the range is over 400 days; ask for a shorter range');
        const result = await querySensorHistory(deps.clickhouse, {
          sensorId: params.sensorId,
          metric: query.metric,
          from,
          to,
          ...(query.maxPoints ? { maxPoints: query.maxPoints } : {}),
        });
        if (result.points.length === 0 && !deps.twin.state.byId.has(params.sensorId)) {
          throw new HttpError(404, `sensor "${params.sensorId}" is not known`);
        }
        return { sensorId: params.sensorId, metric: query.metric, points: result.points, resolution: result.resolution };
      },
    }),
    route({
      method: 'GET',
      path: '/api/dead-letters',
      permission: 'ingest.dead-letters',
      tag: 'ingest',
      summary: 'Recently rejected messages with topic, reason and (truncated) payload',
      description:
        "Only messages whose topic is within the caller's classification clearance: a sensor's or service's topic is classified as that sensor, a report's as its source, a unit's fix as internal, a topic outside the v1 scheme as sensitive.",
      response: 'Array of dead letters, newest first',
      query: z.object({
        reason: z.enum(REJECT_REASONS).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      handler: async ({ query, principal }) => {
        const mask = clearanceMask(principal?.clearance ?? []);
        // Read a little more than asked so that filtering rarely shortens the page.
        const rows = await queryRows<Record<string, unknown>>(
          deps.clickhouse,
          `SELECT toUnixTimestamp64Milli(received_at) AS receivedAt, topic, reason, detail, source, payload, payload_encoding AS payloadEncoding, payload_bytes AS payloadBytes
           FROM dead_letters ${query.reason ? 'WHERE reason = {reason:String}' : ''}
           ORDER BY received_at DESC LIMIT {limit:UInt32}`,
          { reason: query.reason ?? '', limit: query.limit * 4 },
        );
        return rows
          .filter((r) => cleared(mask, deps.twin.classifyTopic(String(r.topic))))
          .slice(0, query.limit)
          .map((r) => ({ ...r, receivedAt: Number(r.receivedAt), payloadBytes: Number(r.payloadBytes) }));
      },
    }),
  ];
}
