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
  IncidentActionError,
  type CityBasemap,
  type CityModel,
  type Incident,
  type IncidentAction,
  type IncidentChange,
} from '../../twin-model/index.ts';
import type {
  IncidentDetail,
  IncidentView,
  ReadingsResponse,
  SensorDetail,
  SourceIngestCounts,
  SourceListing,
  StatsMessage,
} from '../shared/protocol.ts';
import type { IncidentStore } from './incident-store.ts';
import { compareIncidents, historyViewer, incidentViewer } from './incident-view.ts';
import { queryLatest, querySensorHistory } from './history-queries.ts';
import { HttpError, route, timeParam, type RawResponse, type Route } from './http-router.ts';
import { ClassifiedView, summarize } from './live-stream.ts';
import { NoWriterError, type TwinService } from './twin-service.ts';
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

/** Operator actions on an incident (`POST /api/incidents/{id}/actions`). */
export const INCIDENT_ACTIONS = ['acknowledge', 'set_severity', 'merge', 'split', 'false_alarm', 'resolve', 'close', 'reopen'] as const;

const incidentIdSchema = z.string().regex(ID_PATTERN, 'must be an incident id such as inc-000012');

/** The body of an action; the fields an action needs are checked per action (400 when missing). */
export const incidentActionBody = z
  .object({
    action: z.enum(INCIDENT_ACTIONS),
    severity: z.number().int().min(1).max(5).optional(),
    otherId: incidentIdSchema.optional(),
    evidenceIds: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action === 'set_severity' && b.severity === undefined)
      ctx.addIssue({ code: 'custom', path: ['severity'], message: 'set_severity needs severity (1-5)' });
    if (b.action === 'merge' && b.otherId === undefined)
      ctx.addIssue({ code: 'custom', path: ['otherId'], message: 'merge needs otherId (the incident merged into this one)' });
    if (b.action === 'split' && b.evidenceIds === undefined)
      ctx.addIssue({ code: 'custom', path: ['evidenceIds'], message: 'split needs evidenceIds (the evidence moved to a new incident)' });
  });

/** The correlator's command for a validated action body. */
export function incidentCommand(b: z.infer<typeof incidentActionBody>): IncidentAction {
  switch (b.action) {
    case 'set_severity':
      return { action: 'set_severity', severity: b.severity! };
    case 'merge':
      return { action: 'merge', otherId: b.otherId! };
    case 'split':
      return { action: 'split', evidenceIds: b.evidenceIds! };
    default:
      return { action: b.action };
  }
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

  const viewFor = (principal: Principal | null) => incidentViewer(principal?.clearance ?? [], deps.twin.classifyEvidence);
  /** The newest state of an incident: the twin's if it holds it, else the store's last change. */
  const incidentById = async (
    id: string,
  ): Promise<{ incident: Incident | null; history: Awaited<ReturnType<IncidentStore['history']>> }> => {
    // Changes are written in batches: write what is pending so the history is complete.
    await deps.twin.flushIncidents();
    const history = deps.incidentStore ? await deps.incidentStore.history(id) : [];
    return { incident: deps.twin.incident(id) ?? history.at(-1)?.incident ?? null, history };
  };
  const incidentParams = z.object({ incidentId: incidentIdSchema });

  return [
    route({
      method: 'GET',
      path: '/api/incidents',
      permission: 'incidents.read',
      tag: 'incidents',
      summary: 'Incidents: the active ones (status=open, default) or all, optionally in a time range; most severe first',
      description:
        "`from`/`to` (epoch ms or RFC 3339) keep incidents that were open at some time in the range (updated at or after `from`, opened at or before `to`). Evidence from sensors above the caller's classification clearance is left out (`hiddenEvidence` counts it).",
      response:
        'Array of IncidentView { id, type, status, lng, lat, district, assetId, severity, confidence, openedAt, updatedAt, evidence: [{ id, kind, why, … }], hiddenEvidence }',
      query: z.object({
        status: z.enum(['open', 'all']).default('open'),
        from: timeParam.optional(),
        to: timeParam.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).default(1000),
      }),
      handler: async ({ query, principal }): Promise<IncidentView[]> => {
        if (query.from !== undefined && query.to !== undefined && query.from > query.to)
          throw new HttpError(400, `from (${query.from}) is after to (${query.to})`);
        const byId = new Map<string, Incident>();
        if (query.status === 'all') {
          await deps.twin.flushIncidents();
          for (const i of (await deps.incidentStore?.stateAt(Date.now() + 60_000)) ?? []) byId.set(i.id, i);
          for (const i of deps.twin.knownIncidents()) byId.set(i.id, i);
        } else {
          for (const i of deps.twin.activeIncidents()) byId.set(i.id, i);
        }
        const inRange = (i: Incident) =>
          (query.from === undefined || i.updatedAt >= query.from) && (query.to === undefined || i.openedAt <= query.to);
        const view = viewFor(principal);
        return [...byId.values()].filter(inRange).sort(compareIncidents).slice(0, query.limit).map(view);
      },
    }),
    route({
      method: 'GET',
      path: '/api/incidents/{incidentId}',
      permission: 'incidents.read',
      tag: 'incidents',
      summary: 'One incident with its evidence (each with why it was linked) and its full history of changes (who, when, what)',
      response: 'IncidentDetail { …IncidentView, history: [{ at, actor, what, detail, status, severity, confidence }] }',
      params: incidentParams,
      handler: async ({ params, principal }): Promise<IncidentDetail> => {
        const { incident, history } = await incidentById(params.incidentId);
        if (!incident) throw new HttpError(404, `incident "${params.incidentId}" is not known`);
        return {
          ...viewFor(principal)(incident),
          history: history.map(historyViewer(principal?.clearance ?? [], deps.twin.classifyEvidence)),
        };
      },
    }),
    route({
      method: 'POST',
      path: '/api/incidents/{incidentId}/actions',
      permission: 'incidents.act',
      tag: 'incidents',
      summary: 'An operator action on an incident: acknowledge, set_severity, merge, split, false_alarm, resolve, close, reopen',
      description:
        "Recorded in the incident's history with the signed-in user as the actor and the optional reason. `merge` merges `otherId` into this incident; `split` moves `evidenceIds` to a new incident. An action that does not apply to the incident as it is (acknowledging a closed one, merging across types …) gets 409 with the reason.",
      response: '{ incident: IncidentView, changes: [{ incidentId, at, actor, what, detail }] }',
      params: incidentParams,
      body: incidentActionBody,
      handler: async ({ params, body, principal }) => {
        if (!principal) throw new HttpError(401, 'sign in first');
        let changes: IncidentChange[];
        try {
          // Applied by the twin writer (this node, or forwarded to it) and stored before the
          // answer: "recorded" means the history read next includes it.
          changes = await deps.twin.actAnywhere(params.incidentId, principal.username, incidentCommand(body), body.reason);
        } catch (err) {
          if (err instanceof IncidentActionError) {
            const forwarded = (err as IncidentActionError & { status?: number }).status;
            const known = deps.twin.incident(params.incidentId) !== undefined;
            throw new HttpError(forwarded === 404 || forwarded === 409 ? forwarded : known ? 409 : 404, err.message);
          }
          if (err instanceof NoWriterError) throw new HttpError(503, err.message);
          throw err;
        }
        const view = viewFor(principal);
        const own = changes.find((c) => c.incidentId === params.incidentId) ?? changes[0]!;
        return {
          incident: view(own.incident),
          changes: changes.map((c) => ({ incidentId: c.incidentId, at: c.at, actor: c.actor, what: c.what, detail: c.detail })),
        };
      },
    }),
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
