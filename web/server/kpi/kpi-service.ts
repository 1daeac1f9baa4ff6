/**
 * The leader's KPI screen (docs/kpi.md): every figure of `GET /api/kpi/summary` and the rows
 * behind each (`GET /api/kpi/drill/{kpi}`), from the rollups (storage/kpi-store.ts) and the
 * registry, shaped by the pure definitions of kpi-model.ts.
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
import {
  KpiStore,
  RegistryStore,
  type StorageClient,
  type IncidentMarkRow,
  type OpenIncidentPoint,
  type SensorRegistryRow,
} from '../../../storage/index.ts';
import { registerSites, type CityModel, type Classification, type DeclaredSensorSite, type Incident } from '../../../twin-model/index.ts';
import { cityTimeZone } from '../../../twin-model/local-time.ts';
import type { DrillKpi, KpiDrill, KpiSummary, ServiceHallRow } from '../../shared/kpi-protocol.ts';
import type { StatsMessage } from '../../shared/protocol.ts';
import type { Principal } from '../auth/auth-service.ts';
import {
  CLASS_BIT,
  clearanceMask,
  eventClassifier,
  sensorClassifier,
  type EventClassifier,
  type SensorClassifier,
} from '../auth/classification.ts';
import { hasPermission } from '../auth/policy.ts';
import { coarsen, withholdsEvidence, type EvidenceClassifier } from '../incidents/incident-view.ts';
import {
  byDepartment,
  currentHourEnd,
  DEAD_LETTER_WINDOW_MIN,
  hourSlots,
  HOUR_MS,
  kpiWindows,
  ONLINE_WINDOW_MIN,
  onlineRate,
  QUEUE_WINDOW_MIN,
  RESPONSE_STEPS,
  responseTargetsOf,
  splitByClearance,
  stepFigures,
  type KpiWindows,
  type ResponseTargets,
  type ResponseStep,
  type SourceHealth,
} from './kpi-model.ts';
import type { DrillFilters } from './kpi-routes.ts';

/** What the KPI service asks the live twin: classifications and the incidents it holds. */
export interface KpiTwin {
  classifyEvent: EventClassifier;
  classifyEvidence: EvidenceClassifier;
  classifyTopic(topic: string): Classification;
  incident(id: string): Incident | undefined;
}

export interface KpiDeps {
  clickhouse: StorageClient;
  city: CityModel | null;
  stats: () => StatsMessage;
  /**
   * The live twin; without it reports are classified by the catalogue alone, rejected messages
   * as sensitive, and incident points are coarsened for any clearance short of all.
   */
  twin?: KpiTwin | null;
}

const ALL_CLASSES = CLASS_BIT.public | CLASS_BIT.internal | CLASS_BIT.sensitive;

const INCIDENT_COLUMNS = [
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
function stepSeconds(i: IncidentMarkRow, step: ResponseStep): number | null {
  const at =
    step === 'acknowledge' ? i.acknowledgedAt : step === 'dispatch' ? i.dispatchedAt : step === 'arrive' ? i.arrivedAt : i.resolvedAt;
  return at === null || at < i.detectedAt ? null : (at - i.detectedAt) / 1000;
}

/** How many times each key occurs. */
function count<K extends string>(keys: Iterable<K>): Map<K, number> {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** A drill-down's answer before the limit: every matching row, and those left out for the clearance. */
type DrillRows = { columns: string[]; all: Array<Record<string, unknown>>; hidden?: number };

/** The KPI service over one ClickHouse client and the city model. */
export class KpiService {
  private readonly store: KpiStore;
  private readonly registry: RegistryStore;
  private readonly classify: SensorClassifier;
  private readonly classifyEvent: EventClassifier;
  private readonly sites: Map<string, DeclaredSensorSite>;
  private readonly sources: Map<string, CityModel['sources'][number]>;
  private readonly districts: Map<string, CityModel['districts'][number]>;
  /** The city's IANA zone: its local day is the KPI day. */
  private readonly timeZone: string;
  /** The city's targets (its package's kpi.json over the product's). */
  private readonly targets: ResponseTargets;

  constructor(private readonly deps: KpiDeps) {
    this.timeZone = cityTimeZone(deps.city);
    this.targets = responseTargetsOf(deps.city?.kpi);
    this.store = new KpiStore(deps.clickhouse);
    this.registry = new RegistryStore(deps.clickhouse);
    this.classify = sensorClassifier(deps.city?.sources ?? []);
    this.classifyEvent = deps.twin?.classifyEvent ?? eventClassifier(deps.city?.sources ?? []);
    // The register: sensors of v1 kinds and of the kinds the city declares.
    this.sites = new Map(registerSites(deps.city).map((s) => [s.id, s]));
    this.sources = new Map((deps.city?.sources ?? []).map((s) => [s.id, s]));
    this.districts = new Map((deps.city?.districts ?? []).map((d) => [d.code, d]));
  }

  private classifyTopic(topic: string): Classification {
    return this.deps.twin?.classifyTopic(topic) ?? 'sensitive';
  }

  /** A stored registry row as the register decides it (device meta cannot rename or re-source a registered sensor). */
  private registered(r: SensorRegistryRow): SensorRegistryRow {
    const site = this.sites.get(r.sensorId);
    return site ? { ...r, kind: site.kind, name: site.nameZh, district: site.district, source: site.sourceId } : r;
  }

  /** An open incident's map point for a clearance: exact only when all its evidence is within it. */
  private pointFor(mask: number): (p: OpenIncidentPoint) => OpenIncidentPoint {
    return (p) => {
      if (mask === ALL_CLASSES) return p;
      const twin = this.deps.twin;
      const incident = twin?.incident(p.id);
      if (incident && twin && !withholdsEvidence(incident, mask, twin.classifyEvidence)) return p;
      return { ...p, lng: coarsen(p.lng), lat: coarsen(p.lat) };
    };
  }

  private sourceInfo(id: string) {
    const s = this.sources.get(id);
    return {
      nameZh: s?.nameZh ?? (id || '未登记来源'),
      nameEn: s?.nameEn ?? (id || 'no source'),
      departmentZh: s?.departmentZh ?? '未登记部门',
      departmentEn: s?.departmentEn ?? 'Unregistered department',
      classification: (s?.classification ?? 'internal') as Classification,
    };
  }

  private districtNames(district: string): { nameZh: string; nameEn: string } {
    const d = this.districts.get(district);
    return { nameZh: d?.nameZh ?? (district || '未知区'), nameEn: d?.nameEn ?? (district || 'Unknown') };
  }

  private async sensorHealth(w: KpiWindows): Promise<KpiSummary['sensorHealth']> {
    const rows = await this.store.onlineBySource(w);
    const bySourceId = new Map<string, { registered: number; online: number }>();
    for (const r of rows) {
      const s = bySourceId.get(r.source) ?? { registered: 0, online: 0 };
      s.registered += r.registered;
      s.online += r.online;
      bySourceId.set(r.source, s);
    }
    const bySource: SourceHealth[] = [...bySourceId].map(([source, c]) => ({
      source,
      ...this.sourceInfo(source),
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

  private async serviceHalls(
    w: KpiWindows,
    clearance: readonly Classification[],
  ): Promise<{ all: Array<ServiceHallRow & { classification: Classification }>; summary: KpiSummary['serviceHalls'] }> {
    const latest = await this.store.serviceQueues(w);
    const registry = (await this.registry.currentOf(latest.map((h) => h.sensorId))).map((r) => this.registered(r));
    const reg = new Map(registry.map((r) => [r.sensorId, r]));
    const all = latest.map((h) => {
      const r = reg.get(h.sensorId);
      return {
        ...h,
        name: r?.name ?? h.sensorId,
        district: r?.district ?? '',
        classification: this.classify({ classification: r?.classification ?? null, sourceId: r?.source || null }),
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
          .map(([district, d]) => ({ district, ...this.districtNames(district), ...d }))
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

  /** Every KPI of the screen at `at`, for the caller's clearance. */
  async summary(at: number, principal: Principal | null): Promise<KpiSummary> {
    const started = performance.now();
    const w = kpiWindows(at, this.timeZone);
    const clearance = principal?.clearance ?? [];
    // All at once: on the embedded engine (two cores) in turn measured the same within noise
    // (docs/kpi.md, "Performance"); at once lets a server with more cores overlap them.
    const [open, rt, byHour, health, dead, hotline, halls] = await Promise.all([
      this.store.openIncidentPoints(w),
      this.store.responseTimes(w),
      this.store.incidentsByHour(w),
      this.sensorHealth(w),
      this.store.deadLettersPerMinute(w),
      this.store.hotlineByHour(w),
      this.serviceHalls(w, clearance),
    ]);
    const byType = count(open.map((i) => i.type));
    const byDistrict = count(open.map((i) => i.district));
    const cells = count(open.map((i) => `${i.type}\u0000${i.district}`));
    return {
      at,
      dayStart: w.dayStart,
      timeZone: this.timeZone,
      queryMs: Math.round(performance.now() - started),
      openIncidents: {
        total: open.length,
        byType: [...byType].map(([type, n]) => ({ type, n })).sort((a, b) => b.n - a.n || (a.type < b.type ? -1 : 1)),
        byDistrict: [...byDistrict]
          .map(([district, n]) => ({ district, ...this.districtNames(district), n }))
          .sort((a, b) => b.n - a.n || (a.district < b.district ? -1 : 1)),
        cells: [...cells].map(([k, n]) => {
          const [type, district] = k.split('\u0000') as [string, string];
          return { type, district, n };
        }),
        points: open.map(this.pointFor(clearanceMask(clearance))),
      },
      responseTimes: {
        incidents: rt.incidents,
        steps: RESPONSE_STEPS.map((s) => stepFigures(s, rt.steps[s].count, rt.steps[s].q[0], rt.steps[s].q[1], this.targets)),
      },
      incidentsToday: {
        today: hourSlots(byHour.today, w.dayStart),
        lastWeek: hourSlots(byHour.lastWeek, w.lastWeekDayStart),
        todaySoFar: byHour.todaySoFar,
        lastWeekSoFar: byHour.lastWeekSoFar,
      },
      sensorHealth: health,
      ingest: this.ingestFigures(w, dead),
      hotline: hotlineFigures(at, w, hotline),
      serviceHalls: halls.summary,
    };
  }

  /** The live ingest figures and the rejected messages per minute and reason over the window. */
  private ingestFigures(w: KpiWindows, dead: ReadonlyArray<{ minute: number; reason: string; n: number }>): KpiSummary['ingest'] {
    const stats = this.deps.stats();
    const deadStart = Math.floor(w.deadLettersSince / 60_000) * 60_000;
    const perMinute = new Array<number>(DEAD_LETTER_WINDOW_MIN + 1).fill(0);
    const byReason = new Map<string, number>();
    for (const d of dead) {
      const i = Math.floor((d.minute - deadStart) / 60_000);
      if (i >= 0 && i < perMinute.length) perMinute[i] = perMinute[i]! + d.n;
      byReason.set(d.reason, (byReason.get(d.reason) ?? 0) + d.n);
    }
    return {
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
    };
  }

  /** The rows behind a KPI figure at `filters.at` (default now), within the caller's clearance. */
  async drill(kpi: DrillKpi, filters: DrillFilters, principal: Principal | null): Promise<KpiDrill> {
    const at = filters.at ?? Date.now();
    const w = kpiWindows(at, this.timeZone);
    const clearance = principal?.clearance ?? [];
    const rows = await this.drillRows(kpi, filters, w, clearance, principal);
    return { kpi, at, columns: rows.columns, rows: rows.all.slice(0, filters.limit), total: rows.all.length, hidden: rows.hidden ?? 0 };
  }

  private drillRows(
    kpi: DrillKpi,
    f: DrillFilters,
    w: KpiWindows,
    clearance: readonly Classification[],
    principal: Principal | null,
  ): Promise<DrillRows> {
    switch (kpi) {
      case 'open-incidents':
        return this.openIncidentRows(f, w);
      case 'response-times':
        return this.responseTimeRows(f, w);
      case 'incidents-today':
        return this.incidentsTodayRows(f, w);
      case 'sensor-health':
        return this.sensorHealthRows(f, w, clearance);
      case 'dead-letters':
        return this.deadLetterRows(f, w, clearance, principal);
      case 'hotline':
        return this.hotlineRows(f, w, clearance);
      case 'service-halls':
        return this.serviceHallRows(f, w, clearance);
    }
  }

  private async openIncidentRows(f: DrillFilters, w: KpiWindows): Promise<DrillRows> {
    const open = (await this.store.openIncidents(w)).filter(
      (i) => (!f.type || i.type === f.type) && (f.district === undefined || i.district === f.district),
    );
    return { columns: INCIDENT_COLUMNS, all: open.map(incidentRow) };
  }

  private async responseTimeRows(f: DrillFilters, w: KpiWindows): Promise<DrillRows> {
    const today = await this.store.incidentsDetected(w, w.dayStart, w.at);
    const step = f.step;
    const rows = step ? today.filter((i) => stepSeconds(i, step) !== null) : today;
    return {
      columns: [...INCIDENT_COLUMNS, ...(step ? ['seconds'] : RESPONSE_STEPS.map((s) => `${s}S`))],
      all: rows.map((i) => ({
        ...incidentRow(i),
        ...(step ? { seconds: stepSeconds(i, step) } : Object.fromEntries(RESPONSE_STEPS.map((s) => [`${s}S`, stepSeconds(i, s)]))),
      })),
    };
  }

  private async incidentsTodayRows(f: DrillFilters, w: KpiWindows): Promise<DrillRows> {
    const dayStart = f.day === 'lastWeek' ? w.lastWeekDayStart : w.dayStart;
    const from = f.hour !== undefined ? dayStart + f.hour * HOUR_MS : dayStart;
    const to = f.hour !== undefined ? from + HOUR_MS - 1 : f.day === 'lastWeek' ? w.lastWeekDayEnd - 1 : w.at;
    const rows = (await this.store.incidentsDetected(w, from, Math.min(to, w.at))).filter((i) => !f.type || i.type === f.type);
    return { columns: INCIDENT_COLUMNS, all: rows.map(incidentRow) };
  }

  private async sensorHealthRows(f: DrillFilters, w: KpiWindows, clearance: readonly Classification[]): Promise<DrillRows> {
    const [registry, online] = await Promise.all([this.registry.current(), this.store.onlineSensors(w)]);
    const rows = registry
      .map((r) => this.registered(r))
      .map((r) => {
        const info = this.sourceInfo(r.source);
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
          classification: this.classify({ classification: r.classification, sourceId: r.source || null }),
        };
      })
      .filter(
        (r) =>
          (f.source === undefined || r.source === f.source) &&
          (f.department === undefined || r.department === f.department || r.departmentEn === f.department),
      )
      .filter((r) => f.status === undefined || r.online === (f.status === 'online'))
      .sort((a, b) => Number(a.online) - Number(b.online) || (a.sensorId < b.sensorId ? -1 : 1));
    const { rows: visible, hidden } = splitByClearance(rows, clearance);
    return {
      columns: ['sensorId', 'name', 'kind', 'district', 'source', 'department', 'online', 'lastReadingAt', 'classification'],
      all: visible,
      hidden,
    };
  }

  private async deadLetterRows(
    f: DrillFilters,
    w: KpiWindows,
    clearance: readonly Classification[],
    principal: Principal | null,
  ): Promise<DrillRows> {
    const all = (await this.store.deadLetters(Math.floor(w.deadLettersSince / 60_000) * 60_000, w.at, 100_000))
      .filter((r) => f.reason === undefined || r.reason === f.reason)
      .map((r) => ({ ...r, classification: this.classifyTopic(r.topic) }));
    const { rows, hidden } = splitByClearance(all, clearance);
    // Topic, source and detail (which quotes the payload) are the dead letters' own data.
    if (!principal || !hasPermission(principal.roles, 'ingest.dead-letters'))
      return { columns: ['receivedAt', 'reason'], all: rows.map((r) => ({ receivedAt: r.receivedAt, reason: r.reason })), hidden };
    return { columns: ['receivedAt', 'reason', 'topic', 'source', 'detail'], all: rows.map(({ classification: _c, ...r }) => r), hidden };
  }

  private async hotlineRows(f: DrillFilters, w: KpiWindows, clearance: readonly Classification[]): Promise<DrillRows> {
    const dayStart = f.day === 'lastWeek' ? w.lastWeekDayStart : w.dayStart;
    const from = f.hour !== undefined ? dayStart + f.hour * HOUR_MS : dayStart;
    // Today without an hour runs to the end of the city's current hour, as the summary counts it.
    const to = f.hour !== undefined ? from + HOUR_MS : f.day === 'lastWeek' ? w.lastWeekDayEnd : currentHourEnd(w);
    const all = (await this.store.hotlineCases(from, to, 100_000)).map((r) => ({
      ...r,
      classification: this.classifyEvent(r.source, 'citizen_report'),
    }));
    const { rows, hidden } = splitByClearance(all, clearance);
    return { columns: ['ts', 'source', 'id', 'category', 'severity', 'text'], all: rows.map(({ classification: _c, ...r }) => r), hidden };
  }

  private async serviceHallRows(f: DrillFilters, w: KpiWindows, clearance: readonly Classification[]): Promise<DrillRows> {
    const { all } = await this.serviceHalls(w, clearance);
    const { rows, hidden } = splitByClearance(
      all.filter((h) => f.district === undefined || h.district === f.district),
      clearance,
    );
    return {
      columns: ['sensorId', 'name', 'district', 'queue', 'waitMin', 'at'],
      all: rows.map(({ classification: _c, ...r }) => r),
      hidden,
    };
  }
}

/** Hotline cases per hour today and on the same day last week, and today's by category. */
function hotlineFigures(
  at: number,
  w: KpiWindows,
  hotline: ReadonlyArray<{ hour: number; category: string; n: number }>,
): KpiSummary['hotline'] {
  const hourOfAt = Math.floor((at - w.dayStart) / HOUR_MS);
  const hourOfLastWeek = w.lastWeekDayStart + hourOfAt * HOUR_MS;
  const hotToday = hotline.filter((r) => r.hour >= w.dayStart);
  const hotLastWeek = hotline.filter((r) => r.hour < w.dayStart);
  const byCategory = new Map<string, number>();
  for (const r of hotToday) byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + r.n);
  return {
    today: hourSlots(hotToday, w.dayStart),
    lastWeek: hourSlots(hotLastWeek, w.lastWeekDayStart),
    todaySoFar: hotToday.reduce((s, r) => s + r.n, 0),
    lastWeekSoFar: hotLastWeek.filter((r) => r.hour <= hourOfLastWeek).reduce((s, r) => s + r.n, 0),
    byCategory: [...byCategory].map(([category, n]) => ({ category, n })).sort((a, b) => b.n - a.n || (a.category < b.category ? -1 : 1)),
  };
}
