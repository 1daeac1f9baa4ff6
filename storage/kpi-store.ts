/**
 * The KPI store: every figure of the leader's screen read from the rollups of migration 6
 * (migrations.ts, docs/kpi.md), plus the rows behind each figure (drill-down). The registry
 * (`sensors`, registry-store.ts) is the only non-rollup table a KPI reads.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { IncidentPoint } from '../twin-model/incidents/incident-types.ts';
import { queryRows } from './clickhouse-client.ts';

/** The time ranges one summary covers (epoch ms; web/server/kpi/kpi-model.ts `kpiWindows`). */
export interface KpiWindows {
  /** "Now" of the summary. */
  at: number;
  /** Start of today (local). */
  dayStart: number;
  /** The same moment one week earlier, and the start of that day. */
  lastWeekAt: number;
  lastWeekDayStart: number;
  /** The end of that day (the next local midnight: 23–25 hours later where clocks change). */
  lastWeekDayEnd: number;
  /** Sensors that reported after this are online. */
  onlineSince: number;
  queueSince: number;
  deadLettersSince: number;
}

/** SQL for the summary's "now" and window starts (params t, d, …: epoch ms). */
const T = `fromUnixTimestamp64Milli({t:Int64}, 'UTC')`;
const ms = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64}, 'UTC')`;
const epoch = (col: string) => `toUnixTimestamp64Milli(${col})`;
const HOUR_MS = 3_600_000;
/**
 * The start of the local hour slot of `col` (epoch ms): whole hours from the local midnight of its
 * day — today's (`d`) or last week's (`ld`) — so that a zone with a half-hour offset
 * (Asia/Kolkata, UTC+5:30) gets its own clock's hours, not UTC's.
 */
const localHour = (col: string) =>
  `if(${col} < ${ms('d')}, {ld:Int64} + intDiv(${epoch(col)} - {ld:Int64}, ${HOUR_MS}) * ${HOUR_MS}, {d:Int64} + intDiv(${epoch(col)} - {d:Int64}, ${HOUR_MS}) * ${HOUR_MS})`;

/** One incident as the rollup knows it at the summary's time. */
export interface IncidentMarkRow {
  incidentId: string;
  type: string;
  district: string;
  status: string;
  lng: number;
  lat: number;
  severity: number;
  detectedAt: number;
  acknowledgedAt: number | null;
  dispatchedAt: number | null;
  arrivedAt: number | null;
  resolvedAt: number | null;
  endedAt: number | null;
}

/**
 * The incidents listed by `ids` (a subquery) merged from `incident_marks`, each moment kept only
 * when it happened at or before `t`. `resolvedAt` follows response-times.ts: the first resolution,
 * else the first closing, and none for a false alarm or a merged incident. The subquery picks a
 * superset of the incidents wanted cheaply (a primary-key set on `incident_id`, so only their rows
 * are merged); the caller's filter on the merged values makes the answer exact.
 */
const marks = (ids: string) => `
  SELECT incident_id,
    argMaxMerge(type) AS type, argMaxMerge(district) AS district, argMaxMerge(status) AS status,
    argMaxMerge(lng) AS lng, argMaxMerge(lat) AS lat, argMaxMerge(severity) AS severity,
    argMaxMerge(last_change) AS last_change,
    min(detected_at) AS detected, min(acknowledged_at) AS ack0, min(resolved_at) AS res0, min(closed_at) AS cl0,
    max(false_alarm_at) AS fa, max(reopened_at) AS ro, max(ended_at) AS ended,
    min(dispatched_at) AS dis0, min(arrived_at) AS arr0
  FROM incident_marks WHERE incident_id IN (${ids}) GROUP BY incident_id`;

/**
 * Incidents with a detection time in [from, to] on some row: every incident whose merged
 * (earliest) detection lies there has a row carrying it, so this is a superset of them.
 */
const detectedIn = (from: string, to: string) =>
  `SELECT incident_id FROM incident_marks WHERE detected_at >= ${from} AND detected_at <= ${to}`;

const MARK_COLUMNS = `incident_id AS incidentId, type, district, status, lng, lat, severity,
  ${epoch('detected')} AS detectedAt,
  if(ack0 <= ${T}, ${epoch('ack0')}, NULL) AS acknowledgedAt,
  if(dis0 <= ${T}, ${epoch('dis0')}, NULL) AS dispatchedAt,
  if(arr0 <= ${T}, ${epoch('arr0')}, NULL) AS arrivedAt,
  if(last_change IN ('false_alarm', 'merged_into') OR (last_change = 'closed' AND fa IS NOT NULL AND (ro IS NULL OR fa > ro)), NULL,
     if(coalesce(res0, cl0) <= ${T}, ${epoch('coalesce(res0, cl0)')}, NULL)) AS resolvedAt,
  ${epoch('ended')} AS endedAt`;

/** Open at t: detected by then, and not ended by then (still open, or ended only after t). */
const OPEN_AT = `detected <= ${T} AND (status IN ('open', 'acknowledged') OR ended IS NULL OR ended > ${T})`;

/**
 * Incidents open at t, found from the three merged columns the rule needs (cheap next to merging
 * every state of every incident); their other marks are then merged for these incidents only.
 */
const OPEN_IDS = `SELECT incident_id FROM incident_marks GROUP BY incident_id
  HAVING min(detected_at) <= ${T} AND (argMaxMerge(status) IN ('open', 'acknowledged') OR max(ended_at) IS NULL OR max(ended_at) > ${T})`;

function toMark(r: Record<string, unknown>): IncidentMarkRow {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    incidentId: String(r.incidentId),
    type: String(r.type),
    district: String(r.district),
    status: String(r.status),
    lng: Number(r.lng),
    lat: Number(r.lat),
    severity: Number(r.severity),
    detectedAt: Number(r.detectedAt),
    acknowledgedAt: n(r.acknowledgedAt),
    dispatchedAt: n(r.dispatchedAt),
    arrivedAt: n(r.arrivedAt),
    resolvedAt: n(r.resolvedAt),
    endedAt: n(r.endedAt),
  };
}

/** An open incident as the summary shows it (map point, counts by type and district). */
export type OpenIncidentPoint = IncidentPoint;

/** A hotline case (12345: a `citizen_report` event) as the drill-down lists it. */
export interface HotlineCaseRow {
  ts: number;
  source: string;
  id: string;
  category: string;
  severity: number | null;
  text: string;
}

/** A rejected message as the drill-down lists it (without its payload). */
export interface DeadLetterListRow {
  receivedAt: number;
  topic: string;
  reason: string;
  detail: string;
  source: string;
}

/** A service hall's newest queue length and wait (minutes), and when it reported. */
export interface ServiceQueueRow {
  sensorId: string;
  queue: number | null;
  waitMin: number | null;
  at: number;
}

/** The durations (s) of each step from detection, null when the step is missing or came first. */
const STEP_SQL = {
  acknowledge: 'acknowledgedAt',
  dispatch: 'dispatchedAt',
  arrive: 'arrivedAt',
  resolve: 'resolvedAt',
} as const;

export class KpiStore {
  constructor(private readonly client: ClickHouseClient) {}

  private rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    return queryRows<T>(this.client, query, params);
  }

  /** Incidents open at `w.at`, with their place (for the map and the counts by type and district). */
  async openIncidents(w: KpiWindows): Promise<IncidentMarkRow[]> {
    const rows = await this.rows<Record<string, unknown>>(
      `SELECT ${MARK_COLUMNS} FROM (${marks(OPEN_IDS)}) WHERE detected IS NOT NULL AND ${OPEN_AT} ORDER BY severity DESC, detectedAt`,
      { t: w.at },
    );
    return rows.map(toMark);
  }

  /**
   * Incidents open at `w.at` with only what the summary shows of them (counts and map points):
   * the same incidents as `openIncidents`, without merging their step times.
   */
  async openIncidentPoints(w: KpiWindows): Promise<OpenIncidentPoint[]> {
    const rows = await this.rows<Omit<IncidentPoint, 'detectedAt'> & { detectedAt: string }>(
      `SELECT incident_id AS id, argMaxMerge(type) AS type, argMaxMerge(status) AS status, argMaxMerge(district) AS district,
              argMaxMerge(lng) AS lng, argMaxMerge(lat) AS lat, argMaxMerge(severity) AS severity, ${epoch('min(detected_at)')} AS detectedAt
       FROM incident_marks WHERE incident_id IN (${OPEN_IDS}) GROUP BY incident_id
       HAVING min(detected_at) <= ${T} AND (status IN ('open', 'acknowledged') OR max(ended_at) IS NULL OR max(ended_at) > ${T})
       ORDER BY severity DESC, detectedAt`,
      { t: w.at },
    );
    return rows.map((r) => ({
      ...r,
      lng: Number(r.lng),
      lat: Number(r.lat),
      severity: Number(r.severity),
      detectedAt: Number(r.detectedAt),
    }));
  }

  /** Incidents detected in [from, to] with their marks as of `w.at`. */
  async incidentsDetected(w: KpiWindows, from: number, to: number): Promise<IncidentMarkRow[]> {
    const rows = await this.rows<Record<string, unknown>>(
      `SELECT ${MARK_COLUMNS} FROM (${marks(detectedIn(ms('f'), ms('u')))}) WHERE detected >= ${ms('f')} AND detected <= ${ms('u')} ORDER BY detectedAt, incidentId`,
      { t: w.at, f: from, u: to },
    );
    return rows.map(toMark);
  }

  /** Median and p90 (type 7, as response-times.ts) of each step over incidents detected today. */
  async responseTimes(
    w: KpiWindows,
  ): Promise<{ incidents: number; steps: Record<keyof typeof STEP_SQL, { count: number; q: [number, number] }> }> {
    const dur = (col: string) => `if(${col} >= detectedAt, (${col} - detectedAt) / 1000, NULL)`;
    const parts = Object.entries(STEP_SQL).map(
      ([step, col]) => `count(${dur(col)}) AS ${step}_n, quantilesExactInclusive(0.5, 0.9)(${dur(col)}) AS ${step}_q`,
    );
    const [r] = await this.rows<Record<string, unknown>>(
      `SELECT count() AS incidents, ${parts.join(', ')} FROM (SELECT ${MARK_COLUMNS} FROM (${marks(detectedIn(ms('d'), T))}) WHERE detected >= ${ms('d')} AND detected <= ${T})`,
      { t: w.at, d: w.dayStart },
    );
    const steps = {} as Record<keyof typeof STEP_SQL, { count: number; q: [number, number] }>;
    for (const step of Object.keys(STEP_SQL) as (keyof typeof STEP_SQL)[]) {
      const q = (r?.[`${step}_q`] as number[] | undefined) ?? [Number.NaN, Number.NaN];
      steps[step] = { count: Number(r?.[`${step}_n`] ?? 0), q: [Number(q[0]), Number(q[1])] };
    }
    return { incidents: Number(r?.incidents ?? 0), steps };
  }

  /** Incidents detected per hour of today and of the same day last week (hour start, count). */
  async incidentsByHour(w: KpiWindows): Promise<{
    today: Array<{ hour: number; n: number }>;
    lastWeek: Array<{ hour: number; n: number }>;
    todaySoFar: number;
    lastWeekSoFar: number;
  }> {
    const rows = await this.rows<{ hour: string; n: string; lw: number; so: string }>(
      `SELECT ${localHour('detected')} AS hour, detected < ${ms('d')} AS lw, count() AS n,
              countIf(detected <= if(detected < ${ms('d')}, ${ms('lt')}, ${T})) AS so
       FROM (SELECT incident_id, min(detected_at) AS detected FROM incident_marks
             WHERE incident_id IN (${detectedIn(ms('d'), T)} UNION ALL ${detectedIn(ms('ld'), ms('le'))})
             GROUP BY incident_id)
       WHERE (detected >= ${ms('d')} AND detected <= ${T}) OR (detected >= ${ms('ld')} AND detected < ${ms('le')})
       GROUP BY hour, lw ORDER BY hour`,
      { t: w.at, d: w.dayStart, ld: w.lastWeekDayStart, le: w.lastWeekDayEnd, lt: w.lastWeekAt },
    );
    const out = {
      today: [] as Array<{ hour: number; n: number }>,
      lastWeek: [] as Array<{ hour: number; n: number }>,
      todaySoFar: 0,
      lastWeekSoFar: 0,
    };
    for (const r of rows) {
      const lw = Number(r.lw) === 1;
      (lw ? out.lastWeek : out.today).push({ hour: Number(r.hour), n: Number(r.n) });
      if (lw) out.lastWeekSoFar += Number(r.so);
      else out.todaySoFar += Number(r.so);
    }
    return out;
  }

  /** Registered sensors per source with how many reported since `w.onlineSince`. */
  async onlineBySource(w: KpiWindows): Promise<Array<{ source: string; classification: string; registered: number; online: number }>> {
    const rows = await this.rows<{ source: string; classification: string; registered: string; online: string }>(
      `SELECT s.source AS source, s.classification AS classification, count() AS registered, sum(a.on) AS online
       FROM (SELECT sensor_id, source, classification FROM sensors FINAL WHERE deleted = 0) AS s
       LEFT JOIN (
         SELECT sensor_id, toUInt8(1) AS on FROM sensor_activity_5m
         WHERE bucket >= toStartOfFiveMinutes(${ms('o')}) AND bucket <= ${T}
         GROUP BY sensor_id HAVING max(last_ts) > ${ms('o')}
       ) AS a USING sensor_id
       GROUP BY source, classification ORDER BY source`,
      { t: w.at, o: w.onlineSince },
    );
    return rows.map((r) => ({
      source: r.source,
      classification: r.classification,
      registered: Number(r.registered),
      online: Number(r.online),
    }));
  }

  /** Sensors that reported since `w.onlineSince`, with their newest reading time. */
  async onlineSensors(w: KpiWindows): Promise<Map<string, number>> {
    const rows = await this.rows<{ id: string; last: string }>(
      `SELECT sensor_id AS id, ${epoch('max(last_ts)')} AS last FROM sensor_activity_5m
       WHERE bucket >= toStartOfFiveMinutes(${ms('o')}) AND bucket <= ${T}
       GROUP BY sensor_id HAVING max(last_ts) > ${ms('o')}`,
      { t: w.at, o: w.onlineSince },
    );
    return new Map(rows.map((r) => [r.id, Number(r.last)]));
  }

  /** Rejected messages per minute since `w.deadLettersSince`, by reason. */
  async deadLettersPerMinute(w: KpiWindows): Promise<Array<{ minute: number; reason: string; n: number }>> {
    // Aliases differ from the columns: ClickHouse would put an alias in place of the column in WHERE.
    const rows = await this.rows<{ minuteMs: string; reason: string; n: string }>(
      `SELECT toUnixTimestamp(minute) * 1000 AS minuteMs, reason, sum(n) AS n FROM dead_letters_1m
       WHERE minute >= toStartOfMinute(${ms('s')}) AND minute <= ${T}
       GROUP BY minute, reason ORDER BY minute, reason`,
      { t: w.at, s: w.deadLettersSince },
    );
    return rows.map((r) => ({ minute: Number(r.minuteMs), reason: r.reason, n: Number(r.n) }));
  }

  /**
   * Hotline cases (12345: `citizen_report` events) per hour and category, today up to the hour of
   * `at` and on the same day last week (whole day, and up to the same hour).
   */
  async hotlineByHour(w: KpiWindows): Promise<Array<{ hour: number; category: string; n: number }>> {
    // The hourly rollup counts UTC hours: right where the city's hours are UTC hours, not where
    // its offset has minutes (UTC+5:30, UTC+5:45): there the raw events are counted by local hour.
    if (w.dayStart % HOUR_MS !== 0 || w.lastWeekDayStart % HOUR_MS !== 0) return this.hotlineByLocalHour(w);
    const rows = await this.rows<{ hourMs: string; category: string; n: string }>(
      `SELECT toUnixTimestamp(hour) * 1000 AS hourMs, category, sum(c) AS n FROM (
         SELECT hour, source, category, uniqExactMerge(ids) AS c FROM events_1h
         WHERE type = 'citizen_report'
           AND ((hour >= ${ms('d')} AND hour <= toStartOfHour(${T})) OR (hour >= ${ms('ld')} AND hour < ${ms('le')}))
         GROUP BY hour, source, category)
       GROUP BY hour, category ORDER BY hour, category`,
      { t: w.at, d: w.dayStart, ld: w.lastWeekDayStart, le: w.lastWeekDayEnd },
    );
    return rows.map((r) => ({ hour: Number(r.hourMs), category: r.category, n: Number(r.n) }));
  }

  /** {@link hotlineByHour} from the raw events, by local hour slot (distinct reports per source and id). */
  private async hotlineByLocalHour(w: KpiWindows): Promise<Array<{ hour: number; category: string; n: number }>> {
    const todayEnd = w.dayStart + (Math.floor((w.at - w.dayStart) / HOUR_MS) + 1) * HOUR_MS;
    const rows = await this.rows<{ hourMs: string; category: string; n: string }>(
      `SELECT ${localHour('ts')} AS hourMs, category, uniqExact(source, id) AS n FROM events
       WHERE type = 'citizen_report'
         AND ((ts >= ${ms('d')} AND ts < ${ms('te')}) OR (ts >= ${ms('ld')} AND ts < ${ms('le')}))
       GROUP BY hourMs, category ORDER BY hourMs, category`,
      { d: w.dayStart, te: todayEnd, ld: w.lastWeekDayStart, le: w.lastWeekDayEnd },
    );
    return rows.map((r) => ({ hour: Number(r.hourMs), category: r.category, n: Number(r.n) }));
  }

  /** Hotline cases themselves (drill-down): from `events` in a time range. */
  async hotlineCases(from: number, to: number, limit: number): Promise<HotlineCaseRow[]> {
    const rows = await this.rows<{
      source: string;
      id: string;
      tsMs: string | number;
      category: string;
      severity: number | string | null;
      text: string;
    }>(
      `SELECT source, id, ${epoch('ts')} AS tsMs, category, severity, text FROM events FINAL
       WHERE type = 'citizen_report' AND ts >= ${ms('f')} AND ts < ${ms('u')} ORDER BY ts, source, id LIMIT {limit:UInt32}`,
      { f: from, u: to, limit },
    );
    return rows.map(({ tsMs, ...r }) => ({ ts: Number(tsMs), ...r, severity: r.severity === null ? null : Number(r.severity) }));
  }

  /** The newest queue length and wait of each service hall that reported since `w.queueSince`. */
  async serviceQueues(w: KpiWindows): Promise<ServiceQueueRow[]> {
    const rows = await this.rows<{ sensorId: string; metric: string; v: number; at: string }>(
      `SELECT sensor_id AS sensorId, metric, argMaxMerge(last_v) AS v, ${epoch('max(last_ts)')} AS at FROM service_queue_5m
       WHERE bucket >= toStartOfFiveMinutes(${ms('q')}) AND bucket <= ${T}
       GROUP BY sensor_id, metric HAVING max(last_ts) > ${ms('q')} ORDER BY sensorId, metric`,
      { t: w.at, q: w.queueSince },
    );
    const halls = new Map<string, ServiceQueueRow>();
    for (const r of rows) {
      const h = halls.get(r.sensorId) ?? { sensorId: r.sensorId, queue: null, waitMin: null, at: 0 };
      if (r.metric === 'queue_length') h.queue = Number(r.v);
      else h.waitMin = Number(r.v);
      h.at = Math.max(h.at, Number(r.at));
      halls.set(r.sensorId, h);
    }
    return [...halls.values()];
  }

  /** Rejected messages themselves (drill-down): newest first. */
  async deadLetters(from: number, to: number, limit: number): Promise<DeadLetterListRow[]> {
    const rows = await this.rows<{ receivedAt: string | number; topic: string; reason: string; detail: string; source: string }>(
      `SELECT ${epoch('received_at')} AS receivedAt, topic, reason, detail, source FROM dead_letters
       WHERE received_at >= ${ms('f')} AND received_at <= ${ms('u')} ORDER BY received_at DESC LIMIT {limit:UInt32}`,
      { f: from, u: to, limit },
    );
    return rows.map((r) => ({ ...r, receivedAt: Number(r.receivedAt) }));
  }
}
