import { describe, expect, it } from 'vitest';
import { generateCity } from './generate-city.ts';
import { cityBasemap } from './city-basemap.ts';
import type { FeatureCollection } from './city-types.ts';

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
