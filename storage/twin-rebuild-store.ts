/**
 * What the twin rebuilds from at start (web/server/live/twin-service.ts): the sensor registry
 * (`sensors`, the latest row of each sensor not deleted) and the latest value of every sensor
 * metric within the last day (from the per-minute rollup `readings_1m`, which keeps each
 * minute's last value and its time).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from './clickhouse-client.ts';

/** A row of the `sensors` registry (migration 1), as read: the sensor's meta as last reported. */
export interface SensorRegistryRow {
  sensorId: string;
  kind: string;
  lng: number;
  lat: number;
  /** Empty when the meta named none (as are unit, district, source and classification). */
  name: string;
  unit: string;
  district: string;
  source: string;
  classification: string;
  deleted: boolean;
  /** Epoch ms of the meta message. */
  updatedAt: number;
}

/** The latest stored value of one metric of one sensor. */
export interface LatestReadingRow {
  sensorId: string;
  metric: string;
  /** Reading time, epoch ms. */
  ts: number;
  value: number;
}

export class TwinRebuildStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** Every registered sensor not deleted, as last reported. */
  async registeredSensors(): Promise<SensorRegistryRow[]> {
    const rows = await queryRows<{
      sensor_id: string;
      kind: string;
      lng: number | string;
      lat: number | string;
      name: string;
      unit: string;
      district: string;
      source: string;
      classification: string;
      deleted: number | string;
      ms: number | string;
    }>(
      this.client,
      `SELECT sensor_id, kind, lng, lat, name, unit, district, source, classification, deleted, toUnixTimestamp64Milli(updated_at) AS ms
       FROM sensors FINAL WHERE deleted = 0`,
    );
    return rows.map((r) => ({
      sensorId: r.sensor_id,
      kind: r.kind,
      lng: Number(r.lng),
      lat: Number(r.lat),
      name: r.name,
      unit: r.unit,
      district: r.district,
      source: r.source,
      classification: r.classification,
      deleted: Number(r.deleted) !== 0,
      updatedAt: Number(r.ms),
    }));
  }

  /** The latest value of every sensor metric reported within the last day (sums of counters left out). */
  async latestReadings(): Promise<LatestReadingRow[]> {
    const rows = await queryRows<{ sensor_id: string; metric: string; ms: number | string; value: number | string }>(
      this.client,
      `SELECT sensor_id, metric, toUnixTimestamp64Milli(max(last_ts)) AS ms, argMaxMerge(last_v) AS value FROM readings_1m
       WHERE entity = 'sensor' AND minute > now() - INTERVAL 1 DAY AND metric NOT LIKE '%:sum'
       GROUP BY sensor_id, metric`,
    );
    return rows.map((r) => ({ sensorId: r.sensor_id, metric: r.metric, ts: Number(r.ms), value: Number(r.value) }));
  }
}
