import { describe, expect, it } from 'vitest';
import {
  assetTypeOf,
  buildingHeightOf,
  directionOf,
  effectiveLayerOf,
  isBridge,
  isTunnel,
  layerOf,
  maxspeedKmh,
  namesOf,
  parseHeightM,
  roadClassOf,
  waterAreaOf,
  waterLineOf,
} from './osm-tags.ts';

describe('roadClassOf', () => {
  it.each([
    ['motorway', 'motorway'],
    ['motorway_link', 'motorway'],
    ['trunk_link', 'trunk'],
    ['primary', 'primary'],
    ['secondary_link', 'secondary'],
    ['tertiary', 'tertiary'],
    ['unclassified', 'residential'],
    ['living_street', 'residential'],
    ['residential', 'residential'],
    ['service', 'service'],
  ])('maps highway=%s to %s', (highway, roadClass) => {
    expect(roadClassOf({ highway })).toEqual({ kind: 'road', roadClass });
  });

  it.each([
    ['footway', 'not_for_vehicles'],
    ['path', 'not_for_vehicles'],
    ['cycleway', 'not_for_vehicles'],
    ['steps', 'not_for_vehicles'],
    ['construction', 'not_open'],
    ['track', 'track'],
    ['raceway', 'unknown_highway'],
  ])('drops highway=%s as %s', (highway, reason) => {
    expect(roadClassOf({ highway })).toEqual({ kind: 'dropped', reason });
  });

  it('drops a highway mapped as an area', () => {
    expect(roadClassOf({ highway: 'service', area: 'yes' })).toEqual({ kind: 'dropped', reason: 'area' });
  });
});

describe('directionOf', () => {
  it.each([
    [{ highway: 'residential', oneway: 'yes' }, 'forward'],
    [{ highway: 'residential', oneway: 'true' }, 'forward'],
    [{ highway: 'residential', oneway: '1' }, 'forward'],
    [{ highway: 'residential', oneway: '-1' }, 'backward'],
    [{ highway: 'residential' }, 'both'],
    [{ highway: 'motorway' }, 'forward'],
    [{ highway: 'motorway_link' }, 'forward'],
    [{ highway: 'motorway', oneway: 'no' }, 'both'],
    [{ highway: 'tertiary', junction: 'roundabout' }, 'forward'],
    [{ highway: 'tertiary', junction: 'circular' }, 'forward'],
    [{ highway: 'tertiary', oneway: 'reversible' }, 'both'],
  ])('%j drives %s', (tags, direction) => {
    expect(directionOf(tags)).toBe(direction);
  });
});

describe('maxspeedKmh', () => {
  it.each([
    ['50', 50],
    ['50 km/h', 50],
    ['80kmh', 80],
    ['30 mph', 48.3],
    ['60 mph', 96.6],
    ['10 knots', 18.5],
  ])('reads %s as %s km/h', (value, kmh) => {
    expect(maxspeedKmh(value)).toBe(kmh);
  });

  it.each(['none', 'signals', 'walk', 'RU:urban', '60;40', '', '-5', '0', 'fast'])('ignores %j', (value) => {
    expect(maxspeedKmh(value)).toBeUndefined();
  });
});

describe('bridge, tunnel and layer', () => {
  it('treats any value but no as a bridge or a tunnel', () => {
    expect(isBridge({ bridge: 'viaduct' })).toBe(true);
    expect(isBridge({ bridge: 'no' })).toBe(false);
    expect(isTunnel({ tunnel: 'building_passage' })).toBe(true);
    expect(isTunnel({})).toBe(false);
  });

  it('reads the layer tag, 0 when absent or unreadable', () => {
    expect(layerOf({ layer: '-2' })).toBe(-2);
    expect(layerOf({ layer: 'high' })).toBe(0);
    expect(layerOf({})).toBe(0);
  });

  it('implies layer -1 for a tunnel and +1 for a bridge when the tag is absent', () => {
    expect(effectiveLayerOf({ tunnel: 'yes' })).toBe(-1);
    expect(effectiveLayerOf({ bridge: 'yes' })).toBe(1);
    expect(effectiveLayerOf({ tunnel: 'yes', layer: '0' })).toBe(0);
  });
});

describe('namesOf', () => {
  it('prefers name:zh and name:en and falls back to name', () => {
    expect(namesOf({ name: '主街', 'name:en': 'Main Street' })).toEqual({ name_zh: '主街', name_en: 'Main Street' });
    expect(namesOf({ name: 'Main Street', 'name:zh': '主街' })).toEqual({ name_zh: '主街', name_en: 'Main Street' });
    expect(namesOf({})).toEqual({ name_zh: '', name_en: '' });
  });
});

describe('water', () => {
  it('keeps rivers and canals as lines, not streams', () => {
    expect(waterLineOf({ waterway: 'river' })).toBe('river');
    expect(waterLineOf({ waterway: 'canal' })).toBe('canal');
    expect(waterLineOf({ waterway: 'stream' })).toBeNull();
  });

  it('names the kind of a water area', () => {
    expect(waterAreaOf({ natural: 'water', water: 'lake' })).toBe('lake');
    expect(waterAreaOf({ natural: 'water' })).toBe('water');
    expect(waterAreaOf({ landuse: 'reservoir' })).toBe('reservoir');
    expect(waterAreaOf({ waterway: 'riverbank' })).toBe('river');
    expect(waterAreaOf({ natural: 'wood' })).toBeNull();
  });
});

describe('assetTypeOf', () => {
  it.each([
    [{ amenity: 'hospital' }, 'hospital'],
    [{ amenity: 'fire_station' }, 'fire_station'],
    [{ amenity: 'police' }, 'police_station'],
    [{ power: 'substation' }, 'substation'],
    [{ railway: 'station', station: 'subway' }, 'metro_station'],
    [{ public_transport: 'station', subway: 'yes' }, 'metro_station'],
    [{ railway: 'station' }, null],
    [{ amenity: 'school' }, null],
  ])('%j is %s', (tags, type) => {
    expect(assetTypeOf(tags)).toBe(type);
  });
});

describe('building heights', () => {
  it.each([
    ['12', 12],
    ['12 m', 12],
    ['12.5m', 12.5],
    ['7,5', 7.5],
    ["40'", 12.19],
    ['40 ft', 12.19],
    [`10'6"`, 3.2],
  ])('reads height %j as %s m', (value, m) => {
    expect(parseHeightM(value)).toBe(m);
  });

  it.each(['tall', '', '-3', '12 storeys'])('ignores height %j', (value) => {
    expect(parseHeightM(value)).toBeUndefined();
  });

  it('uses height, else levels × 3 m, else one storey', () => {
    expect(buildingHeightOf({ building: 'yes', height: '20', 'building:levels': '3' })).toEqual({ height_m: 20, height_source: 'height' });
    expect(buildingHeightOf({ building: 'yes', 'building:levels': '5' })).toEqual({ height_m: 15, height_source: 'levels' });
    expect(buildingHeightOf({ building: 'yes', height: 'unknown', 'building:levels': 'many' })).toEqual({
      height_m: 3,
      height_source: 'default',
    });
  });
});
