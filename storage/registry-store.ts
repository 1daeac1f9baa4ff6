/**
 * The sensor registry (`sensors`): one row per meta message — a registration, a change or a
 * deregistration — kept as a ReplacingMergeTree by update time, so a sensor may have several
 * versions until merges run. {@link SensorRegistryRow} is the one row type of the table: the
 * ingest writes it, and every reader (the twin's rebuild, the KPI screen, replay, the registry
 * cells of the map) gets it back.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { CLASSIFICATIONS, UNCLASSIFIED_AS, type Classification, type SensorMeta } from '../twin-model/index.ts';
import { queryRows } from './query-rows.ts';

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

/** The row a meta message writes: the sensor's meta, or a deregistration when `meta` is null. */
export function registryRowOf(sensorId: string, meta: SensorMeta | null, receivedAt: number): SensorRegistryRow {
  if (!meta) {
    return {
      sensorId,
      kind: '',
      lng: 0,
      lat: 0,
      name: '',
      unit: '',
      district: '',
      source: '',
      classification: null,
      deleted: true,
      updatedAt: receivedAt,
    };
  }
  return {
    sensorId,
    kind: meta.kind,
    lng: meta.lng,
    lat: meta.lat,
    name: meta.name ?? '',
    unit: meta.unit ?? '',
    district: meta.district ?? '',
    source: meta.source ?? '',
    classification: meta.classification ?? null,
    deleted: false,
    updatedAt: receivedAt,
  };
}

/** A registry row in the table's column order, as `JSONCompactEachRow` inserts it. */
export type SensorColumns = [
  sensorId: string,
  kind: string,
  lng: number,
  lat: number,
  name: string,
  unit: string,
  district: string,
  source: string,
  classification: string,
  deleted: 0 | 1,
  updatedAt: number,
];

export function sensorColumns(r: SensorRegistryRow): SensorColumns {
  return [r.sensorId, r.kind, r.lng, r.lat, r.name, r.unit, r.district, r.source, r.classification ?? '', r.deleted ? 1 : 0, r.updatedAt];
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

/** What the registry's aggregate cells count (`GET /api/sensors/aggregate?source=registry`). */
export interface RegistryCellQuery {
  /** Cell side in degrees: a cell is `[ix·side, (ix+1)·side) × [iy·side, (iy+1)·side)`. */
  side: number;
  /** West, south, east, north (degrees). */
  bbox: readonly [number, number, number, number];
  clearance: readonly Classification[];
  /** Registered sources and their classification. */
  sources: ReadonlyArray<{ id: string; classification: Classification }>;
  /**
   * The city's register (at most 20,000 sites): a registered sensor counts at the register's
   * position under the register's source and kind, whatever its stored meta says
   * (twin-model/sensor-register.ts).
   */
  register?: ReadonlyArray<{ id: string; kind: string; lng: number; lat: number; sourceId: string }>;
  /** Only these kinds; null or empty for every kind. */
  kinds?: readonly string[] | null;
}

/** One aggregate cell of the registry: its grid indices, how many sensors and their mean position. */
export interface RegistryCellCount {
  ix: number;
  iy: number;
  n: number;
  lng: number;
  lat: number;
}

/** The registry's size changes slowly and costs a pass over every row: kept this long per clearance. */
const TOTAL_TTL_MS = 10_000;

// As twin-model's sensor classifier: the source's, raised (never lowered) by the row's own; either alone; else unclassified.
const SRC_CLASS = `transform(src, {srcIds:Array(String)}, {srcClasses:Array(String)}, '')`;
const RANKS = `['public', 'internal', 'sensitive']`;
const CLASS_OF = `if(cls = '' AND ${SRC_CLASS} = '', {unclassified:String}, arrayElement(${RANKS}, greatest(indexOf(${RANKS}, cls), indexOf(${RANKS}, ${SRC_CLASS}))))`;
const IN_BOX = 'lng >= {w:Float64} AND lng <= {e:Float64} AND lat >= {s:Float64} AND lat <= {n:Float64}';

/** A stored column, or the register's value for a sensor of the register (`regIds` → `param`). */
const REGISTERED = (column: string, param: string, type: string) =>
  `if(has({regIds:Array(String)}, sensor_id), transform(sensor_id, {regIds:Array(String)}, {${param}:Array(${type})}, argMax(${column}, updated_at)), argMax(${column}, updated_at))`;

/** The query parameters of the register, with the ids of its sensors inside `inBox`. */
function registerParams(q: RegistryCellQuery, inBox: (r: { lng: number; lat: number }) => boolean): Record<string, unknown> {
  const reg = q.register ?? [];
  return {
    regIds: reg.map((r) => r.id),
    regLng: reg.map((r) => r.lng),
    regLat: reg.map((r) => r.lat),
    regSrc: reg.map((r) => r.sourceId),
    regKind: reg.map((r) => r.kind),
    regInBox: reg.filter(inBox).map((r) => r.id),
  };
}

function classParams(q: RegistryCellQuery): Record<string, unknown> {
  return {
    srcIds: q.sources.map((x) => x.id),
    srcClasses: q.sources.map((x) => x.classification),
    unclassified: UNCLASSIFIED_AS,
    clearance: [...q.clearance],
  };
}

export class RegistryStore {
  private readonly totals = new Map<string, { at: number; n: number }>();

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

  /**
   * Stores registry rows as they are (the city register's sensors at start, bin/parts/
   * registry-sync.ts; device meta goes through the ingest's sink).
   */
  async write(rows: readonly SensorRegistryRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 50_000) {
      await this.client.insert({ table: 'sensors', values: rows.slice(i, i + 50_000).map(sensorColumns), format: 'JSONCompactEachRow' });
    }
    this.totals.clear();
  }

  /** Every stored version of every sensor, deregistrations included (the registry through time). */
  async versions(): Promise<SensorRegistryRow[]> {
    const rows = await queryRows<StoredSensor>(this.client, `${SENSOR_SELECT} FROM sensors`);
    return rows.map(fromStoredSensor);
  }

  /**
   * The registered sensors within the clearance counted per grid cell of `side` degrees inside
   * the bbox. Instead of `FINAL` over the whole table, the query first picks the sensors with any
   * row inside the bbox (a scan of two columns), takes each one's latest row with `argMax`, and
   * keeps those whose latest position is inside the bbox and not deleted.
   */
  async cellCounts(q: RegistryCellQuery): Promise<RegistryCellCount[]> {
    const [w, s, e, n] = q.bbox;
    const kinds = q.kinds && q.kinds.length > 0 ? q.kinds : null;
    const rows = await queryRows<{ ix: string; iy: string; n: string; clng: number; clat: number }>(
      this.client,
      `SELECT toInt64(floor(lng / {side:Float64})) AS ix, toInt64(floor(lat / {side:Float64})) AS iy, count() AS n, avg(lng) AS clng, avg(lat) AS clat
       FROM (
         SELECT sensor_id, ${REGISTERED('lng', 'regLng', 'Float64')} AS lng, ${REGISTERED('lat', 'regLat', 'Float64')} AS lat, argMax(deleted, updated_at) AS del,
                argMax(classification, updated_at) AS cls, ${REGISTERED('source', 'regSrc', 'String')} AS src, ${REGISTERED('kind', 'regKind', 'String')} AS k
         FROM sensors
         WHERE sensor_id IN (SELECT sensor_id FROM sensors WHERE ${IN_BOX}) OR has({regInBox:Array(String)}, sensor_id)
         GROUP BY sensor_id
       )
       WHERE del = 0 AND ${IN_BOX} AND has({clearance:Array(String)}, ${CLASS_OF}) ${kinds ? 'AND has({kinds:Array(String)}, k)' : ''}
       GROUP BY ix, iy`,
      {
        side: q.side,
        w,
        s,
        e,
        n,
        ...classParams(q),
        ...registerParams(q, (r) => r.lng >= w && r.lng <= e && r.lat >= s && r.lat <= n),
        ...(kinds ? { kinds: [...kinds] } : {}),
      },
    );
    return rows.map((r) => ({ ix: Number(r.ix), iy: Number(r.iy), n: Number(r.n), lng: Number(r.clng), lat: Number(r.clat) }));
  }

  /**
   * How many registered sensors the clearance may see, wherever they are (`bbox`, `side` and
   * `kinds` are not used). Cached for {@link TOTAL_TTL_MS} per clearance.
   */
  async registeredTotal(q: RegistryCellQuery): Promise<number> {
    const key = [...q.clearance].sort().join(',');
    const hit = this.totals.get(key);
    if (hit && Date.now() - hit.at < TOTAL_TTL_MS) return hit.n;
    const [row] = await queryRows<{ n: string }>(
      this.client,
      `SELECT count() AS n FROM (
         SELECT argMax(deleted, updated_at) AS del, argMax(classification, updated_at) AS cls, ${REGISTERED('source', 'regSrc', 'String')} AS src FROM sensors GROUP BY sensor_id
       ) WHERE del = 0 AND has({clearance:Array(String)}, ${CLASS_OF})`,
      { ...classParams(q), ...registerParams(q, () => false) },
    );
    const n = Number(row?.n ?? 0);
    this.totals.set(key, { at: Date.now(), n });
    return n;
  }
}
