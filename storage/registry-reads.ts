/**
 * Reads of the sensor registry (`sensors`) for replay and the KPI screen: one row per meta
 * message — a registration, a change or a deregistration — kept as a ReplacingMergeTree by
 * update time, so a sensor may have several versions until merges run.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { CLASSIFICATIONS, type Classification } from '../twin-model/index.ts';
import { queryRows } from './clickhouse-client.ts';

/** One version of a sensor's registry row. Text columns the meta left out are `''`. */
export interface SensorRegistryRow {
  sensorId: string;
  /** The sensor kind; `''` on a deregistration. */
  kind: string;
  lng: number;
  lat: number;
  name: string;
  unit: string;
  /** District code. */
  district: string;
  /** Data source id. */
  source: string;
  /** The sensor's own classification from its meta (the source's may raise it), null when it gave none. */
  classification: Classification | null;
  /** A deregistration (an empty retained meta). */
  deleted: boolean;
  /** When the meta was received (epoch ms): the version. */
  updatedAt: number;
}

/** A registry row as `JSONEachRow` returns it (64-bit integers arrive quoted). */
export interface StoredSensor {
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
  updated_ms: number | string;
}

/** The stored classification column: one of {@link CLASSIFICATIONS}, anything else (`''`) none. */
export function storedClassification(value: string): Classification | null {
  return (CLASSIFICATIONS as readonly string[]).includes(value) ? (value as Classification) : null;
}

export function fromStoredSensor(s: StoredSensor): SensorRegistryRow {
  return {
    sensorId: s.sensor_id,
    kind: s.kind,
    lng: Number(s.lng),
    lat: Number(s.lat),
    name: s.name,
    unit: s.unit,
    district: s.district,
    source: s.source,
    classification: storedClassification(s.classification),
    deleted: Number(s.deleted) === 1,
    updatedAt: Number(s.updated_ms),
  };
}

const SENSOR_SELECT =
  'SELECT sensor_id, kind, lng, lat, name, unit, district, source, classification, deleted, toUnixTimestamp64Milli(updated_at) AS updated_ms';

export class RegistryReads {
  constructor(private readonly client: ClickHouseClient) {}

  /** The newest version of every registered sensor (deregistered ones left out). */
  async current(): Promise<SensorRegistryRow[]> {
    const rows = await queryRows<StoredSensor>(this.client, `${SENSOR_SELECT} FROM sensors FINAL WHERE deleted = 0`);
    return rows.map(fromStoredSensor);
  }

  /** The newest version of the given sensors, when registered: a primary-key read. */
  async currentOf(ids: readonly string[]): Promise<SensorRegistryRow[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<StoredSensor>(
      this.client,
      `${SENSOR_SELECT} FROM sensors FINAL WHERE sensor_id IN {ids:Array(String)} AND deleted = 0`,
      { ids: [...ids] },
    );
    return rows.map(fromStoredSensor);
  }

  /** Every stored version of every sensor, deregistrations included (the registry through time). */
  async versions(): Promise<SensorRegistryRow[]> {
    const rows = await queryRows<StoredSensor>(this.client, `${SENSOR_SELECT} FROM sensors`);
    return rows.map(fromStoredSensor);
  }
}
