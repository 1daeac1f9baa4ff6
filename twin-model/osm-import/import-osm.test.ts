import { describe, expect, it } from 'vitest';
import { memorySource, type OsmElement, type OsmTags } from './osm-element.ts';
import { OsmImportError, baseNameOf, centroidOf, cityIdFrom, importOsm } from './import-osm.ts';
import { viewOf } from './city-view.ts';

const n = (id: number, x: number, y: number, tags: OsmTags = {}): OsmElement => ({
  type: 'node',
  id,
  lng: 114 + x / 100,
  lat: 30 + y / 100,
  tags,
});
const w = (id: number, refs: number[], tags: OsmTags): OsmElement => ({ type: 'way', id, refs, tags });
const r = (id: number, ways: [number, string][], tags: OsmTags): OsmElement => ({
  type: 'relation',
  id,
  members: ways.map(([ref, role]) => ({ type: 'way', ref, role })),
  tags,
});

/** A square of 2 × 2 (0.02°) with a street across it and two boundaries at level 8. */
const SQUARE: OsmElement[] = [
  n(1, 0, 0),
  n(2, 2, 0),
  n(3, 2, 2),
  n(4, 0, 2),
  n(5, 1, 0),
  n(6, 1, 2),
  n(7, 0, 1),
  n(8, 2, 1),
  w(10, [7, 8], { highway: 'primary' }),
  w(20, [5, 1, 4, 6], {}),
  w(21, [6, 5], {}),
  w(22, [5, 2, 3, 6], {}),
  r(
    30,
    [
      [20, 'outer'],
      [21, 'outer'],
    ],
    { type: 'boundary', boundary: 'administrative', admin_level: '8', ref: 'A 1', name: 'West' },
  ),
  r(
    31,
    [
      [22, 'outer'],
      [21, 'outer'],
    ],
    { type: 'boundary', boundary: 'administrative', admin_level: '8', ref: 'E1', name: 'East' },
  ),
  r(
    32,
    [
      [20, 'outer'],
      [22, 'outer'],
    ],
    { type: 'boundary', boundary: 'administrative', admin_level: '6', 'ISO3166-2': 'XX-T' },
  ),
];

describe('importOsm', () => {
  it('takes district ids from ref, ISO3166-2 or the relation id, at the level with the most boundaries', async () => {
    const { layers, report } = await importOsm(memorySource('square.osm', SQUARE), { timezone: 'Asia/Shanghai' });
    expect(report.adminLevel).toBe(8);
    // "A 1" is not a valid package id, so West falls back to its relation id.
    expect(layers.districts.map((d) => d.properties.id)).toEqual(['r30', 'E1']);
    const six = await importOsm(memorySource('square.osm', SQUARE), { adminLevel: 6 });
    expect(six.layers.districts.map((d) => d.properties.id)).toEqual(['XX-T']);
  });

  it('makes one district of the bbox, with a warning, when no boundary is found at the level asked', async () => {
    const { layers, report } = await importOsm(memorySource('square.osm', SQUARE), { adminLevel: 10 });
    expect(report.adminLevel).toBeNull();
    expect(layers.districts).toHaveLength(1);
    expect(layers.districts[0]!.properties).toEqual({ id: 'city', name_zh: 'square', name_en: 'square' });
    // The data is one straight street along 30.01° N: the bbox gets a 0.001° height around it.
    expect(layers.districts[0]!.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [114, 30.0095],
          [114.02, 30.0095],
          [114.02, 30.0105],
          [114, 30.0105],
          [114, 30.0095],
        ],
      ],
    });
    expect(report.warnings.some((m) => m.includes('no administrative boundary at admin_level 10'))).toBe(true);
  });

  it('writes UTC with a warning when no time zone is given', async () => {
    const { layers, report } = await importOsm(memorySource('square.osm.pbf', SQUARE), { name: '示例城' });
    expect(layers.city).toMatchObject({ id: 'city', name: { zh: '示例城', en: '示例城' }, timezone: 'UTC' });
    expect(report.warnings).toContain('no time zone given (--timezone); city.json says UTC');
  });

  it('refuses bad options, quoting the value', async () => {
    const src = memorySource('square.osm', SQUARE);
    await expect(importOsm(src, { bbox: [114.1, 30, 114, 30.1] })).rejects.toThrow('bbox "114.1,30,114,30.1" is not west,south,east,north');
    await expect(importOsm(src, { adminLevel: 13 })).rejects.toThrow('admin level "13" is not a whole number from 1 to 12');
    await expect(importOsm(src, { timezone: 'Mars/Olympus' })).rejects.toThrow('time zone "Mars/Olympus" is not an IANA time zone name');
    await expect(importOsm(src, { id: 'no spaces' })).rejects.toThrow('city id "no spaces" is not 1–64 characters');
  });

  it('fails clearly when nothing is inside the bbox', async () => {
    const outside = importOsm(memorySource('square.osm', SQUARE), { bbox: [10, 10, 11, 11] });
    await expect(outside).rejects.toThrow(OsmImportError);
    await expect(outside).rejects.toThrow('square.osm: no roads, water, assets, buildings or districts found inside bbox 10,10,11,11');
  });

  it('takes an asset from a multipolygon relation at the centroid of its largest part', async () => {
    const elements = [
      ...SQUARE.filter((e) => e.type !== 'relation'),
      r(
        40,
        [
          [20, 'outer'],
          [21, 'outer'],
        ],
        { type: 'multipolygon', amenity: 'hospital', name: 'H' },
      ),
    ];
    const { layers } = await importOsm(memorySource('h.osm', elements));
    expect(layers.assets.map((a) => [a.properties.id, a.geometry.coordinates])).toEqual([['hospital-r40', [114.005, 30.01]]]);
  });

  it('drops a water relation with a missing member and says which', async () => {
    const elements = [
      ...SQUARE.filter((e) => e.type !== 'relation'),
      r(
        41,
        [
          [20, 'outer'],
          [99, 'outer'],
        ],
        { type: 'multipolygon', natural: 'water' },
      ),
    ];
    const { layers, report } = await importOsm(memorySource('lake.osm', elements));
    expect(layers.water).toEqual([]);
    expect(report.dropped).toContainEqual({ layer: 'water', reason: 'missing_member', count: 1 });
    expect(report.warnings).toContain('water: relation 41: member way 99 is not in the data');
  });
});

describe('city view and names', () => {
  it('centres on the bbox and picks a zoom that fits it', () => {
    // 0.1° × 0.1°: across, log2(1024 · 360 / (512 · 0.1)) ≈ 12.81; up, 0.1° of latitude is
    // 0.1° / cos(30.55°) ≈ 0.116° of Mercator, log2(768 · 360 / (512 · 0.1161)) ≈ 12.18: that fits.
    expect(viewOf([114.2, 30.5, 114.3, 30.6])).toEqual({ center: [114.25, 30.55], zoom: 12.1 });
  });

  it('makes ids and base names from file names', () => {
    expect(baseNameOf('wuhan-latest.osm.pbf')).toBe('wuhan-latest');
    expect(baseNameOf('town.osm')).toBe('town');
    expect(cityIdFrom('Small Town')).toBe('Small-Town');
    expect(cityIdFrom('武汉')).toBe('city');
  });

  it('puts a closed way’s point at its area centroid', () => {
    expect(
      centroidOf([
        [0, 0],
        [2, 0],
        [2, 2],
        [0, 2],
        [0, 0],
      ]),
    ).toEqual([1, 1]);
    expect(
      centroidOf([
        [0, 0],
        [3, 0],
      ]),
    ).toEqual([1.5, 0]);
  });
});
