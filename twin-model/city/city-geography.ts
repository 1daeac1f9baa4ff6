/**
 * Turns the hand-drawn specs of `wuhan-geography.ts` into polygons and lines: the outline, the
 * buffered rivers, lake shapes, district polygons (multi-seed Voronoi cells clipped to the land
 * on each bank, so the Yangtze and the Han are district edges), functional zones, river
 * crossings and trunk roads. Geography does not depend on the seed: every seed draws the same
 * Wuhan; only the street graph, assets and sensor sites vary.
 */
import { Delaunay } from 'd3-delaunay';
import type { District, FunctionalZone, Lake, LngLat, PolygonRings, River, Road, RoadClass } from './city-types.ts';
import {
  PolygonIndex,
  PolygonSet,
  bufferLine,
  closeRing,
  difference,
  fromXY,
  intersection,
  largestPolygon,
  polygonAreaKm2,
  ringAreaM2,
  toXY,
  union,
} from './geometry.ts';
import { SegmentGrid } from './segment-grid.ts';
import { createRandom } from '../random.ts';
import {
  DISTRICT_SPECS,
  GRID_ORIGIN,
  HAN,
  LAKE_SPECS,
  YANGTZE,
  ZONE_SPECS,
  outlineRing,
  type LakeSpec,
  type RiverSpec,
} from './wuhan-geography.ts';
import { CROSSING_SPECS, TRUNK_SPECS, type CrossingSpec, type TrunkSpec, type Waypoint } from './wuhan-roads.ts';

/** Fixed seed for the shapes of lakes: geography is the same for every city seed. */
const GEOGRAPHY_SEED = 0x7a11_2026;

/** Metres between a bridge's bank node and the water's edge. */
const BRIDGE_BANK_OFFSET_M = 120;
/** Approach length beyond the bank: Yangtze bridges have long viaducts, Han bridges short. */
const APPROACH_M = { yangtze: 700, han: 300 } as const;
const TUNNEL_PORTAL_M = 600;

/** How a trunk road behaves in the graph builder. */
export interface TrunkRoad {
  road: Road;
  speedKmh: number;
  bridge: boolean;
  tunnel: boolean;
  /** Interior nodes of bridges and tunnels take no street connections. */
  sealedInterior: boolean;
}

export interface Geography {
  outline: PolygonRings;
  outlineIndex: PolygonIndex;
  rivers: River[];
  lakes: Lake[];
  /** Rivers and lakes. */
  waterIndex: PolygonSet;
  yangtzeIndex: PolygonIndex;
  /** Outline minus rivers (lakes stay inside districts, as on real district maps). */
  land: PolygonRings[];
  districts: District[];
  districtIndexes: PolygonIndex[];
  zones: FunctionalZone[];
  /** Crossings first (bridges and tunnels), then the trunk roads. */
  trunk: TrunkRoad[];
  /** Water and outline boundaries: street edges must not cross these. */
  barrier: SegmentGrid;
  /** Water boundaries only (distance to water drives lowness). */
  waterEdges: SegmentGrid;
  /** The corner every segment grid of the generated city counts its cells from. */
  gridOrigin: LngLat;
}

function toRiver(spec: RiverSpec): River {
  const polygon = bufferLine(
    spec.centreline,
    spec.widthsM.map((w) => w / 2),
  );
  const mean = spec.widthsM.reduce((a, b) => a + b, 0) / spec.widthsM.length;
  return {
    id: spec.id,
    nameZh: spec.nameZh,
    nameEn: spec.nameEn,
    centreline: spec.centreline.map(([lng, lat]) => [lng, lat] as LngLat),
    widthM: Math.round(mean),
    polygon,
  };
}

/**
 * A lobed blob: an ellipse whose radius is modulated by a few low harmonics (seeded per
 * lake), rotated, then scaled to hit the target area exactly.
 */
function lakeRing(spec: LakeSpec, scale = 1): LngLat[] {
  const rnd = createRandom(GEOGRAPHY_SEED).fork(spec.id);
  const harmonics = [2, 3, 4, 5, 7].map((k) => ({
    k,
    amp: (spec.lobes * rnd.range(0.35, 1)) / Math.sqrt(k - 1),
    phase: rnd.range(0, 2 * Math.PI),
  }));
  const n = 64;
  const sx = Math.sqrt(spec.aspect);
  const sy = 1 / sx;
  const rot = (spec.rotationDeg * Math.PI) / 180;
  const xy: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    let r = 1;
    for (const h of harmonics) r += h.amp * Math.cos(h.k * t + h.phase);
    r = Math.max(0.35, r);
    const x = r * Math.cos(t) * sx;
    const y = r * Math.sin(t) * sy;
    xy.push([x * Math.cos(rot) - y * Math.sin(rot), x * Math.sin(rot) + y * Math.cos(rot)]);
  }
  let area = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = xy[j] as [number, number];
    const b = xy[i] as [number, number];
    area += a[0] * b[1] - b[0] * a[1];
  }
  area = Math.abs(area / 2);
  const k = Math.sqrt((spec.areaKm2 * 1e6) / area) * scale;
  const [cx, cy] = toXY(spec.centre[0], spec.centre[1]);
  return closeRing(xy.map(([x, y]) => fromXY(cx + x * k, cy + y * k)));
}

function toLake(spec: LakeSpec, outline: PolygonRings): Lake {
  let polygon: PolygonRings = [lakeRing(spec)];
  if (spec.clipToOutline) polygon = largestPolygon(intersection(polygon, outline));
  return {
    id: spec.id,
    nameZh: spec.nameZh,
    nameEn: spec.nameEn,
    polygon,
    areaKm2: Math.round(polygonAreaKm2(polygon) * 10) / 10,
  };
}

/** Counter-clockwise outer ring, as RFC 7946 §3.1.6 recommends. */
function counterClockwise(ring: LngLat[]): LngLat[] {
  return ringAreaM2(ring) < 0 ? [...ring].reverse() : ring;
}

/**
 * Districts: on each bank (the land pieces left after cutting out the rivers), a Voronoi
 * diagram of the seeds of the districts seated on that bank; each district is the union of its
 * seeds' cells, clipped to the bank. Seeds of one bank never claim land across a river, so the
 * Yangtze and the Han come out as district edges.
 */
function buildDistricts(land: PolygonRings[]): District[] {
  const parts = new Map<string, PolygonRings[]>();
  for (const piece of land) {
    const pieceIndex = new PolygonIndex([piece]);
    let specs = DISTRICT_SPECS.filter((d) => pieceIndex.contains(d.seat[0], d.seat[1]));
    // A stray sliver with no seat goes to whichever district's seeds are nearest.
    if (specs.length === 0) specs = [...DISTRICT_SPECS];
    const points: Array<[number, number]> = [];
    const owners: string[] = [];
    for (const spec of specs) {
      for (const p of [spec.seat, ...spec.shapeSeeds]) {
        points.push(toXY(p[0], p[1]));
        owners.push(spec.code);
      }
    }
    const [w, s, e, n] = pieceIndex.bbox;
    const [x0, y0] = toXY(w, s);
    const [x1, y1] = toXY(e, n);
    const margin = 5000;
    const voronoi = Delaunay.from(points).voronoi([x0 - margin, y0 - margin, x1 + margin, y1 + margin]);
    const cellsByOwner = new Map<string, PolygonRings[]>();
    points.forEach((_, i) => {
      const cell = voronoi.cellPolygon(i);
      if (!cell) return;
      const ring = closeRing(cell.map(([x, y]) => fromXY(x, y)));
      const owner = owners[i] as string;
      const list = cellsByOwner.get(owner) ?? [];
      list.push([counterClockwise(ring)]);
      cellsByOwner.set(owner, list);
    });
    for (const [owner, cells] of cellsByOwner) {
      const clipped = intersection(union(...cells), piece);
      const list = parts.get(owner) ?? [];
      list.push(...clipped);
      parts.set(owner, list);
    }
  }
  return DISTRICT_SPECS.map((spec) => ({
    code: spec.code,
    nameZh: spec.nameZh,
    nameEn: spec.nameEn,
    seat: [spec.seat[0], spec.seat[1]] as LngLat,
    polygons: parts.get(spec.code) ?? [],
    schematic: true as const,
  }));
}

function buildZones(land: PolygonRings[]): FunctionalZone[] {
  return ZONE_SPECS.map((spec) => {
    let ring: LngLat[];
    if ('ring' in spec.shape) {
      ring = closeRing(spec.shape.ring.map(([lng, lat]) => [lng, lat] as LngLat));
    } else {
      const { aroundLake, scale } = spec.shape;
      const lake = LAKE_SPECS.find((l) => l.id === aroundLake);
      if (!lake) throw new Error(`zone ${spec.id}: unknown lake "${aroundLake}"`);
      ring = lakeRing(lake, scale);
    }
    const polygon = largestPolygon(intersection([counterClockwise(ring)], land));
    return { id: spec.id, nameZh: spec.nameZh, nameEn: spec.nameEn, polygon, schematic: true as const };
  });
}

/**
 * A crossing drawn straight across the river at the centreline point nearest `near`,
 * perpendicular to the flow: bank-to-bank for bridges (with approach viaducts), portal to
 * portal for tunnels.
 */
function crossingLine(spec: CrossingSpec, river: RiverSpec): LngLat[] {
  const [px, py] = toXY(spec.near[0], spec.near[1]);
  let best = { d: Infinity, x: 0, y: 0, dx: 1, dy: 0, hw: 0 };
  for (let i = 0; i + 1 < river.centreline.length; i++) {
    const a = river.centreline[i] as LngLat;
    const b = river.centreline[i + 1] as LngLat;
    const [ax, ay] = toXY(a[0], a[1]);
    const [bx, by] = toXY(b[0], b[1]);
    const vx = bx - ax;
    const vy = by - ay;
    const len2 = vx * vx + vy * vy;
    const t = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len2));
    const x = ax + t * vx;
    const y = ay + t * vy;
    const d = Math.hypot(px - x, py - y);
    if (d < best.d) {
      const len = Math.sqrt(len2);
      const w0 = river.widthsM[i] ?? 0;
      const w1 = river.widthsM[i + 1] ?? w0;
      best = { d, x, y, dx: vx / len, dy: vy / len, hw: (w0 + (w1 - w0) * t) / 2 };
    }
  }
  // Left normal of the flow direction.
  const nx = -best.dy;
  const ny = best.dx;
  const at = (m: number): LngLat => fromXY(best.x + nx * m, best.y + ny * m);
  if (spec.kind === 'tunnel') {
    const m = best.hw + TUNNEL_PORTAL_M;
    return [at(m), at(-m)];
  }
  const bank = best.hw + BRIDGE_BANK_OFFSET_M;
  const far = best.hw + APPROACH_M[spec.river];
  return [at(far), at(bank), at(-bank), at(-far)];
}

function sq(a: LngLat, b: LngLat): number {
  const [ax, ay] = toXY(a[0], a[1]);
  const [bx, by] = toXY(b[0], b[1]);
  return (ax - bx) ** 2 + (ay - by) ** 2;
}

/** Expands crossing references, orienting each crossing to continue from the previous point. */
function expandPath(spec: TrunkSpec, crossings: Map<string, LngLat[]>): LngLat[] {
  const lineOf = (w: Waypoint): LngLat[] => {
    if (Array.isArray(w)) return [[w[0], w[1]]];
    const line = crossings.get(w.cross);
    if (!line) throw new Error(`trunk road ${spec.id}: unknown crossing "${w.cross}"`);
    return line;
  };
  const middle = (w: Waypoint): LngLat => {
    const line = lineOf(w);
    const a = line[0] as LngLat;
    const b = line[line.length - 1] as LngLat;
    return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  };
  const out: LngLat[] = [];
  spec.path.forEach((w, i) => {
    let line = lineOf(w);
    if (line.length > 1) {
      const prev = out[out.length - 1];
      if (prev) {
        if (sq(prev, line[line.length - 1] as LngLat) < sq(prev, line[0] as LngLat)) line = [...line].reverse();
      } else {
        const nextW = spec.path[i + 1];
        const next = nextW ? middle(nextW) : null;
        if (next && sq(next, line[0] as LngLat) < sq(next, line[line.length - 1] as LngLat)) {
          line = [...line].reverse();
        }
      }
    }
    out.push(...line);
  });
  if (spec.closed && out[0]) out.push([out[0][0], out[0][1]]);
  return out;
}

function buildTrunk(): TrunkRoad[] {
  const crossings = new Map<string, LngLat[]>();
  const trunk: TrunkRoad[] = [];
  for (const spec of CROSSING_SPECS) {
    const line = crossingLine(spec, spec.river === 'yangtze' ? YANGTZE : HAN);
    crossings.set(spec.id, line);
    const roadClass: RoadClass = spec.kind;
    trunk.push({
      road: { id: spec.id, nameZh: spec.nameZh, nameEn: spec.nameEn, roadClass, line },
      speedKmh: spec.speedKmh,
      bridge: spec.kind === 'bridge',
      tunnel: spec.kind === 'tunnel',
      sealedInterior: true,
    });
  }
  for (const spec of TRUNK_SPECS) {
    trunk.push({
      road: {
        id: spec.id,
        nameZh: spec.nameZh,
        nameEn: spec.nameEn,
        roadClass: spec.roadClass,
        line: expandPath(spec, crossings),
      },
      speedKmh: spec.speedKmh,
      bridge: false,
      tunnel: false,
      sealedInterior: false,
    });
  }
  return trunk;
}

let cached: Geography | null = null;

/**
 * The seed-independent geography, built once per process and then shared (it is the same for
 * every seed). Treat it as read-only; `generateCity` hands out copies of the public parts.
 */
export function geography(): Geography {
  cached ??= buildGeography();
  return cached;
}

/** Builds the seed-independent geography. */
export function buildGeography(): Geography {
  const outline: PolygonRings = [counterClockwise(outlineRing())];
  const rivers = [toRiver(YANGTZE), toRiver(HAN)];
  const lakes = LAKE_SPECS.map((spec) => toLake(spec, outline));
  const land = difference(outline, ...rivers.map((r) => r.polygon));
  const districts = buildDistricts(land);
  const zones = buildZones(land);
  const waterPolygons = [...rivers.map((r) => r.polygon), ...lakes.map((l) => l.polygon)];
  const waterEdges = new SegmentGrid({ origin: GRID_ORIGIN });
  for (const polygon of waterPolygons) waterEdges.addRings(polygon);
  const barrier = new SegmentGrid({ origin: GRID_ORIGIN });
  for (const polygon of waterPolygons) barrier.addRings(polygon);
  barrier.addRings(outline);
  return {
    outline,
    outlineIndex: new PolygonIndex([outline]),
    rivers,
    lakes,
    waterIndex: new PolygonSet(waterPolygons),
    yangtzeIndex: new PolygonIndex([rivers[0]?.polygon ?? []]),
    land,
    districts,
    districtIndexes: districts.map((d) => new PolygonIndex(d.polygons)),
    zones,
    trunk: buildTrunk(),
    barrier,
    waterEdges,
    gridOrigin: GRID_ORIGIN,
  };
}
