/**
 * Turns OSM highway ways into the package's road lines so that the routing graph, which joins
 * lines at exactly equal coordinates, connects where OSM connects and only there:
 * - a way is cut at every node it shares with another kept road (and at a node it passes
 *   twice), so junctions become line ends; a node shared only with a dropped footway is no
 *   junction and does not cut;
 * - two different OSM nodes at the same position (a bridge drawn over a street's node, a
 *   duplicate) would be joined by the graph, so all but the lowest id are moved east by
 *   1e-7° (about 1 cm) until their coordinates are unique;
 * - tunnels passing under another road (their lines cross in 2D and the tunnel's layer is
 *   lower) become `underpass` candidates.
 */
import type { OsmTags } from './osm-element.ts';
import { directionOf, effectiveLayerOf, isBridge, isTunnel, layerOf, maxspeedKmh, namesOf, type PackageRoadClass } from './osm-tags.ts';
import type { Position } from './ring-assembly.ts';

/** A highway way that is a road of the package (after class mapping and the bbox test). */
export interface RoadWay {
  id: number;
  refs: readonly number[];
  tags: OsmTags;
  roadClass: PackageRoadClass;
}

/** The properties of a line in roads.geojson (city-packages.md, plus `layer` and `osm_way`). */
export interface RoadProperties {
  id: string;
  class: PackageRoadClass;
  speed_kmh?: number;
  oneway: boolean;
  bridge: boolean;
  tunnel: boolean;
  layer: number;
  asset?: string;
  name_zh: string;
  name_en: string;
  osm_way: number;
}

export interface RoadLine {
  properties: RoadProperties;
  coordinates: Position[];
}

/** An underpass candidate: a tunnel line that passes under another road. */
export interface UnderpassCandidate {
  id: string;
  /** Where the tunnel first passes under another road, along its drawn direction. */
  point: Position;
  roadId: string;
  names: { name_zh: string; name_en: string };
  osmWay: number;
}

export interface RoadNetwork {
  lines: RoadLine[];
  underpasses: UnderpassCandidate[];
  /** Nodes moved because another node had exactly the same coordinates. */
  movedNodes: number;
  /** Ways cut where a node was missing from the data (parts kept). */
  partialWays: number;
  /** Ways with fewer than two known nodes (dropped). */
  missingNodeWays: number;
}

/** 1e-7°: OSM's coordinate resolution. */
const NUDGE_DEG = 1e-7;
const MAX_NUDGES = 1000;
/** Grid cell for the tunnel crossing search, degrees (≈ 200 m). */
const CELL_DEG = 0.002;

/** Builds the road lines from the kept highway ways (sorted by way id for a stable output). */
export function buildRoadNetwork(ways: readonly RoadWay[], node: (id: number) => Position | undefined): RoadNetwork {
  const sorted = [...ways].sort((a, b) => a.id - b.id);
  let partialWays = 0;
  let missingNodeWays = 0;

  // Runs of consecutive nodes present in the data (a way cut by an extract's edge keeps its parts).
  const runsOf = new Map<number, number[][]>();
  for (const way of sorted) {
    const runs: number[][] = [];
    let run: number[] = [];
    for (const ref of way.refs) {
      if (node(ref)) run.push(ref);
      else {
        if (run.length >= 2) runs.push(run);
        run = [];
      }
    }
    if (run.length >= 2) runs.push(run);
    const known = runs.reduce((n, r) => n + r.length, 0);
    if (runs.length === 0) missingNodeWays++;
    else if (known < way.refs.length) partialWays++;
    runsOf.set(way.id, runs);
  }

  // How many times each node is used by the kept roads: 2 or more makes it a junction.
  const uses = new Map<number, number>();
  for (const runs of runsOf.values()) for (const run of runs) for (const ref of run) uses.set(ref, (uses.get(ref) ?? 0) + 1);
  // A closed way's first node is listed twice but is one use.
  for (const runs of runsOf.values()) {
    for (const run of runs) if (run.length > 2 && run[0] === run[run.length - 1]) uses.set(run[0]!, uses.get(run[0]!)! - 1);
  }

  const position = uniquePositions(
    [...uses.keys()].sort((a, b) => a - b),
    node,
  );

  const lines: RoadLine[] = [];
  const tunnelOf: { line: RoadLine; layer: number; way: RoadWay }[] = [];
  const others: { line: RoadLine; layer: number; way: RoadWay }[] = [];
  for (const way of sorted) {
    const pieces: number[][] = [];
    for (const run of runsOf.get(way.id)!) {
      let piece = [run[0]!];
      for (let i = 1; i < run.length; i++) {
        piece.push(run[i]!);
        if (i < run.length - 1 && (uses.get(run[i]!) ?? 0) >= 2) {
          pieces.push(piece);
          piece = [run[i]!];
        }
      }
      pieces.push(piece);
    }
    const direction = directionOf(way.tags);
    const speed = maxspeedKmh(way.tags.maxspeed);
    const names = namesOf(way.tags);
    const tunnel = isTunnel(way.tags);
    const effectiveLayer = effectiveLayerOf(way.tags);
    pieces.forEach((piece, k) => {
      let coordinates = piece.map((ref) => position.get(ref)!);
      // oneway=-1: the package's `oneway` means the drawn direction, so draw it the legal way.
      if (direction === 'backward') coordinates = coordinates.reverse();
      const properties: RoadProperties = {
        id: pieces.length === 1 ? `w${way.id}` : `w${way.id}-${k + 1}`,
        class: way.roadClass,
        ...(speed !== undefined ? { speed_kmh: speed } : {}),
        oneway: direction !== 'both',
        bridge: isBridge(way.tags),
        tunnel,
        layer: layerOf(way.tags),
        ...names,
        osm_way: way.id,
      };
      const line = { properties, coordinates };
      lines.push(line);
      (tunnel ? tunnelOf : others).push({ line, layer: effectiveLayer, way });
    });
  }

  const underpasses = findUnderpasses(tunnelOf, [...tunnelOf, ...others]);
  return { lines, underpasses, movedNodes: position.moved, partialWays, missingNodeWays };
}

/** Node positions, made unique: a node whose exact coordinates are taken by a lower id moves east. */
function uniquePositions(ids: readonly number[], node: (id: number) => Position | undefined): Map<number, Position> & { moved: number } {
  const out = new Map<number, Position>() as Map<number, Position> & { moved: number };
  out.moved = 0;
  const taken = new Set<string>();
  for (const id of ids) {
    let [lng, lat] = node(id)!;
    let key = `${lng},${lat}`;
    if (taken.has(key)) {
      out.moved++;
      for (let i = 0; i < MAX_NUDGES && taken.has(key); i++) {
        lng = Math.round((lng + NUDGE_DEG) * 1e7) / 1e7;
        key = `${lng},${lat}`;
      }
    }
    taken.add(key);
    out.set(id, [lng, lat]);
  }
  return out;
}

interface Segment {
  line: number;
  index: number;
  a: Position;
  b: Position;
}

function cellRange(a: Position, b: Position): [number, number, number, number] {
  return [
    Math.floor(Math.min(a[0], b[0]) / CELL_DEG),
    Math.floor(Math.min(a[1], b[1]) / CELL_DEG),
    Math.floor(Math.max(a[0], b[0]) / CELL_DEG),
    Math.floor(Math.max(a[1], b[1]) / CELL_DEG),
  ];
}

/**
 * Where segments ab and cd cross at a point inside both (touching at an end is not a crossing:
 * lines that meet at a shared node are joined, not stacked): the parameter t along ab.
 */
export function properCrossing(a: Position, b: Position, c: Position, d: Position): number | null {
  const rx = b[0] - a[0];
  const ry = b[1] - a[1];
  const sx = d[0] - c[0];
  const sy = d[1] - c[1];
  const denom = rx * sy - ry * sx;
  if (denom === 0) return null; // parallel or collinear: stacked lines, not a crossing
  const qx = c[0] - a[0];
  const qy = c[1] - a[1];
  const t = (qx * sy - qy * sx) / denom;
  const u = (qx * ry - qy * rx) / denom;
  return t > 0 && t < 1 && u > 0 && u < 1 ? t : null;
}

function findUnderpasses(
  tunnels: readonly { line: RoadLine; layer: number; way: RoadWay }[],
  all: readonly { line: RoadLine; layer: number }[],
): UnderpassCandidate[] {
  if (tunnels.length === 0) return [];
  // Index the (few) tunnel segments in a grid, then pass every road segment over it once.
  const grid = new Map<string, Segment[]>();
  tunnels.forEach((t, line) => {
    const c = t.line.coordinates;
    for (let i = 0; i + 1 < c.length; i++) {
      const seg: Segment = { line, index: i, a: c[i]!, b: c[i + 1]! };
      const [x0, y0, x1, y1] = cellRange(seg.a, seg.b);
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const key = `${x},${y}`;
          const list = grid.get(key);
          if (list) list.push(seg);
          else grid.set(key, [seg]);
        }
      }
    }
  });
  // First crossing along each tunnel line: (segment index + t), smaller is earlier.
  const first = new Map<number, { along: number; point: Position }>();
  for (const other of all) {
    const c = other.line.coordinates;
    for (let i = 0; i + 1 < c.length; i++) {
      const a = c[i]!;
      const b = c[i + 1]!;
      const [x0, y0, x1, y1] = cellRange(a, b);
      const seen = new Set<Segment>();
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          for (const seg of grid.get(`${x},${y}`) ?? []) {
            if (seen.has(seg)) continue;
            seen.add(seg);
            const tunnel = tunnels[seg.line]!;
            if (tunnel.line === other.line || tunnel.layer >= other.layer) continue;
            const t = properCrossing(seg.a, seg.b, a, b);
            if (t === null) continue;
            const along = seg.index + t;
            const best = first.get(seg.line);
            if (!best || along < best.along) {
              const point: Position = [
                Math.round((seg.a[0] + (seg.b[0] - seg.a[0]) * t) * 1e7) / 1e7,
                Math.round((seg.a[1] + (seg.b[1] - seg.a[1]) * t) * 1e7) / 1e7,
              ];
              first.set(seg.line, { along, point });
            }
          }
        }
      }
    }
  }
  const out: UnderpassCandidate[] = [];
  tunnels.forEach((t, i) => {
    const hit = first.get(i);
    if (!hit) return;
    const id = `underpass-${t.line.properties.id}`;
    t.line.properties.asset = id;
    out.push({ id, point: hit.point, roadId: t.line.properties.id, names: namesOf(t.way.tags), osmWay: t.way.id });
  });
  return out;
}
