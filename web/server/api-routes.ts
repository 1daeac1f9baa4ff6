/**
 * The HTTP API (documented at /api/docs and /api/openapi.json, generated from this table).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
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
  IncidentActionError,
  type CityBasemap,
  type CityModel,
  type Incident,
  type IncidentAction,
} from '../../twin-model/index.ts';
import type { IncidentDetail, IncidentView, SourceIngestCounts, SourceListing, StatsMessage } from '../shared/protocol.ts';
import type { IncidentStore } from './incident-store.ts';
import { compareIncidents, historyViewer, incidentViewer } from './incident-view.ts';
import { HttpError, route, timeParam, type RawResponse, type Route } from './http-router.ts';
import { ClassifiedView } from './live/live-stream.ts';
import { NoWriterError, type TwinService } from './twin-service.ts';
import type { Principal } from './auth/auth-service.ts';
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

export function apiRoutes(deps: ApiDeps): Route[] {
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
        let changes;
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
  ];
}
