/**
 * Aggregate cells of the stored sensor registry (ClickHouse `sensors`), for
 * `GET /api/sensors/aggregate?source=registry` and the bench (docs/scale.md).
 *
 * `sensors` is a ReplacingMergeTree by update time: until merges run, a sensor may have
 * several rows. Instead of `FINAL` over the whole table, the query first picks the sensors with
 * any row inside the bbox (a scan of two columns), takes each one's latest row with `argMax`,
 * and keeps those whose latest position is inside the bbox and not deleted. Classification
 * follows the same rule as the twin (auth/classification.ts): the source's raised by the row's
 * own, either alone, else unclassified; only the caller's clearance is counted. The registry knows no live state,
 * so `states` is empty: the twin's grid (sensor-aggregate.ts) answers with states.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../storage/index.ts';
import type { Classification } from '../../twin-model/index.ts';
import type { CellsMessage } from '../shared/protocol.ts';
import { UNCLASSIFIED_AS } from './auth/policy.ts';
import { cellDeg, cellKey, COARSEST_LEVEL, FINEST_LEVEL, levelForZoom, MAX_QUERY_CELLS, type Bbox } from './sensor-aggregate.ts';

export interface RegistryCellQuery {
  bbox: Bbox;
  zoom: number;
  clearance: readonly Classification[];
  /** Registered sources and their classification. */
  sources: ReadonlyArray<{ id: string; classification: Classification }>;
  /**
   * The city's register (at most 20,000 sites): a registered sensor counts at the register's
   * position under the register's source and kind, whatever its stored meta says
   * (twin-model/sensor-register.ts).
   */
  register?: ReadonlyArray<{ id: string; kind: string; lng: number; lat: number; sourceId: string }>;
  kinds?: readonly string[] | null;
  now?: number;
}

export async function registryCells(client: ClickHouseClient, q: RegistryCellQuery): Promise<CellsMessage> {
  const [w, s, e, n] = q.bbox;
  let level = levelForZoom(q.zoom);
  let side = cellDeg(level);
  while (
    level > COARSEST_LEVEL &&
    (Math.floor(e / side) - Math.floor(w / side) + 1) * (Math.floor(n / side) - Math.floor(s / side) + 1) > MAX_QUERY_CELLS
  ) {
    level--;
    side = cellDeg(level);
  }
  level = Math.min(level, FINEST_LEVEL);
  const kinds = q.kinds && q.kinds.length > 0 ? q.kinds : null;
  // As auth/classification.ts: the source's, raised (never lowered) by the row's own; either alone; else unclassified.
  const srcCls = `transform(src, {srcIds:Array(String)}, {srcClasses:Array(String)}, '')`;
  const ranks = `['public', 'internal', 'sensitive']`;
  const classOf = `if(cls = '' AND ${srcCls} = '', {unclassified:String}, arrayElement(${ranks}, greatest(indexOf(${ranks}, cls), indexOf(${ranks}, ${srcCls}))))`;
  const inBox = 'lng >= {w:Float64} AND lng <= {e:Float64} AND lat >= {s:Float64} AND lat <= {n:Float64}';
  const rows = await queryRows<{ ix: string; iy: string; n: string; clng: number; clat: number }>(
    client,
    `SELECT toInt64(floor(lng / {side:Float64})) AS ix, toInt64(floor(lat / {side:Float64})) AS iy, count() AS n, avg(lng) AS clng, avg(lat) AS clat
     FROM (
       SELECT sensor_id, ${REGISTERED('lng', 'regLng', 'Float64')} AS lng, ${REGISTERED('lat', 'regLat', 'Float64')} AS lat, argMax(deleted, updated_at) AS del,
              argMax(classification, updated_at) AS cls, ${REGISTERED('source', 'regSrc', 'String')} AS src, ${REGISTERED('kind', 'regKind', 'String')} AS k
       FROM sensors
       WHERE sensor_id IN (SELECT sensor_id FROM sensors WHERE ${inBox}) OR has({regInBox:Array(String)}, sensor_id)
       GROUP BY sensor_id
     )
     WHERE del = 0 AND ${inBox} AND has({clearance:Array(String)}, ${classOf}) ${kinds ? 'AND has({kinds:Array(String)}, k)' : ''}
     GROUP BY ix, iy`,
    {
      side,
      w,
      s,
      e,
      n,
      srcIds: q.sources.map((x) => x.id),
      srcClasses: q.sources.map((x) => x.classification),
      unclassified: UNCLASSIFIED_AS,
      clearance: [...q.clearance],
      ...registerParams(q, (r) => r.lng >= w && r.lng <= e && r.lat >= s && r.lat <= n),
      ...(kinds ? { kinds: [...kinds] } : {}),
    },
  );
  const registry = await registryTotal(client, q, classOf);
  let total = 0;
  const cells = rows.map((r) => {
    const count = Number(r.n);
    total += count;
    return { key: cellKey(level, Number(r.ix), Number(r.iy)), n: count, lng: Number(r.clng), lat: Number(r.clat), states: [] };
  });
  return { serverTime: q.now ?? Date.now(), level, cellDeg: side, bbox: q.bbox, zoom: q.zoom, total, registry, source: 'registry', cells };
}

/** A stored column, or the register's value for a sensor of the register (`regIds` → `param`). */
const REGISTERED = (column: string, param: string, type: string) =>
  `if(has({regIds:Array(String)}, sensor_id), transform(sensor_id, {regIds:Array(String)}, {${param}:Array(${type})}, argMax(${column}, updated_at)), argMax(${column}, updated_at))`;

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

/** The registry's size changes slowly and costs a pass over every row: kept this long per clearance. */
const TOTAL_TTL_MS = 10_000;
const totals = new WeakMap<ClickHouseClient, Map<string, { at: number; n: number }>>();

async function registryTotal(client: ClickHouseClient, q: RegistryCellQuery, classOf: string): Promise<number> {
  const key = [...q.clearance].sort().join(',');
  let cache = totals.get(client);
  if (!cache) {
    cache = new Map();
    totals.set(client, cache);
  }
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TOTAL_TTL_MS) return hit.n;
  const [row] = await queryRows<{ n: string }>(
    client,
    `SELECT count() AS n FROM (
       SELECT argMax(deleted, updated_at) AS del, argMax(classification, updated_at) AS cls, ${REGISTERED('source', 'regSrc', 'String')} AS src FROM sensors GROUP BY sensor_id
     ) WHERE del = 0 AND has({clearance:Array(String)}, ${classOf})`,
    {
      srcIds: q.sources.map((x) => x.id),
      srcClasses: q.sources.map((x) => x.classification),
      unclassified: UNCLASSIFIED_AS,
      clearance: [...q.clearance],
      ...registerParams(q, () => false),
    },
  );
  const n = Number(row?.n ?? 0);
  cache.set(key, { at: Date.now(), n });
  return n;
}
