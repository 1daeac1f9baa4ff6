/**
 * The city's registers as last applied (`city_register`, migration 16): one row per version of
 * each sensor, unit and source a city package declared — written only when something changed
 * (twin-model/register-diff.ts), never deleted. A removed entry gets a last version marked
 * `retired`; its history (readings, positions, the dispatch log) stays where it is.
 *
 * A plain MergeTree ordered by (entity, id, updated_at): every version is kept (the register
 * through time) and the newest is read with `argMax`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { RegisterDiff, RegisterEntity, RegisterEntry, StoredRegisterEntry } from '../twin-model/index.ts';
import { REGISTER_ENTITIES } from '../twin-model/index.ts';
import { queryRows } from './query-rows.ts';

export const CITY_REGISTER_DDL = `CREATE TABLE IF NOT EXISTS city_register (
  entity LowCardinality(String),
  id String,
  city_id LowCardinality(String),
  kind LowCardinality(String),
  lng Float64,
  lat Float64,
  name_zh String,
  name_en String,
  source LowCardinality(String),
  district LowCardinality(String),
  classification LowCardinality(String),
  detail String,
  retired UInt8,
  updated_at DateTime64(3, 'UTC')
) ENGINE = MergeTree
ORDER BY (entity, id, updated_at)`;

/** A register row in the table's column order, as `JSONCompactEachRow` inserts it. */
type RegisterColumns = [
  entity: string,
  id: string,
  cityId: string,
  kind: string,
  lng: number,
  lat: number,
  nameZh: string,
  nameEn: string,
  source: string,
  district: string,
  classification: string,
  detail: string,
  retired: 0 | 1,
  updatedAt: number,
];

function columns(e: RegisterEntry, cityId: string, retired: boolean, at: number): RegisterColumns {
  return [
    e.entity,
    e.id,
    cityId,
    e.kind,
    e.lng,
    e.lat,
    e.nameZh,
    e.nameEn,
    e.source,
    e.district,
    e.classification,
    e.detail,
    retired ? 1 : 0,
    at,
  ];
}

interface StoredRow {
  entity: string;
  id: string;
  kind: string;
  lng: number | string;
  lat: number | string;
  name_zh: string;
  name_en: string;
  source: string;
  district: string;
  classification: string;
  detail: string;
  retired: number | string;
  updated_ms: number | string;
}

const isEntity = (v: string): v is RegisterEntity => (REGISTER_ENTITIES as readonly string[]).includes(v);

/** What a diff applied: when, for which city. */
export interface AppliedRegister {
  at: number;
  rows: number;
}

export class CityRegisterStore {
  constructor(private readonly client: ClickHouseClient) {}

  /** The newest version of every entry ever registered, retired ones included. */
  async current(): Promise<StoredRegisterEntry[]> {
    const rows = await queryRows<StoredRow>(
      this.client,
      `SELECT entity, id,
              argMax(kind, updated_at) AS kind, argMax(lng, updated_at) AS lng, argMax(lat, updated_at) AS lat,
              argMax(name_zh, updated_at) AS name_zh, argMax(name_en, updated_at) AS name_en,
              argMax(source, updated_at) AS source, argMax(district, updated_at) AS district,
              argMax(classification, updated_at) AS classification, argMax(detail, updated_at) AS detail,
              argMax(retired, updated_at) AS retired, toUnixTimestamp64Milli(max(updated_at)) AS updated_ms
       FROM city_register GROUP BY entity, id ORDER BY entity, id`,
    );
    const out: StoredRegisterEntry[] = [];
    for (const r of rows) {
      if (!isEntity(r.entity)) continue;
      out.push({
        entity: r.entity,
        id: r.id,
        kind: r.kind,
        lng: Number(r.lng),
        lat: Number(r.lat),
        nameZh: r.name_zh,
        nameEn: r.name_en,
        source: r.source,
        district: r.district,
        classification: r.classification,
        detail: r.detail,
        retired: Number(r.retired) === 1,
        updatedAt: Number(r.updated_ms),
      });
    }
    return out;
  }

  /** How many versions are stored (every change adds one). */
  async versions(): Promise<number> {
    const [row] = await queryRows<{ n: string | number }>(this.client, 'SELECT count() AS n FROM city_register');
    return Number(row?.n ?? 0);
  }

  /**
   * Stores what `diff` changes, as versions at `at`: added and changed entries as the register
   * has them, retired ones as they were with `retired` set. Nothing for an empty diff.
   */
  async apply(diff: RegisterDiff, cityId: string, at: number): Promise<AppliedRegister> {
    const rows: RegisterColumns[] = [
      ...diff.added.map((e) => columns(e, cityId, false, at)),
      ...diff.changed.map((c) => columns(c.entry, cityId, false, at)),
      ...diff.retired.map((e) => columns(e, cityId, true, at)),
    ];
    // Large registers (100,000 sensors) go in slices: one insert each, below the engine's limits.
    for (let i = 0; i < rows.length; i += 50_000) {
      await this.client.insert({ table: 'city_register', values: rows.slice(i, i + 50_000), format: 'JSONCompactEachRow' });
    }
    return { at, rows: rows.length };
  }
}
