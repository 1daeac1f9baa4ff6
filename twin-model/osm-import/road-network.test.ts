import { describe, expect, it } from 'vitest';
import type { OsmTags } from './osm-element.ts';
import { buildRoadNetwork, properCrossing, type RoadWay } from './road-network.ts';
import type { Position } from './ring-assembly.ts';

/** Node positions by id (degrees; the geometry here is on a 0.001° grid). */
function nodes(table: Record<number, [number, number]>): (id: number) => Position | undefined {
  return (id) => {
    const p = table[id];
    return p ? [114 + p[0] / 1000, 30 + p[1] / 1000] : undefined;
  };
}
const road = (id: number, refs: number[], tags: OsmTags = {}): RoadWay => ({
  id,
  refs,
  tags: { highway: 'residential', ...tags },
  roadClass: 'residential',
});

describe('buildRoadNetwork', () => {
  it('cuts a way at nodes it shares with other roads, and only there', () => {
    // A west-east street 1-2-3-4 crossed at node 2 by a north-south street 5-2-6.
    const at = nodes({ 1: [0, 0], 2: [1, 0], 3: [2, 0], 4: [3, 0], 5: [1, -1], 6: [1, 1] });
    const net = buildRoadNetwork([road(10, [1, 2, 3, 4]), road(11, [5, 2, 6])], at);
    expect(net.lines.map((l) => [l.properties.id, l.coordinates.length])).toEqual([
      ['w10-1', 2],
      ['w10-2', 3],
      ['w11-1', 2],
      ['w11-2', 2],
    ]);
    // Node 3 is used by one road only (a footway there was dropped before): no cut.
    expect(net.lines[1]!.coordinates[1]).toEqual([114.002, 30]);
  });

  it('cuts a roundabout where streets join it and keeps it one-way', () => {
    const at = nodes({ 1: [0, 1], 2: [-1, 0], 3: [0, -1], 4: [1, 0], 5: [0, 3], 6: [0, -3] });
    const net = buildRoadNetwork([road(20, [1, 2, 3, 4, 1], { junction: 'roundabout' }), road(21, [5, 1]), road(22, [3, 6])], at);
    const ring = net.lines.filter((l) => l.properties.osm_way === 20);
    expect(ring.map((l) => l.coordinates.length)).toEqual([3, 3]);
    expect(ring.every((l) => l.properties.oneway)).toBe(true);
    expect(ring[0]!.coordinates[0]).toEqual(ring[1]!.coordinates[2]);
  });

  it('draws a oneway=-1 road in its legal direction', () => {
    const at = nodes({ 1: [0, 0], 2: [1, 0] });
    const [line] = buildRoadNetwork([road(30, [1, 2], { oneway: '-1' })], at).lines;
    expect(line!.properties.oneway).toBe(true);
    expect(line!.coordinates).toEqual([
      [114.001, 30],
      [114, 30],
    ]);
  });

  it('moves a node that sits exactly on another node without being joined to it', () => {
    // A bridge 1-2-3 over a street 4-5-6; nodes 2 and 5 have the same position.
    const at = nodes({ 1: [0, 0], 2: [1, 0], 3: [2, 0], 4: [1, -1], 5: [1, 0], 6: [1, 1] });
    const net = buildRoadNetwork([road(40, [1, 2, 3], { bridge: 'yes', layer: '1' }), road(41, [4, 5, 6])], at);
    expect(net.movedNodes).toBe(1);
    expect(net.lines).toHaveLength(2);
    expect(net.lines[0]!.coordinates[1]).toEqual([114.001, 30]);
    expect(net.lines[1]!.coordinates[1]).toEqual([114.0010001, 30]);
  });

  it('keeps the parts of a way whose nodes are partly missing', () => {
    const at = nodes({ 1: [0, 0], 2: [1, 0], 4: [3, 0], 5: [4, 0] });
    const net = buildRoadNetwork([road(50, [1, 2, 3, 4, 5]), road(51, [7, 8])], at);
    expect(net.lines.map((l) => l.properties.id)).toEqual(['w50-1', 'w50-2']);
    expect(net.partialWays).toBe(1);
    expect(net.missingNodeWays).toBe(1);
  });

  it('marks a tunnel passing under a road as an underpass, at the crossing', () => {
    const at = nodes({ 1: [0, 0], 2: [2, 0], 3: [1, -1], 4: [1, 1], 5: [3, -1], 6: [3, 1] });
    const net = buildRoadNetwork(
      [
        road(60, [1, 2]),
        road(61, [3, 4], { tunnel: 'yes' }), // layer implied -1 under a layer-0 street
        road(62, [5, 6], { tunnel: 'yes', layer: '0' }), // crosses nothing
      ],
      at,
    );
    expect(net.underpasses).toEqual([
      { id: 'underpass-w61', point: [114.001, 30], roadId: 'w61', names: { name_zh: '', name_en: '' }, osmWay: 61 },
    ]);
    expect(net.lines.find((l) => l.properties.id === 'w61')!.properties.asset).toBe('underpass-w61');
    expect(net.lines.find((l) => l.properties.id === 'w60')!.properties.asset).toBeUndefined();
  });

  it('does not call a tunnel an underpass where the other road is not above it', () => {
    const at = nodes({ 1: [0, 0], 2: [2, 0], 3: [1, -1], 4: [1, 1] });
    const net = buildRoadNetwork([road(70, [1, 2], { tunnel: 'yes', layer: '-2' }), road(71, [3, 4], { tunnel: 'yes', layer: '-1' })], at);
    expect(net.underpasses.map((u) => u.id)).toEqual(['underpass-w70']);
  });
});

describe('properCrossing', () => {
  it('finds a crossing inside both segments and not a touch at an end', () => {
    expect(properCrossing([0, 0], [2, 0], [1, -1], [1, 1])).toBe(0.5);
    expect(properCrossing([0, 0], [2, 0], [2, 0], [2, 1])).toBeNull();
    expect(properCrossing([0, 0], [2, 0], [0, 1], [2, 1])).toBeNull();
  });
});
