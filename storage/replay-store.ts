/**
 * The flight recorder's reads (docs/replay.md): stored values for keyframes and frames from the
 * time-first rollups `readings_10s` and `readings_60s` (raw `readings` off the 10 s grid), unit positions and
 * statuses at a moment and through a range (`unit_positions`, `dispatch_log`), readings per
 * minute for the coverage strip (`readings_1m`), and the export of a range's readings as CSV or
 * Parquet made by ClickHouse. Every value is of a sensor (`entity = 'sensor'`), counters' `:sum`
 * metrics left out.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './clickhouse-client.ts';

/** A stored value: the sensor's `metric` was `value` at `ts` (epoch ms). */
export interface SensorValueRow {
  sensorId: string;
  metric: string;
  ts: number;
  value: number;
}

/** A value of one playback step: the last of the sensor's metric in step `k` (0-based). */
export interface StepValueRow extends SensorValueRow {
  k: number;
}

/**
 * Per sensor and metric over a keyframe's window: the last value, the range of the window, and
 * the seed (the last value before the detail window; `seedTs` 0 when there is none).
 */
export interface WindowValueRow extends SensorValueRow {
  lo: number;
  hi: number;
  seedTs: number;
  seedValue: number;
}

/** The last value and range of a sensor's metric over raw readings. */
export interface RawWindowRow extends SensorValueRow {
  lo: number;
  hi: number;
}

/** A unit's last AVL fix at or before a moment. */
export interface UnitFixRow {
  unitId: string;
  ts: number;
  lng: number;
  lat: number;
  status: string;
}

/** A unit's last status in the dispatch log at or before a moment. */
export interface UnitLoggedStatusRow {
  unitId: string;
  at: number;
  status: string;
}

/** One point of a unit's downsampled track. */
export interface UnitPointRow {
  unitId: string;
  ts: number;
  lng: number;
  lat: number;
}

/** Readings stored in coverage bucket `k`. */
export interface CoverageRow {
  k: number;
  n: number;
}

/** What an export holds: the sensors (with the kind and classification each row is labelled with) and the range. */
export interface ReadingsExport {
  from: number;
  to: number;
  ids: readonly string[];
  kinds: readonly string[];
  classes: readonly string[];
  format: 'csv' | 'parquet';
  /** Downsample to the last value per step (ms), or every reading. */
  step?: number;
  /** Rows at most. */
  maxRows: number;
}

const sqlMs = (name: string) => `fromUnixTimestamp64Milli({${name}:Int64})`;
const SENSOR_VALUES = `entity = 'sensor' AND metric NOT LIKE '%:sum'`;
const MINUTE_MS = 60_000;

/**
 * How [`from`, `to`) splits between the two time-first rollups: whole minutes [`wholeFrom`,
 * `wholeTo`) from `readings_60s`, the rest ([`from`, `wholeFrom`) and [`wholeTo`, `to`)) from
 * `readings_10s`. A range without a whole minute is read from `readings_10s` alone.
 */
export function minuteSplit(from: number, to: number): { from: number; wholeFrom: number; wholeTo: number; to: number } {
  const wholeFrom = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  const wholeTo = Math.floor(to / MINUTE_MS) * MINUTE_MS;
  return wholeFrom < wholeTo ? { from, wholeFrom, wholeTo, to } : { from, wholeFrom: from, wholeTo: from, to };
}

/**
 * The rollup rows (aggregate states; `b` the bucket or minute) of the sensor values over the
 * range {@link minuteSplit} gives as parameters, `filter` added to both reads. Merging them per
 * sensor and metric gives what merging the 10 s buckets of the whole range gives.
 */
function rollupRange(filter: string): string {
  const columns = 'sensor_id, metric, last_ts, last_v, min_v, max_v';
  return `(SELECT bucket AS b, ${columns} FROM readings_10s
       WHERE ((bucket >= ${sqlMs('from')} AND bucket < ${sqlMs('wholeFrom')}) OR (bucket >= ${sqlMs('wholeTo')} AND bucket < ${sqlMs('to')}))
         AND ${SENSOR_VALUES} ${filter}
       UNION ALL
       SELECT minute AS b, ${columns} FROM readings_60s
       WHERE minute >= ${sqlMs('wholeFrom')} AND minute < ${sqlMs('wholeTo')} AND ${SENSOR_VALUES} ${filter})`;
}

export class ReplayStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Rows as arrays (JSONCompactEachRow: much less to parse than objects for large answers). */
  private async compactRows(query: string, params: Record<string, unknown>): Promise<unknown[][]> {
    const rs = await this.client.query({ query, query_params: params, format: 'JSONCompactEachRow' });
    return rs.json<unknown[]>();
  }

  /**
   * Per sensor and metric over [`seedFrom`, `grid`): the last value, the range, and the seed
   * (last value before `detailFrom`, a whole minute). Whole minutes from `readings_60s`, the
   * 10 s buckets of the partial minutes at both ends from `readings_10s`: range reads of a
   * sixth of the rows of the window's 10 s buckets.
   */
  async windowValues(seedFrom: number, detailFrom: number, grid: number): Promise<WindowValueRow[]> {
    const rows = await this.compactRows(
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS v, min(min_v) AS lo, max(max_v) AS hi,
              toUnixTimestamp64Milli(maxIf(last_ts, b < ${sqlMs('detail')})) AS seed_ms, argMaxMergeIf(last_v, b < ${sqlMs('detail')}) AS seed_v
       FROM ${rollupRange('')}
       GROUP BY sensor_id, metric`,
      { ...minuteSplit(seedFrom, grid), detail: detailFrom },
    );
    return rows.map((r) => ({
      sensorId: String(r[0]),
      metric: String(r[1]),
      ts: Number(r[2]),
      value: Number(r[3]),
      lo: Number(r[4]),
      hi: Number(r[5]),
      seedTs: Number(r[6]),
      seedValue: Number(r[7]),
    }));
  }

  /** Per sensor and metric, the last raw reading and the range over [`from`, `to`) (a scan of the day's `readings`). */
  async rawWindow(from: number, to: number): Promise<RawWindowRow[]> {
    const rows = await this.compactRows(
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(value, ts) AS v, min(value) AS lo, max(value) AS hi
       FROM readings
       PREWHERE ts >= ${sqlMs('from')} AND ts < ${sqlMs('to')}
       WHERE ${SENSOR_VALUES}
       GROUP BY sensor_id, metric`,
      { from, to },
    );
    return rows.map((r) => ({
      sensorId: String(r[0]),
      metric: String(r[1]),
      ts: Number(r[2]),
      value: Number(r[3]),
      lo: Number(r[4]),
      hi: Number(r[5]),
    }));
  }

  /**
   * The last value of each minute over [`from`, `to`) for the sensors `ids` only: whole minutes
   * from `readings_60s`, the partial minutes at the ends from `readings_10s`.
   */
  async minuteValues(from: number, to: number, ids: readonly string[]): Promise<SensorValueRow[]> {
    const rows = await this.compactRows(
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS v, toStartOfMinute(b) AS m
       FROM ${rollupRange('AND sensor_id IN {ids:Array(String)}')}
       GROUP BY sensor_id, metric, m`,
      { ...minuteSplit(from, to), ids: [...ids] },
    );
    return rows.map((r) => ({ sensorId: String(r[0]), metric: String(r[1]), ts: Number(r[2]), value: Number(r[3]) }));
  }

  /**
   * The last value of each sensor's metric per step of `step` ms over [`from`, `end`): from the
   * rollup `readings_10s` when `rollup` (steps and start on the 10 s grid), else from raw readings.
   */
  async stepValues(from: number, end: number, step: number, rollup: boolean): Promise<StepValueRow[]> {
    const rows = await this.compactRows(
      rollup
        ? `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS v,
                  intDiv(toInt64(toUnixTimestamp(bucket)) * 1000 - {from:Int64}, {step:Int64}) AS k
           FROM readings_10s
           WHERE bucket >= ${sqlMs('from')} AND bucket < ${sqlMs('end')} AND ${SENSOR_VALUES}
           GROUP BY sensor_id, metric, k`
        : `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(value, ts) AS v,
                  intDiv(toUnixTimestamp64Milli(ts) - {from:Int64}, {step:Int64}) AS k
           FROM readings
           WHERE ${SENSOR_VALUES} AND ts >= ${sqlMs('from')} AND ts < ${sqlMs('end')}
           GROUP BY sensor_id, metric, k`,
      { from, end, step },
    );
    return rows.map((r) => ({ sensorId: String(r[0]), metric: String(r[1]), ts: Number(r[2]), value: Number(r[3]), k: Number(r[4]) }));
  }

  /** Each unit's last AVL fix in (`since`, `at`]. */
  async unitFixesAt(at: number, since: number): Promise<UnitFixRow[]> {
    const rows = await queryRows<{ unit_id: string; ms: number | string; lng: number; lat: number; status: string }>(
      this.client,
      `SELECT unit_id, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(lng, ts) AS lng, argMax(lat, ts) AS lat, argMax(status, ts) AS status
       FROM unit_positions WHERE ts <= ${sqlMs('at')} AND ts > ${sqlMs('since')} GROUP BY unit_id`,
      { at, since },
    );
    return rows.map((r) => ({ unitId: r.unit_id, ts: Number(r.ms), lng: Number(r.lng), lat: Number(r.lat), status: r.status }));
  }

  /** Each unit's last status change (`data.to` of its dispatch log entries) at or before `at`. */
  async unitStatusesAt(at: number): Promise<UnitLoggedStatusRow[]> {
    const rows = await queryRows<{ unit_id: string; ms: number | string; status: string }>(
      this.client,
      `SELECT unit_id, toUnixTimestamp64Milli(max(at)) AS ms, argMax(JSONExtractString(data, 'to'), seq) AS status
       FROM dispatch_log FINAL WHERE at <= ${sqlMs('at')} AND unit_id != '' AND JSONExtractString(data, 'to') != '' GROUP BY unit_id`,
      { at },
    );
    return rows.map((r) => ({ unitId: r.unit_id, at: Number(r.ms), status: r.status }));
  }

  /** AVL fixes in (`from`, `to`], downsampled to the last one per unit and `step` ms, by unit and time. */
  async unitTrackPoints(from: number, to: number, step: number): Promise<UnitPointRow[]> {
    const rows = await queryRows<{ unit_id: string; ms: number | string; lng: number; lat: number }>(
      this.client,
      `SELECT unit_id, toUnixTimestamp64Milli(max(ts)) AS ms, argMax(lng, ts) AS lng, argMax(lat, ts) AS lat
       FROM unit_positions WHERE ts > ${sqlMs('from')} AND ts <= ${sqlMs('to')}
       GROUP BY unit_id, intDiv(toUnixTimestamp64Milli(ts) - {from:Int64}, {step:Int64}) ORDER BY unit_id, ms`,
      { from, to, step },
    );
    return rows.map((r) => ({ unitId: r.unit_id, ts: Number(r.ms), lng: Number(r.lng), lat: Number(r.lat) }));
  }

  /** Sensor readings per bucket of `bucketMs` from `start` (a minute) to `to`, from `readings_1m`; empty buckets are absent. */
  async readingsPerBucket(start: number, to: number, bucketMs: number): Promise<CoverageRow[]> {
    const rows = await queryRows<{ k: number | string; n: number | string }>(
      this.client,
      `SELECT intDiv(toInt64(toUnixTimestamp(minute)) * 1000 - {start:Int64}, {bucket:Int64}) AS k, sum(n) AS n
       FROM readings_1m WHERE entity = 'sensor' AND minute >= ${sqlMs('start')} AND minute < ${sqlMs('to')} GROUP BY k`,
      { start, to, bucket: bucketMs },
    );
    return rows.map((r) => ({ k: Number(r.k), n: Number(r.n) }));
  }

  /**
   * The readings of a range as CSV (with names) or Parquet, made by ClickHouse: columns
   * sensor_id, kind, classification, metric, ts (UTC, ISO 8601), ts_ms, value, ordered by
   * sensor, metric and time. Returns the file as a stream of chunks.
   */
  async exportReadings(e: ReadingsExport): Promise<AsyncIterable<Buffer | Uint8Array>> {
    const value = e.step ? 'argMax(value, ts)' : 'value';
    const time = e.step ? `toDateTime64(intDiv(toUnixTimestamp64Milli(ts), {step:Int64}) * {step:Int64} / 1000, 3, 'UTC')` : 'ts';
    const maxRows = Math.max(1, Math.floor(e.maxRows));
    const sql = `SELECT sensor_id, transform(sensor_id, {ids:Array(String)}, {kinds:Array(String)}, '') AS kind,
        transform(sensor_id, {ids:Array(String)}, {classes:Array(String)}, '') AS classification, metric,
        formatDateTime(t, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS ts, toUnixTimestamp64Milli(t) AS ts_ms, v AS value
      FROM (SELECT sensor_id, metric, ${time} AS t, ${value} AS v FROM readings
            WHERE entity = 'sensor' AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
              AND sensor_id IN {ids:Array(String)} AND metric NOT LIKE '%:sum'
            ${e.step ? 'GROUP BY sensor_id, metric, t' : ''})
      ORDER BY sensor_id, metric, ts_ms LIMIT ${maxRows}
      FORMAT ${e.format === 'csv' ? 'CSVWithNames' : 'Parquet'}`;
    const result = await this.client.exec({
      query: sql,
      query_params: {
        from: e.from,
        to: e.to,
        ids: [...e.ids],
        kinds: [...e.kinds],
        classes: [...e.classes],
        ...(e.step ? { step: e.step } : {}),
      },
    });
    return result.stream as AsyncIterable<Buffer | Uint8Array>;
  }
}
