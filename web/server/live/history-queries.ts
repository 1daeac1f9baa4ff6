/**
 * Reads a sensor's history for charts. Short ranges come from raw readings; longer ones from
 * the per-minute rollup (averages), so a chart never pulls more than a few thousand points
 * and long ranges are downsampled in ClickHouse, not in the browser.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../storage/index.ts';

export interface HistoryQuery {
  sensorId: string;
  metric: string;
  from: number;
  to: number;
  /** Upper bound on points returned (approximate for rollups). */
  maxPoints?: number;
}

export interface HistoryResult {
  points: [number, number][];
  resolution: string;
}

const RAW_MAX_RANGE_MS = 3 * 3600_000;

export async function querySensorHistory(client: ClickHouseClient, q: HistoryQuery): Promise<HistoryResult> {
  const maxPoints = q.maxPoints ?? 2000;
  const range = q.to - q.from;
  if (range <= RAW_MAX_RANGE_MS) {
    const rows = await queryRows<{ ms: number | string; v: number }>(
      client,
      `SELECT toUnixTimestamp64Milli(ts) AS ms, value AS v FROM readings FINAL
       WHERE entity = 'sensor' AND sensor_id = {id:String} AND metric = {metric:String}
         AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts <= fromUnixTimestamp64Milli({to:Int64})
       ORDER BY ts LIMIT {limit:UInt32}`,
      { id: q.sensorId, metric: q.metric, from: q.from, to: q.to, limit: maxPoints * 4 },
    );
    const points = rows.map((r) => [Number(r.ms), Number(r.v)] as [number, number]);
    if (points.length <= maxPoints) return { points, resolution: 'raw' };
    // Too many raw points: thin evenly (keeps shape; long ranges use the rollup instead).
    const step = points.length / maxPoints;
    return { points: Array.from({ length: maxPoints }, (_, i) => points[Math.floor(i * step)]!), resolution: 'raw-thinned' };
  }
  const stepMin = Math.max(1, Math.ceil(range / 60_000 / maxPoints));
  const rows = await queryRows<{ ms: number | string; v: number }>(
    client,
    `SELECT toUnixTimestamp(toStartOfInterval(minute, INTERVAL {step:UInt32} MINUTE)) * 1000 AS ms, sum(sum_v) / sum(n) AS v
     FROM readings_1m
     WHERE entity = 'sensor' AND sensor_id = {id:String} AND metric = {metric:String}
       AND minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND minute <= fromUnixTimestamp64Milli({to:Int64})
     GROUP BY ms ORDER BY ms`,
    { id: q.sensorId, metric: q.metric, from: q.from, to: q.to, step: stepMin },
  );
  return { points: rows.map((r) => [Number(r.ms), Number(r.v)] as [number, number]), resolution: `${stepMin}m` };
}

/** Latest value per metric from storage (for sensors the twin has not seen live). */
export async function queryLatest(
  client: ClickHouseClient,
  sensorId: string,
): Promise<Array<{ metric: string; ts: number; value: number }>> {
  const rows = await queryRows<{ metric: string; ms: number | string; value: number }>(
    client,
    `SELECT metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS value FROM readings_1m
     WHERE entity = 'sensor' AND sensor_id = {id:String} GROUP BY metric`,
    { id: sensorId },
  );
  return rows.map((r) => ({ metric: r.metric, ts: Number(r.ms), value: Number(r.value) }));
}
