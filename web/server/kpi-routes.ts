/**
 * The leader's KPI screen over HTTP (docs/kpi.md): `GET /api/kpi/summary` (every KPI in one
 * call, from the rollups of migration 6) and `GET /api/kpi/drill/{kpi}` (the rows behind a
 * number). Both need `kpi.read` (auth/policy.ts).
 *
 * Classification (分级分类): the figures are aggregates over every sensor and report, whatever
 * its classification — an online rate, a queue total or a count of hotline cases reveals no
 * single point. The rows behind a figure (a sensor, a service hall, a hotline case, a rejected
 * message) are shown only within the caller's clearance; the drill-down says how many rows were
 * left out, so rows + hidden always add up to the figure. A rejected message's topic, source and
 * detail (which quotes the payload) need `ingest.dead-letters` as on `/api/dead-letters`; others
 * see when and why only. The map points of open incidents follow the incident rule
 * (incident-view.ts): coarsened when evidence above the clearance placed them.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { INCIDENT_TYPES, type CityModel, type Classification, type Incident, type SensorSite } from '../../twin-model/index.ts';
import type { StatsMessage } from '../shared/protocol.ts';
import { DRILL_KPIS, type DrillKpi, type KpiDrill, type KpiSummary, type ServiceHallRow } from '../shared/kpi-protocol.ts';
import type { Principal } from './auth/auth-service.ts';
import { clearanceMask, CLASS_BIT, eventClassifier, sensorClassifier, type EventClassifier } from './auth/classification.ts';
import { hasPermission } from './auth/policy.ts';
import { coarsen, withholdsEvidence, type EvidenceClassifier } from './incident-view.ts';
import { HttpError, route, timeParam, type Route } from './http-router.ts';
import { KpiQueries, type IncidentMarkRow, type OpenIncidentPoint } from './kpi-queries.ts';
import {
  byDepartment,
  DAY_MS,
  DEAD_LETTER_WINDOW_MIN,
  hourSlots,
  HOUR_MS,
  kpiWindows,
  ONLINE_WINDOW_MIN,
  onlineRate,
  QUEUE_WINDOW_MIN,
  RESPONSE_STEPS,
  splitByClearance,
  stepFigures,
  type KpiWindows,
  type SourceHealth,
} from './kpi-model.ts';

/** What the KPI service asks the live twin: classifications and the incidents it holds. */
export interface KpiTwin {
  classifyEvent: EventClassifier;
  classifyEvidence: EvidenceClassifier;
  classifyTopic(topic: string): Classification;
  incident(id: string): Incident | undefined;
}

export interface KpiDeps {
  clickhouse: ClickHouseClient;
  city: CityModel | null;
  stats: () => StatsMessage;
  /**
   * The live twin; without it reports are classified by the catalogue alone, rejected messages
   * as sensitive, and incident points are coarsened for any clearance short of all.
   */
  twin?: KpiTwin | null;
}

export type { OpenIncidentPoint };
// The shapes on the wire are defined once in web/shared.
export { DRILL_KPIS };
export type { DrillKpi, KpiDrill, KpiSummary, ServiceHallRow };

const ALL_CLASSES = CLASS_BIT.public | CLASS_BIT.internal | CLASS_BIT.sensitive;

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

const incidentRow = (i: IncidentMarkRow): Record<string, unknown> => ({
  id: i.incidentId,
  type: i.type,
  district: i.district,
  status: i.status,
  severity: i.severity,
  detectedAt: i.detectedAt,
  acknowledgedAt: i.acknowledgedAt,
  dispatchedAt: i.dispatchedAt,
  arrivedAt: i.arrivedAt,
  resolvedAt: i.resolvedAt,
});

/** Seconds from detection to a step, null when missing or the step came first (as the summary). */
function stepSeconds(i: IncidentMarkRow, step: (typeof RESPONSE_STEPS)[number]): number | null {
  const at =
    step === 'acknowledge' ? i.acknowledgedAt : step === 'dispatch' ? i.dispatchedAt : step === 'arrive' ? i.arrivedAt : i.resolvedAt;
  return at === null || at < i.detectedAt ? null : (at - i.detectedAt) / 1000;
}

/** Builds the KPI service over one ClickHouse client and the city model. */
export function kpiService(deps: KpiDeps) {
  const q = new KpiQueries(deps.clickhouse);
  const classify = sensorClassifier(deps.city?.sources ?? []);
  const classifyEvent = deps.twin?.classifyEvent ?? eventClassifier(deps.city?.sources ?? []);
  const classifyTopic = (topic: string): Classification => deps.twin?.classifyTopic(topic) ?? 'sensitive';
  const sites = new Map<string, SensorSite>((deps.city?.sensorSites ?? []).map((s) => [s.id, s]));
  /** A stored registry row as the register decides it (device meta cannot rename or re-source a registered sensor). */
  const registered = <R extends { sensorId: string; kind: string; name: string; district: string; source: string }>(r: R): R => {
    const site = sites.get(r.sensorId);
    return site ? { ...r, kind: site.kind, name: site.nameZh, district: site.district, source: site.sourceId } : r;
  };
  /** An open incident's map point for a clearance: exact only when all its evidence is within it. */
  const pointFor =
    (mask: number) =>
    (p: OpenIncidentPoint): OpenIncidentPoint => {
      if (mask === ALL_CLASSES) return p;
      const incident = deps.twin?.incident(p.id);
      if (incident && !withholdsEvidence(incident, mask, deps.twin!.classifyEvidence)) return p;
      return { ...p, lng: coarsen(p.lng), lat: coarsen(p.lat) };
    };
  const sources = new Map((deps.city?.sources ?? []).map((s) => [s.id, s]));
  const districts = new Map((deps.city?.districts ?? []).map((d) => [d.code, d]));

  const sourceInfo = (id: string) => {
    const s = sources.get(id);
    return {
      nameZh: s?.nameZh ?? (id || '未登记来源'),
      nameEn: s?.nameEn ?? (id || 'no source'),
      departmentZh: s?.departmentZh ?? '未登记部门',
      departmentEn: s?.departmentEn ?? 'Unregistered department',
      classification: (s?.classification ?? 'internal') as Classification,
    };
  };

  async function sensorHealth(w: KpiWindows): Promise<KpiSummary['sensorHealth']> {
    const rows = await q.onlineBySource(w);
    const bySourceId = new Map<string, { registered: number; online: number }>();
    for (const r of rows) {
      const s = bySourceId.get(r.source) ?? { registered: 0, online: 0 };
      s.registered += r.registered;
      s.online += r.online;
      bySourceId.set(r.source, s);
    }
    const bySource: SourceHealth[] = [...bySourceId].map(([source, c]) => ({
      source,
      ...sourceInfo(source),
      ...c,
      rate: onlineRate(c.online, c.registered),
    }));
    bySource.sort((a, b) => b.registered - a.registered || (a.source < b.source ? -1 : 1));
    const registered = bySource.reduce((s, r) => s + r.registered, 0);
    const online = bySource.reduce((s, r) => s + r.online, 0);
    return {
      registered,
      online,
      rate: onlineRate(online, registered),
      windowMin: ONLINE_WINDOW_MIN,
      bySource,
      byDepartment: byDepartment(bySource),
    };
  }

  async function serviceHalls(
    w: KpiWindows,
    clearance: readonly Classification[],
  ): Promise<{ all: Array<ServiceHallRow & { classification: Classification }>; summary: KpiSummary['serviceHalls'] }> {
    const latest = await q.serviceQueues(w);
    const registry = (await q.registryOf(latest.map((h) => h.sensorId))).map(registered);
    const reg = new Map(registry.map((r) => [r.sensorId, r]));
    const all = latest.map((h) => {
      const r = reg.get(h.sensorId);
      return {
        ...h,
        name: r?.name ?? h.sensorId,
        district: r?.district ?? '',
        classification: classify({ classification: r?.classification ?? null, sourceId: r?.source || null }),
      };
    });
    all.sort((a, b) => (b.queue ?? -1) - (a.queue ?? -1) || (a.sensorId < b.sensorId ? -1 : 1));
    const waits = all.map((h) => h.waitMin).filter((v): v is number => v !== null);
    const { rows, hidden } = splitByClearance(all, clearance);
    const perDistrict = new Map<string, { halls: number; queue: number }>();
    for (const h of all) {
      const d = perDistrict.get(h.district) ?? { halls: 0, queue: 0 };
      d.halls++;
      d.queue += h.queue ?? 0;
      perDistrict.set(h.district, d);
    }
    return {
      all,
      summary: {
        byDistrict: [...perDistrict]
          .map(([district, d]) => ({
            district,
            nameZh: districts.get(district)?.nameZh ?? (district || '未知区'),
            nameEn: districts.get(district)?.nameEn ?? (district || 'Unknown'),
            ...d,
          }))
          .sort((a, b) => b.queue - a.queue || (a.district < b.district ? -1 : 1)),
        windowMin: QUEUE_WINDOW_MIN,
        halls: all.length,
        queueTotal: all.reduce((s, h) => s + (h.queue ?? 0), 0),
        waitMinMean: waits.length ? waits.reduce((s, v) => s + v, 0) / waits.length : null,
        waitMinMax: waits.length ? Math.max(...waits) : null,
        rows: rows.map(({ classification: _c, ...r }) => r),
        hidden,
      },
    };
  }

  async function summary(at: number, principal: Principal | null): Promise<KpiSummary> {
    const started = performance.now();
    const w = kpiWindows(at);
    const clearance = principal?.clearance ?? [];
    // All at once: on the embedded engine (two cores) in turn measured the same within noise
    // (docs/kpi.md, "Performance"); at once lets a server with more cores overlap them.
    const [open, rt, byHour, health, dead, hotline, halls] = await Promise.all([
      q.openIncidentPoints(w),
      q.responseTimes(w),
      q.incidentsByHour(w),
      sensorHealth(w),
      q.deadLettersPerMinute(w),
      q.hotlineByHour(w),
      serviceHalls(w, clearance),
    ]);
    const count = <K extends string>(keys: Iterable<K>) => {
      const m = new Map<K, number>();
      for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
      return m;
    };
    const byType = count(open.map((i) => i.type));
    const byDistrict = count(open.map((i) => i.district));
    const cells = count(open.map((i) => `${i.type}\u0000${i.district}`));
    const stats = deps.stats();
    const deadStart = Math.floor(w.deadLettersSince / 60_000) * 60_000;
    const perMinute = new Array<number>(DEAD_LETTER_WINDOW_MIN + 1).fill(0);
    const byReason = new Map<string, number>();
    for (const d of dead) {
      const i = Math.floor((d.minute - deadStart) / 60_000);
      if (i >= 0 && i < perMinute.length) perMinute[i] = perMinute[i]! + d.n;
      byReason.set(d.reason, (byReason.get(d.reason) ?? 0) + d.n);
    }
    const hourOfAt = Math.floor((at - w.dayStart) / HOUR_MS);
    const hourOfLastWeek = w.lastWeekDayStart + hourOfAt * HOUR_MS;
    const hotToday = hotline.filter((r) => r.hour >= w.dayStart);
    const hotLastWeek = hotline.filter((r) => r.hour < w.dayStart);
    const byCategory = new Map<string, number>();
    for (const r of hotToday) byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + r.n);
    return {
      at,
      dayStart: w.dayStart,
      queryMs: Math.round(performance.now() - started),
      openIncidents: {
        total: open.length,
        byType: [...byType].map(([type, n]) => ({ type, n })).sort((a, b) => b.n - a.n || (a.type < b.type ? -1 : 1)),
        byDistrict: [...byDistrict]
          .map(([district, n]) => ({
            district,
            nameZh: districts.get(district)?.nameZh ?? (district || '未知区'),
            nameEn: districts.get(district)?.nameEn ?? (district || 'Unknown'),
            n,
          }))
          .sort((a, b) => b.n - a.n || (a.district < b.district ? -1 : 1)),
        cells: [...cells].map(([k, n]) => {
          const [type, district] = k.split('\u0000') as [string, string];
          return { type, district, n };
        }),
        points: open.map(pointFor(clearanceMask(clearance))),
      },
      responseTimes: {
        incidents: rt.incidents,
        steps: RESPONSE_STEPS.map((s) => stepFigures(s, rt.steps[s].count, rt.steps[s].q[0], rt.steps[s].q[1])),
      },
      incidentsToday: {
        today: hourSlots(byHour.today, w.dayStart),
        lastWeek: hourSlots(byHour.lastWeek, w.lastWeekDayStart),
        todaySoFar: byHour.todaySoFar,
        lastWeekSoFar: byHour.lastWeekSoFar,
      },
      sensorHealth: health,
      ingest: {
        messagesPerSec: stats.messagesPerSec,
        readingsPerSec: stats.readingsPerSec,
        receivedTotal: stats.receivedTotal,
        storedTotal: stats.storedTotal,
        rejectedTotal: stats.rejectedTotal,
        pendingReadings: stats.pendingReadings,
        ingestLagMs: stats.ingestLagMs,
        storage: stats.storage,
        broker: stats.broker,
        lastDataTime: stats.lastDataTime,
        deadLetters: {
          windowMin: DEAD_LETTER_WINDOW_MIN,
          total: dead.reduce((s, d) => s + d.n, 0),
          perMinute,
          byReason: [...byReason].map(([reason, n]) => ({ reason, n })).sort((a, b) => b.n - a.n),
        },
      },
      hotline: {
        today: hourSlots(hotToday, w.dayStart),
        lastWeek: hourSlots(hotLastWeek, w.lastWeekDayStart),
        todaySoFar: hotToday.reduce((s, r) => s + r.n, 0),
        lastWeekSoFar: hotLastWeek.filter((r) => r.hour <= hourOfLastWeek).reduce((s, r) => s + r.n, 0),
        byCategory: [...byCategory]
          .map(([category, n]) => ({ category, n }))
          .sort((a, b) => b.n - a.n || (a.category < b.category ? -1 : 1)),
      },
      serviceHalls: halls.summary,
    };
  }

  async function drill(kpi: DrillKpi, query: z.infer<typeof drillQuery>, principal: Principal | null): Promise<KpiDrill> {
    const at = query.at ?? Date.now();
    const w = kpiWindows(at);
    const clearance = principal?.clearance ?? [];
    const done = (columns: string[], all: Array<Record<string, unknown>>, hidden = 0): KpiDrill => ({
      kpi,
      at,
      columns,
      rows: all.slice(0, query.limit),
      total: all.length,
      hidden,
    });
    const incidentColumns = [
      'id',
      'type',
      'district',
      'status',
      'severity',
      'detectedAt',
      'acknowledgedAt',
      'dispatchedAt',
      'arrivedAt',
      'resolvedAt',
    ];
    switch (kpi) {
      case 'open-incidents': {
        const open = (await q.openIncidents(w)).filter(
          (i) => (!query.type || i.type === query.type) && (query.district === undefined || i.district === query.district),
        );
        return done(incidentColumns, open.map(incidentRow));
      }
      case 'response-times': {
        const today = await q.incidentsDetected(w, w.dayStart, at);
        const step = query.step;
        const rows = step ? today.filter((i) => stepSeconds(i, step) !== null) : today;
        return done(
          [...incidentColumns, ...(step ? ['seconds'] : RESPONSE_STEPS.map((s) => `${s}S`))],
          rows.map((i) => ({
            ...incidentRow(i),
            ...(step ? { seconds: stepSeconds(i, step) } : Object.fromEntries(RESPONSE_STEPS.map((s) => [`${s}S`, stepSeconds(i, s)]))),
          })),
        );
      }
      case 'incidents-today': {
        const dayStart = query.day === 'lastWeek' ? w.lastWeekDayStart : w.dayStart;
        const from = query.hour !== undefined ? dayStart + query.hour * HOUR_MS : dayStart;
        const to = query.hour !== undefined ? from + HOUR_MS - 1 : query.day === 'lastWeek' ? dayStart + DAY_MS - 1 : at;
        const rows = (await q.incidentsDetected(w, from, Math.min(to, at))).filter((i) => !query.type || i.type === query.type);
        return done(incidentColumns, rows.map(incidentRow));
      }
      case 'sensor-health': {
        const [registry, online] = await Promise.all([q.registry(), q.onlineSensors(w)]);
        const rows = registry
          .map(registered)
          .map((r) => {
            const info = sourceInfo(r.source);
            const last = online.get(r.sensorId) ?? null;
            return {
              sensorId: r.sensorId,
              name: r.name,
              kind: r.kind,
              district: r.district,
              source: r.source,
              department: info.departmentZh,
              departmentEn: info.departmentEn,
              online: last !== null,
              lastReadingAt: last,
              classification: classify({ classification: r.classification, sourceId: r.source || null }),
            };
          })
          .filter(
            (r) =>
              (query.source === undefined || r.source === query.source) &&
              (query.department === undefined || r.department === query.department || r.departmentEn === query.department),
          )
          .filter((r) => query.status === undefined || r.online === (query.status === 'online'))
          .sort((a, b) => Number(a.online) - Number(b.online) || (a.sensorId < b.sensorId ? -1 : 1));
        const { rows: visible, hidden } = splitByClearance(rows, clearance);
        return done(
          ['sensorId', 'name', 'kind', 'district', 'source', 'department', 'online', 'lastReadingAt', 'classification'],
          visible,
          hidden,
        );
      }
      case 'dead-letters': {
        const all = (await q.deadLetters(Math.floor(w.deadLettersSince / 60_000) * 60_000, at, 100_000))
          .filter((r) => query.reason === undefined || r.reason === query.reason)
          .map((r) => ({
            ...(r as { receivedAt: number; reason: string; topic: string; source: string; detail: string }),
            classification: classifyTopic(String(r.topic)),
          }));
        const { rows, hidden } = splitByClearance(all, clearance);
        // Topic, source and detail (which quotes the payload) are the dead letters' own data.
        if (!principal || !hasPermission(principal.roles, 'ingest.dead-letters')) {
          return done(
            ['receivedAt', 'reason'],
            rows.map((r) => ({ receivedAt: r.receivedAt, reason: r.reason })),
            hidden,
          );
        }
        return done(
          ['receivedAt', 'reason', 'topic', 'source', 'detail'],
          rows.map(({ classification: _c, ...r }) => r),
          hidden,
        );
      }
      case 'hotline': {
        const dayStart = query.day === 'lastWeek' ? w.lastWeekDayStart : w.dayStart;
        const from = query.hour !== undefined ? dayStart + query.hour * HOUR_MS : dayStart;
        const to =
          query.hour !== undefined
            ? from + HOUR_MS
            : query.day === 'lastWeek'
              ? dayStart + DAY_MS
              : Math.floor(at / HOUR_MS) * HOUR_MS + HOUR_MS;
        const all = (await q.hotlineCases(from, to, 100_000)).map((r) => ({
          ...r,
          classification: classifyEvent(String(r.source), 'citizen_report'),
        }));
        const { rows, hidden } = splitByClearance(all, clearance);
        return done(
          ['ts', 'source', 'id', 'category', 'severity', 'text'],
          rows.map(({ classification: _c, ...r }) => r),
          hidden,
        );
      }
      case 'service-halls': {
        const { all } = await serviceHalls(w, clearance);
        const { rows, hidden } = splitByClearance(
          all.filter((h) => query.district === undefined || h.district === query.district),
          clearance,
        );
        return done(
          ['sensorId', 'name', 'district', 'queue', 'waitMin', 'at'],
          rows.map(({ classification: _c, ...r }) => r),
          hidden,
        );
      }
    }
  }

  return { summary, drill };
}

export function kpiRoutes(deps: KpiDeps): Route[] {
  const service = kpiService(deps);
  return [
    route({
      method: 'GET',
      path: '/api/kpi/summary',
      permission: 'kpi.read',
      tag: 'kpi',
      summary: 'Every KPI of the leader screen in one call, from the ClickHouse rollups (docs/kpi.md)',
      description:
        'Open incidents by type and district (with their places), response times (detection → acknowledge, dispatch, arrive, resolve: median and p90 against targets) over incidents detected today, incidents per hour today and on the same day last week, sensor online rate by source and department, ingest health (live figures and rejected messages per minute), hotline cases per hour, service-hall queues. `at` (epoch ms or RFC 3339, default now) is the moment the figures describe; days are Wuhan local days (UTC+8).',
      response: 'KpiSummary (web/server/kpi-routes.ts)',
      query: z.object({ at: timeParam.optional() }),
      handler: ({ query, principal }) => service.summary(query.at ?? Date.now(), principal),
    }),
    route({
      method: 'GET',
      path: '/api/kpi/drill/{kpi}',
      permission: 'kpi.read',
      tag: 'kpi',
      summary: 'The rows behind a KPI figure: incidents, sensors, rejected messages, hotline cases or service halls',
      description:
        '`kpi` is one of ' +
        DRILL_KPIS.join(', ') +
        ". Filters: `type`, `district` (open-incidents, incidents-today, service-halls), `step` (response-times), `day` = today|lastWeek and `hour` 0-23 (incidents-today, hotline), `source`, `department`, `status` = online|offline (sensor-health), `reason` (dead-letters). Rows above the caller's classification clearance are counted in `hidden`, not listed.",
      response: 'KpiDrill { kpi, at, columns, rows, total, hidden }',
      params: z.object({ kpi: z.enum(DRILL_KPIS) }),
      query: drillQuery,
      handler: async ({ params, query, principal }) => {
        if (!deps.clickhouse) throw new HttpError(503, 'no ClickHouse');
        return service.drill(params.kpi, query, principal);
      },
    }),
  ];
}
