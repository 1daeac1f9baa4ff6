/**
 * Where an AVL fix lies on the road graph: the nearest node and the distance to the nearest
 * road segment, for the fleet updater's off-road check (unit-state.ts, `config.snap`).
 */
import { equirectangularM as distanceM, M_PER_DEG, nearestNode } from '../city/city-queries.ts';
import type { RoadGraph } from '../city/city-types.ts';

/**
 * A `snap` for {@link UnitStateConfig}: the nearest road-graph node, and the distance from the
 * fix to the nearest ROAD — the closest of the edges meeting at that node (and at its
 * neighbours), measured to the segment, not to the node. A unit in the middle of a 1 km street
 * is on the road although 500 m from either end.
 */
export function createRoadSnapper(graph: RoadGraph): (lng: number, lat: number) => { nodeId: number; distanceM: number } {
  const adjacent: number[][] = graph.nodes.map(() => []);
  for (const e of graph.edges) {
    adjacent[e.from]?.push(e.id);
    adjacent[e.to]?.push(e.id);
  }
  return (lng, lat) => {
    const node = nearestNode(graph, lng, lat);
    let best = Number.POSITIVE_INFINITY;
    const look = (n: number) => {
      for (const id of adjacent[n] ?? []) {
        const e = graph.edges[id]!;
        best = Math.min(best, segmentDistanceM(lng, lat, graph.nodes[e.from]!, graph.nodes[e.to]!));
      }
    };
    look(node.id);
    for (const id of adjacent[node.id] ?? []) {
      const e = graph.edges[id]!;
      look(e.from === node.id ? e.to : e.from);
    }
    if (best === Number.POSITIVE_INFINITY) best = distanceM(lng, lat, node.lng, node.lat);
    return { nodeId: node.id, distanceM: best };
  };
}

/** Distance (m) from a point to a segment, in a local plane at the point. */
function segmentDistanceM(lng: number, lat: number, a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const kx = M_PER_DEG * Math.cos(lat * (Math.PI / 180));
  const ax = (a.lng - lng) * kx;
  const ay = (a.lat - lat) * M_PER_DEG;
  const dx = (b.lng - lng) * kx - ax;
  const dy = (b.lat - lat) * M_PER_DEG - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2)) : 0;
  return Math.hypot(ax + t * dx, ay + t * dy);
}
