/**
 * Builds polygons from OSM ways: a closed way is one ring; a multipolygon or boundary
 * relation's member ways are chained end to end (reversing a way where its end meets the
 * chain) into closed rings, inner rings are put in the outer ring that contains them, and
 * rings are oriented as RFC 7946 §3.1.6 asks (exterior counter-clockwise, holes clockwise).
 * https://wiki.openstreetmap.org/wiki/Relation:multipolygon
 */
import type { OsmMember } from './osm-element.ts';

export type Position = [number, number];
/** A polygon: its exterior ring, then its holes; each ring closed (first = last). */
export type PolygonRings = Position[][];

/** Why an area could not be built. */
export type AreaFailure = 'missing_member' | 'missing_nodes' | 'open_ring' | 'no_outer_ring';

export type AreaResult = { ok: true; polygons: PolygonRings[] } | { ok: false; reason: AreaFailure; detail: string };

/** Looks up a node's coordinates; undefined when the node was not in the data. */
export type NodeLookup = (id: number) => Position | undefined;
/** Looks up a way's node ids; undefined when the way was not in the data. */
export type WayLookup = (id: number) => readonly number[] | undefined;

/** Twice the signed area in degree² (positive = counter-clockwise in lng/lat). */
export function signedArea2(ring: readonly Position[]): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j]!;
    const b = ring[i]!;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum;
}

/** Whether a point lies inside a ring (even-odd rule). */
export function pointInRing(p: Position, ring: readonly Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

function oriented(ring: Position[], counterClockwise: boolean): Position[] {
  return signedArea2(ring) > 0 === counterClockwise ? ring : ring.slice().reverse();
}

/** A closed way as a polygon, or why not (fewer than 4 nodes, not closed, a node missing). */
export function polygonFromClosedWay(refs: readonly number[], node: NodeLookup): AreaResult {
  if (refs.length < 4 || refs[0] !== refs[refs.length - 1])
    return { ok: false, reason: 'open_ring', detail: `the way is not closed (${refs.length} nodes)` };
  const ring = coordinates(refs, node);
  if (!ring) return { ok: false, reason: 'missing_nodes', detail: 'a node of the way is not in the data' };
  return { ok: true, polygons: [[oriented(ring, true)]] };
}

function coordinates(refs: readonly number[], node: NodeLookup): Position[] | null {
  const out: Position[] = [];
  for (const id of refs) {
    const p = node(id);
    if (!p) return null;
    out.push(p);
  }
  return out;
}

/**
 * Chains node-id sequences into closed rings. Each way is used once; the chain grows at its
 * end only, which closes every ring a valid multipolygon has (its member ways, in any order
 * and direction, form closed loops). Returns the rings, or the id sequence left open.
 */
function chainRings(ways: readonly (readonly number[])[]): { rings: number[][] } | { open: number[] } {
  const used = new Uint8Array(ways.length);
  const byEnd = new Map<number, number[]>();
  const index = (nodeId: number, w: number): void => {
    const list = byEnd.get(nodeId);
    if (list) list.push(w);
    else byEnd.set(nodeId, [w]);
  };
  ways.forEach((w, i) => {
    index(w[0]!, i);
    index(w[w.length - 1]!, i);
  });
  const rings: number[][] = [];
  for (let start = 0; start < ways.length; start++) {
    if (used[start]) continue;
    used[start] = 1;
    const ring = [...ways[start]!];
    // Each step uses one more way, so this ends within ways.length steps.
    for (let guard = 0; ring[0] !== ring[ring.length - 1] && guard < ways.length; guard++) {
      const end = ring[ring.length - 1]!;
      const next = (byEnd.get(end) ?? []).find((w) => !used[w]);
      if (next === undefined) return { open: ring };
      used[next] = 1;
      const way = ways[next]!;
      const piece = way[0] === end ? way : [...way].reverse();
      for (let k = 1; k < piece.length; k++) ring.push(piece[k]!);
    }
    if (ring[0] !== ring[ring.length - 1]) return { open: ring };
    rings.push(ring);
  }
  return { rings };
}

/**
 * A multipolygon or boundary relation's area from its way members: role `outer` (or empty)
 * and `inner`; other roles and node/relation members are ignored.
 */
export function polygonsFromRelation(members: readonly OsmMember[], way: WayLookup, node: NodeLookup): AreaResult {
  const outerWays: (readonly number[])[] = [];
  const innerWays: (readonly number[])[] = [];
  for (const m of members) {
    if (m.type !== 'way' || (m.role !== 'outer' && m.role !== 'inner' && m.role !== '')) continue;
    const refs = way(m.ref);
    if (!refs) return { ok: false, reason: 'missing_member', detail: `member way ${m.ref} is not in the data` };
    if (refs.length < 2) continue;
    (m.role === 'inner' ? innerWays : outerWays).push(refs);
  }
  if (outerWays.length === 0) return { ok: false, reason: 'no_outer_ring', detail: 'the relation has no outer way' };
  const toRings = (ways: (readonly number[])[]): Position[][] | AreaResult => {
    const chained = chainRings(ways);
    if ('open' in chained) {
      return {
        ok: false,
        reason: 'open_ring',
        detail: `the member ways do not close into a ring (open from node ${chained.open[0]} to node ${chained.open[chained.open.length - 1]})`,
      };
    }
    const rings: Position[][] = [];
    for (const ids of chained.rings) {
      if (ids.length < 4) continue;
      const ring = coordinates(ids, node);
      if (!ring) return { ok: false, reason: 'missing_nodes', detail: 'a node of a member way is not in the data' };
      rings.push(ring);
    }
    return rings;
  };
  const outers = toRings(outerWays);
  if (!Array.isArray(outers)) return outers;
  const inners = toRings(innerWays);
  if (!Array.isArray(inners)) return inners;
  if (outers.length === 0) return { ok: false, reason: 'no_outer_ring', detail: 'the outer ways form no ring' };
  const polygons: PolygonRings[] = outers.map((r) => [oriented(r, true)]);
  const areas = outers.map((r) => Math.abs(signedArea2(r)));
  for (const inner of inners) {
    // The smallest outer ring that contains the inner ring's first vertex holds it.
    let best = -1;
    outers.forEach((outer, i) => {
      if (pointInRing(inner[0]!, outer) && (best < 0 || areas[i]! < areas[best]!)) best = i;
    });
    if (best >= 0) polygons[best]!.push(oriented(inner, false));
  }
  return { ok: true, polygons };
}
