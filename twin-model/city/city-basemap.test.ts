import { describe, expect, it } from 'vitest';
import { generateCity } from './generate-city.ts';
import { cityBasemap } from './city-basemap.ts';
import type { CityBasemap, CityModel, FeatureCollection, LngLat, River, Road } from './city-types.ts';
import { haversineM } from './geometry.ts';

const city = generateCity({ sensorCount: 300 });
const basemap = cityBasemap(city);

const layers = ['districts', 'zones', 'water', 'roads', 'labels', 'assets'] as const;

function coordinates(collection: FeatureCollection): number[] {
  return collection.features.flatMap((f) => (f.geometry.coordinates as unknown as unknown[]).flat(3) as number[]);
}

describe('cityBasemap', () => {
  it('marks every feature schematic and names every named feature in both languages', () => {
    for (const layer of layers) {
      for (const f of basemap[layer].features) {
        expect(f.properties.schematic, layer).toBe(true);
        const street = layer === 'roads' && f.properties.class === 'street';
        if (street) continue;
        expect(typeof f.properties.name_zh, `${layer} ${JSON.stringify(f.properties)}`).toBe('string');
        expect(typeof f.properties.name_en, `${layer} ${JSON.stringify(f.properties)}`).toBe('string');
        expect(String(f.properties.name_zh).length * String(f.properties.name_en).length).toBeGreaterThan(0);
      }
    }
  });

  it('has one feature per district, zone, water body, trunk road and asset', () => {
    expect(basemap.districts.features.map((f) => f.properties.code)).toEqual(city.districts.map((d) => d.code));
    expect(basemap.zones.features).toHaveLength(city.zones.length);
    expect(basemap.water.features).toHaveLength(city.rivers.length + city.lakes.length);
    expect(basemap.roads.features.filter((f) => f.properties.class !== 'street')).toHaveLength(city.roads.length);
    expect(basemap.assets.features).toHaveLength(city.assets.length);
    const classes = new Set(basemap.roads.features.map((f) => f.properties.class));
    expect(classes).toEqual(new Set(['expressway', 'ring', 'arterial', 'bridge', 'tunnel', 'street']));
  });

  it('ranks labels: districts 1, water and landmarks 2, roads 3', () => {
    const rank = (label: string): Set<unknown> =>
      new Set(basemap.labels.features.filter((f) => f.properties.label === label).map((f) => f.properties.rank));
    expect(basemap.labels.features.filter((f) => f.properties.label === 'district')).toHaveLength(13);
    expect(rank('district')).toEqual(new Set([1]));
    expect(rank('water')).toEqual(new Set([2]));
    expect(rank('landmark')).toEqual(new Set([2]));
    expect(rank('road')).toEqual(new Set([3]));
  });

  it('rounds coordinates to 5 decimals and stays compact', () => {
    for (const layer of layers) {
      for (const v of coordinates(basemap[layer])) expect(Math.abs(v * 1e5 - Math.round(v * 1e5))).toBeLessThan(1e-6);
    }
    // A size budget, not a timing: a regression that dumps every edge as its own feature would blow it.
    expect(Buffer.byteLength(JSON.stringify(basemap))).toBeLessThan(800_000);
  });

  it('carries every street edge, underpasses apart', () => {
    const streets = basemap.roads.features.filter((f) => f.properties.class === 'street');
    const segments = streets.reduce((n, f) => {
      if (f.geometry.type !== 'MultiLineString') return n;
      return n + f.geometry.coordinates.reduce((m, line) => m + line.length - 1, 0);
    }, 0);
    const expected = city.graph.edges.filter((e) => e.roadClass === 'street' || e.underpass).length;
    // Rounding can merge the two ends of a very short edge; allow a handful.
    expect(segments).toBeGreaterThan(expected - 5);
    expect(segments).toBeLessThanOrEqual(expected);
    expect(streets.some((f) => f.properties.underpass === true)).toBe(true);
  });
});

describe('the base map of a city package', () => {
  it('carries its buildings with their height, and numeric feature ids for district ids that are words', async () => {
    const { loadCityPackage } = await import('../city-package/index.ts');
    const { RIVER_TOWN_DIR } = await import('../../test/support/make-city-fixtures.ts');
    const map = cityBasemap(loadCityPackage(RIVER_TOWN_DIR));
    expect(map.buildings?.features).toHaveLength(16);
    expect(map.buildings!.features.every((f) => typeof f.properties.height_m === 'number' && f.geometry.type.endsWith('Polygon'))).toBe(
      true,
    );
    expect(map.districts.features.map((f) => [f.id, f.properties.code])).toEqual([
      [1, 'altstadt'],
      [2, 'nordost'],
      [3, 'suedwest'],
      [4, 'bahnhof'],
    ]);
    expect(cityBasemap(generateCity({ seed: 1, sensorCount: 0 })).buildings).toBeUndefined();
  });
});

/** A city model with only roads and rivers (what the labels are drawn from). */
function lineCity(bbox: CityModel['bbox'], roads: Road[], rivers: River[] = []): CityModel {
  return {
    seed: 1,
    bbox,
    outline: [],
    districts: [],
    zones: [],
    rivers,
    lakes: [],
    roads,
    graph: { nodes: [], edges: [] },
    assets: [],
    sources: [],
    sensorSites: [],
    source: 'package',
  };
}

/** The point `d` metres along a line, measured and placed along great circles (short segments). */
function haversineAlong(line: readonly LngLat[], d: number): LngLat {
  let left = d;
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i] as LngLat;
    const b = line[i + 1] as LngLat;
    const len = haversineM(a, b);
    if (left <= len || i + 2 === line.length) {
      const t = Math.min(1, left / len);
      let dLng = b[0] - a[0];
      if (dLng > 180) dLng -= 360;
      if (dLng < -180) dLng += 360;
      return [a[0] + t * dLng, a[1] + t * (b[1] - a[1])];
    }
    left -= len;
  }
  return line[0] as LngLat;
}

function haversineLength(line: readonly LngLat[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < line.length; i++) sum += haversineM(line[i] as LngLat, line[i + 1] as LngLat);
  return sum;
}

function labelOf(map: CityBasemap, id: string): LngLat[] {
  return map.labels.features.filter((f) => f.properties.id === id).map((f) => f.geometry.coordinates as unknown as LngLat);
}

describe('the labels of a city far from the generated one', () => {
  // An L: about 1.95 km east, then about 1.95 km north, so the middle is the corner.
  const corner = (lng: number, lat: number, dLng: number, dLat: number): LngLat[] => [
    [lng, lat],
    [lng + dLng, lat],
    [lng + dLng, lat + dLat],
  ];

  it('sits a bridge label at the middle of the bridge and a road label a quarter of the way in, at 64° N', () => {
    const bridge = corner(-21.95, 64.14, 0.04, 0.0175);
    const road = corner(-21.9, 64.12, 0.04, 0.0175);
    const river = corner(-21.97, 64.1, 0.08, 0.035);
    const map = cityBasemap(
      lineCity(
        [-22, 64.08, -21.8, 64.2],
        [
          { id: 'b', nameZh: '桥', nameEn: 'Bridge', roadClass: 'bridge', line: bridge },
          { id: 'r', nameZh: '路', nameEn: 'Road', roadClass: 'arterial', line: road },
        ],
        [{ id: 'river', nameZh: '河', nameEn: 'River', centreline: river, widthM: 50, polygon: [] }],
      ),
    );
    expect(haversineM(labelOf(map, 'b')[0] as LngLat, haversineAlong(bridge, haversineLength(bridge) / 2))).toBeLessThan(5);
    expect(haversineM(labelOf(map, 'r')[0] as LngLat, haversineAlong(road, haversineLength(road) / 4))).toBeLessThan(5);
    const [first, second] = labelOf(map, 'river');
    expect(haversineM(first as LngLat, haversineAlong(river, haversineLength(river) * 0.45))).toBeLessThan(5);
    expect(haversineM(second as LngLat, haversineAlong(river, haversineLength(river) * 0.8))).toBeLessThan(5);
  });

  it('does the same on the equator and south of it', () => {
    for (const [lng, lat] of [
      [-78.5, -0.2],
      [-46.65, -23.55],
    ] as const) {
      // About 1.1 km east, then 1 km north. The projection's scale is the ellipsoid's (a degree of
      // longitude 0.7 % longer than one of latitude at the equator), the haversine's a sphere's:
      // they part by a few metres over a few kilometres there.
      const bridge = corner(lng, lat, 0.01, 0.009);
      const map = cityBasemap(
        lineCity(
          [lng - 0.1, lat - 0.1, lng + 0.1, lat + 0.1],
          [{ id: 'b', nameZh: '桥', nameEn: 'Bridge', roadClass: 'bridge', line: bridge }],
        ),
      );
      expect(haversineM(labelOf(map, 'b')[0] as LngLat, haversineAlong(bridge, haversineLength(bridge) / 2))).toBeLessThan(5);
    }
  });

  it('puts the label of a bridge across the antimeridian on the bridge', () => {
    const bridge: LngLat[] = [
      [179.99, -16.8],
      [-179.995, -16.8],
    ];
    const map = cityBasemap(
      lineCity([179.9, -16.9, -179.9, -16.7], [{ id: 'b', nameZh: '桥', nameEn: 'Bridge', roadClass: 'bridge', line: bridge }]),
    );
    const label = labelOf(map, 'b')[0] as LngLat;
    expect(Math.abs(label[0])).toBeLessThanOrEqual(180);
    expect(haversineM(label, haversineAlong(bridge, haversineLength(bridge) / 2))).toBeLessThan(5);
  });
});
