/**
 * The open-data portal's SQL (migration 21, docs/open-data.md): the public datasets and the
 * developers' API keys. Every dataset query reads only sensors whose classification is
 * `public`, decided IN SQL from the registry and the sources' classifications as they are now
 * (the same rule as the `sensor_classes` dictionary, computed inline so a sensor raised a moment
 * ago is already out), and only stored values whose row was collected as `public`. Nothing is
 * filtered after the query: what the database returns is what may be published.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './query-rows.ts';

/** Migration 21: API keys of the open-data portal (the key itself is never stored, only its SHA-256). */
export const OPEN_DATA_KEYS_DDL = `CREATE TABLE IF NOT EXISTS open_data_keys (
  key_id String,
  key_hash String,
  owner String,
  per_minute UInt32,
  created_by String,
  created_at DateTime64(3, 'UTC'),
  revoked UInt8,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key_id`;

/**
 * The registered sensors that are public now: the higher of the sensor's own classification and
 * its source's, `internal` with neither (storage/migrations.ts SENSOR_CLASSES_QUERY).
 */
const PUBLIC_SENSORS = `SELECT s.sensor_id AS sensor_id, s.kind AS kind, s.name AS name, s.district AS district, s.lng AS lng, s.lat AS lat
  FROM sensors AS s FINAL LEFT JOIN source_classes AS c FINAL ON s.source = c.source_id
  WHERE s.deleted = 0
    AND ['internal', 'public', 'internal', 'sensitive'][1 + greatest(indexOf(['public', 'internal', 'sensitive'], toString(s.classification)), indexOf(['public', 'internal', 'sensitive'], toString(c.classification)))] = 'public'`;

export interface OpenDataRange {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** A district code, or null for all. */
  district: string | null;
  /** Most rows returned. */
  limit: number;
  /** IANA time zone hours are cut in. */
  timeZone: string;
}

/** One hour of one metric in one district, over its public sensors. */
export interface DistrictHourRow {
  hour: string;
  district: string;
  metric: string;
  mean: number;
  max: number;
  sensors: number;
}

/** One hour of one metric at one public site. */
export interface SiteHourRow {
  hour: string;
  siteId: string;
  name: string;
  district: string;
  lng: number;
  lat: number;
  metric: string;
  mean: number;
  max: number;
}

/** A public sensor (a monitoring station). */
export interface StationRow {
  sensorId: string;
  kind: string;
  name: string;
  district: string;
  lng: number;
  lat: number;
}

/** Incidents opened on one day, of one type, in one district. */
export interface IncidentCountRow {
  day: string;
  district: string;
  type: string;
  incidents: number;
}

export interface OpenDataKeyRow {
  keyId: string;
  keyHash: string;
  owner: string;
  perMinute: number;
  createdBy: string;
  createdAt: number;
  revoked: boolean;
}

const HOUR = `formatDateTime(toStartOfHour(toTimeZone(r.minute, {tz:String})), '%Y-%m-%dT%H:00:00%z', {tz:String})`;
const RANGE = `r.classification = 'public' AND r.entity = 'sensor' AND r.minute >= fromUnixTimestamp64Milli({from:Int64}) AND r.minute < fromUnixTimestamp64Milli({to:Int64})
    AND r.metric IN {metrics:Array(String)}`;

export class OpenDataStore {
  constructor(private readonly client: ClickHouseClient) {}

  /**
   * Hourly rows of `metrics` from the public sensors of `kind` (in the district asked, if any):
   * `columns` after the hour, grouped and ordered by hour, `key` and metric.
   */
  private hourRows(
    columns: string,
    key: 'district' | 'site_id',
    kind: string,
    metrics: readonly string[],
    q: OpenDataRange,
  ): Promise<Record<string, string | number>[]> {
    return queryRows<Record<string, string | number>>(
      this.client,
      `SELECT ${HOUR} AS hour, ${columns}
         FROM readings_1m AS r
         INNER JOIN (${PUBLIC_SENSORS}) AS p ON r.sensor_id = p.sensor_id
        WHERE ${RANGE} AND p.kind = {kind:String} AND ({district:String} = '' OR p.district = {district:String})
        GROUP BY hour, ${key}, metric
        ORDER BY hour, ${key}, metric
        LIMIT {limit:UInt32}`,
      { ...params(q), kind, metrics },
    );
  }

  /** Hourly mean and max of `metrics` by district over the public sensors of `kind`. */
  async districtHours(kind: string, metrics: readonly string[], q: OpenDataRange): Promise<DistrictHourRow[]> {
    const rows = await this.hourRows(
      `p.district AS district, r.metric AS metric,
              sum(r.sum_v) / sum(r.n) AS mean, max(r.max_v) AS max, uniqExact(r.sensor_id) AS sensors`,
      'district',
      kind,
      metrics,
      q,
    );
    return rows.map((r) => ({
      hour: String(r.hour),
      district: String(r.district),
      metric: String(r.metric),
      mean: round(Number(r.mean)),
      max: round(Number(r.max)),
      sensors: Number(r.sensors),
    }));
  }

  /** Hourly mean and max of `metrics` at each public site of `kind`. */
  async siteHours(kind: string, metrics: readonly string[], q: OpenDataRange): Promise<SiteHourRow[]> {
    const rows = await this.hourRows(
      `p.sensor_id AS site_id, any(p.name) AS name, any(p.district) AS district, any(p.lng) AS lng, any(p.lat) AS lat,
              r.metric AS metric, sum(r.sum_v) / sum(r.n) AS mean, max(r.max_v) AS max`,
      'site_id',
      kind,
      metrics,
      q,
    );
    return rows.map((r) => ({
      hour: String(r.hour),
      siteId: String(r.site_id),
      name: String(r.name),
      district: String(r.district),
      lng: Number(r.lng),
      lat: Number(r.lat),
      metric: String(r.metric),
      mean: round(Number(r.mean)),
      max: round(Number(r.max)),
    }));
  }

  /**
   * Incidents opened per day, type and district, counting only incidents whose every piece of
   * evidence (as last recorded) is an alarm of a sensor public now: an incident with a report
   * (hotline case, camera) or a sensor above public in it is not counted at all. Neither false
   * alarms nor incidents merged into another are counted. No place finer than the district.
   */
  async incidentCounts(q: OpenDataRange): Promise<IncidentCountRow[]> {
    const rows = await queryRows<Record<string, string | number>>(
      this.client,
      `WITH (SELECT groupArray(sensor_id) FROM (${PUBLIC_SENSORS})) AS public_ids
       SELECT formatDateTime(toTimeZone(opened, {tz:String}), '%Y-%m-%d', {tz:String}) AS day, district, type, count() AS incidents
         FROM (
           SELECT incident_id, argMax(incident, seq) AS doc, argMax(status, seq) AS last_status, argMax(what, seq) AS last_what,
                  argMax(type, seq) AS type, JSONExtractString(doc, 'district') AS district,
                  fromUnixTimestamp64Milli(toInt64(JSONExtractFloat(doc, 'openedAt'))) AS opened,
                  JSONExtractArrayRaw(doc, 'evidence') AS evidence
             FROM incident_changes
            -- An incident opened in the range has every change after it opened (a day's margin for clocks).
            WHERE at >= fromUnixTimestamp64Milli({from:Int64}) - INTERVAL 1 DAY
            GROUP BY incident_id
         )
        WHERE last_status != 'false_alarm' AND last_what != 'merged_into'
          AND opened >= fromUnixTimestamp64Milli({from:Int64}) AND opened < fromUnixTimestamp64Milli({to:Int64})
          AND ({district:String} = '' OR district = {district:String})
          AND length(evidence) > 0
          AND arrayAll(e -> JSONExtractString(e, 'kind') = 'sensor_alarm' AND has(public_ids, JSONExtractString(e, 'sensorId')), evidence)
        GROUP BY day, district, type
        ORDER BY day, district, type
        LIMIT {limit:UInt32}`,
      params(q),
    );
    return rows.map((r) => ({ day: String(r.day), district: String(r.district), type: String(r.type), incidents: Number(r.incidents) }));
  }

  /** The public sensors of `kinds`. */
  async stations(kinds: readonly string[], district: string | null, limit: number): Promise<StationRow[]> {
    const rows = await queryRows<Record<string, string | number>>(
      this.client,
      `SELECT p.sensor_id AS sensor_id, p.kind AS kind, p.name AS name, p.district AS district, p.lng AS lng, p.lat AS lat
         FROM (${PUBLIC_SENSORS}) AS p
        WHERE p.kind IN {kinds:Array(String)} AND ({district:String} = '' OR p.district = {district:String})
        ORDER BY p.sensor_id
        LIMIT {limit:UInt32}`,
      { kinds, district: district ?? '', limit },
    );
    return rows.map((r) => ({
      sensorId: String(r.sensor_id),
      kind: String(r.kind),
      name: String(r.name),
      district: String(r.district),
      lng: Number(r.lng),
      lat: Number(r.lat),
    }));
  }

  async saveKey(key: OpenDataKeyRow): Promise<void> {
    await this.client.insert({
      table: 'open_data_keys',
      values: [
        {
          key_id: key.keyId,
          key_hash: key.keyHash,
          owner: key.owner,
          per_minute: key.perMinute,
          created_by: key.createdBy,
          created_at: key.createdAt,
          revoked: key.revoked ? 1 : 0,
          updated_at: Date.now(),
        },
      ],
      format: 'JSONEachRow',
    });
  }

  async keys(): Promise<OpenDataKeyRow[]> {
    const rows = await queryRows<Record<string, string | number>>(
      this.client,
      `SELECT key_id, key_hash, owner, per_minute, created_by, toUnixTimestamp64Milli(created_at) AS created_ms, revoked
         FROM open_data_keys FINAL ORDER BY created_at, key_id`,
    );
    return rows.map((r) => ({
      keyId: String(r.key_id),
      keyHash: String(r.key_hash),
      owner: String(r.owner),
      perMinute: Number(r.per_minute),
      createdBy: String(r.created_by),
      createdAt: Number(r.created_ms),
      revoked: Number(r.revoked) === 1,
    }));
  }
}

function params(q: OpenDataRange): Record<string, unknown> {
  return { from: q.from, to: q.to, district: q.district ?? '', limit: q.limit, tz: q.timeZone };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
