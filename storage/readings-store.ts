/**
 * Reads stored sensor values: a metric's history for charts and the latest value per metric.
 * Short ranges come from raw readings (`readings`); longer ones from the per-minute rollup
 * (`readings_1m`, averages), so a chart never pulls more than a few thousand points and long
 * ranges are downsampled in ClickHouse, not in the browser. The rollup's `last_v` also holds
 * the latest value of every sensor and metric.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

export interface HistoryQuery {
  sensorId: string;
  metric: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, inclusive. */
  to: number;
  /** Upper bound on points returned (approximate for rollups). @default 2000 */
  maxPoints?: number;
}

/** `[epoch ms, value]`. */
export type HistoryPoint = [number, number];

export interface SensorHistory {
  points: HistoryPoint[];
  /** `raw`, `raw-thinned`, or the rollup step such as `5m`. */
  resolution: string;
}

/** A metric's latest stored value. */
export interface LatestValue {
  metric: string;
  /** Epoch ms of the reading. */
  ts: number;
  value: number;
}

/** A sensor's latest stored value of one metric. */
export interface SensorLatestValue extends LatestValue {
  sensorId: string;
}

/** Ranges up to this long are read from raw readings; longer ones from the per-minute rollup. */
export const RAW_MAX_RANGE_MS = 3 * 3600_000;
const DEFAULT_MAX_POINTS = 2000;

/** Where a history comes from: raw readings (at most `limit` rows), or the rollup in steps of `stepMin` minutes. */
export type HistoryPlan = { source: 'raw'; limit: number } | { source: 'rollup'; stepMin: number };

export function historyPlan(q: HistoryQuery): HistoryPlan {
  const maxPoints = q.maxPoints ?? DEFAULT_MAX_POINTS;
  const range = q.to - q.from;
  if (range <= RAW_MAX_RANGE_MS) return { source: 'raw', limit: maxPoints * 4 };
  return { source: 'rollup', stepMin: Math.max(1, Math.ceil(range / 60_000 / maxPoints)) };
}

/** Raw points within `maxPoints`: as they are, or thinned evenly (keeps the shape; long ranges use the rollup instead). */
export function thinPoints(points: HistoryPoint[], maxPoints: number): SensorHistory {
  if (points.length <= maxPoints) return { points, resolution: 'raw' };
  const step = points.length / maxPoints;
  return { points: Array.from({ length: maxPoints }, (_, i) => points[Math.floor(i * step)]!), resolution: 'raw-thinned' };
}

/** A point as `JSONEachRow` returns it (64-bit integers arrive quoted). */
export function historyPoint(r: { ms: number | string; v: number | string }): HistoryPoint {
  return [Number(r.ms), Number(r.v)];
}

export class ReadingsStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** A sensor metric's history in time order, at the resolution {@link historyPlan} picks. */
  async history(q: HistoryQuery): Promise<SensorHistory> {
    const plan = historyPlan(q);
    if (plan.source === 'raw') {
      const rows = await queryRows<{ ms: number | string; v: number }>(
        this.client,
        `SELECT toUnixTimestamp64Milli(ts) AS ms, value AS v FROM readings FINAL
         WHERE entity = 'sensor' AND sensor_id = {id:String} AND metric = {metric:String}
           AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
         ORDER BY ts LIMIT {limit:UInt32}`,
        { id: q.sensorId, metric: q.metric, from: q.from, to: q.to, limit: plan.limit },
      );
      return thinPoints(rows.map(historyPoint), q.maxPoints ?? DEFAULT_MAX_POINTS);
    }
    const rows = await queryRows<{ ms: number | string; v: number }>(
      this.client,
      `SELECT toUnixTimestamp(toStartOfInterval(minute, INTERVAL {step:UInt32} MINUTE)) * 1000 AS ms, sum(sum_v) / sum(n) AS v
       FROM readings_1m
       WHERE entity = 'sensor' AND sensor_id = {id:String} AND metric = {metric:String}
         AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND minute <= fromUnixTimestamp64Milli({to:Int64})
       GROUP BY ms ORDER BY ms`,
      { id: q.sensorId, metric: q.metric, from: q.from, to: q.to, step: plan.stepMin },
    );
    return { points: rows.map(historyPoint), resolution: `${plan.stepMin}m` };
  }

  /** The latest stored value per metric of one sensor (for sensors the twin has not seen live). */
  async latest(sensorId: string): Promise<LatestValue[]> {
    const rows = await queryRows<{ metric: string; ms: number | string; value: number }>(
      this.client,
      `SELECT metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS value FROM readings_1m
       WHERE entity = 'sensor' AND sensor_id = {id:String} GROUP BY metric`,
      { id: sensorId },
    );
    return rows.map((r) => ({ metric: r.metric, ts: Number(r.ms), value: Number(r.value) }));
  }

  /**
   * The latest value of every sensor metric that reported in the last day, counters (`…:sum`)
   * left out: what rebuilds the twin at start.
   */
  async latestOfAll(): Promise<SensorLatestValue[]> {
    const rows = await queryRows<{ sensor_id: string; metric: string; ms: number | string; value: number }>(
      this.client,
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS value FROM readings_1m
       WHERE entity = 'sensor' AND minute > now() - INTERVAL 1 DAY AND metric NOT LIKE '%:sum'
       GROUP BY sensor_id, metric`,
    );
    return rows.map((r) => ({ sensorId: r.sensor_id, metric: r.metric, ts: Number(r.ms), value: Number(r.value) }));
  }
}
