/**
 * What OSM tags mean for a city package: road class, direction, speed, layer, names, water
 * kind, asset type and building height. Pure functions of an element's tags; each follows the
 * OSM wiki page of its key (cited), and docs/osm-import.md lists the mapping.
 */
import type { OsmTags } from './osm-element.ts';

/** Road classes of the city-package contract (roads.geojson `class`). */
export type PackageRoadClass = 'motorway' | 'trunk' | 'primary' | 'secondary' | 'tertiary' | 'residential' | 'service';

/** Why a highway way is not a road of the package. */
export type RoadDropReason = 'not_for_vehicles' | 'not_open' | 'track' | 'area' | 'unknown_highway';

/** A highway way's road class, or why it is dropped. */
export type RoadClassResult = { kind: 'road'; roadClass: PackageRoadClass } | { kind: 'dropped'; reason: RoadDropReason };

// https://wiki.openstreetmap.org/wiki/Key:highway — each value to the nearest package class.
const ROAD_CLASS: Readonly<Record<string, PackageRoadClass>> = {
  motorway: 'motorway',
  motorway_link: 'motorway',
  trunk: 'trunk',
  trunk_link: 'trunk',
  primary: 'primary',
  primary_link: 'primary',
  secondary: 'secondary',
  secondary_link: 'secondary',
  tertiary: 'tertiary',
  tertiary_link: 'tertiary',
  // Minor public roads below tertiary: the package's street class.
  unclassified: 'residential',
  residential: 'residential',
  living_street: 'residential',
  road: 'residential',
  service: 'service',
  busway: 'service',
};

const NOT_FOR_VEHICLES = new Set([
  'footway',
  'path',
  'cycleway',
  'steps',
  'pedestrian',
  'bridleway',
  'corridor',
  'elevator',
  'platform',
  'bus_stop',
  'via_ferrata',
  'crossing',
]);
const NOT_OPEN = new Set(['construction', 'proposed', 'abandoned', 'disused', 'razed', 'planned']);

/** Maps a way's `highway` value to a package road class (call only for ways with `highway`). */
export function roadClassOf(tags: OsmTags): RoadClassResult {
  const highway = tags.highway ?? '';
  if (NOT_FOR_VEHICLES.has(highway)) return { kind: 'dropped', reason: 'not_for_vehicles' };
  if (NOT_OPEN.has(highway)) return { kind: 'dropped', reason: 'not_open' };
  if (highway === 'track') return { kind: 'dropped', reason: 'track' };
  const roadClass = ROAD_CLASS[highway];
  if (!roadClass) return { kind: 'dropped', reason: 'unknown_highway' };
  // A highway mapped as an area (a square, a car park outline) is not a centreline.
  if (tags.area === 'yes') return { kind: 'dropped', reason: 'area' };
  return { kind: 'road', roadClass };
}

/** Driving direction: `both`, `forward` (drawn direction only) or `backward` (against it). */
export type RoadDirection = 'both' | 'forward' | 'backward';

/**
 * https://wiki.openstreetmap.org/wiki/Key:oneway — `yes`/`true`/`1` forward, `-1`/`reverse`
 * backward, `no`/`false`/`0` both ways (overrides what the road type implies); motorways (and
 * their links) and roundabouts (`junction=roundabout`/`circular`) are one-way unless tagged
 * otherwise. `reversible` and `alternating` change direction over time: both ways.
 */
export function directionOf(tags: OsmTags): RoadDirection {
  const oneway = (tags.oneway ?? '').trim().toLowerCase();
  if (oneway === 'yes' || oneway === 'true' || oneway === '1') return 'forward';
  if (oneway === '-1' || oneway === 'reverse') return 'backward';
  if (oneway === 'no' || oneway === 'false' || oneway === '0' || oneway === 'reversible' || oneway === 'alternating') return 'both';
  const junction = tags.junction ?? '';
  if (junction === 'roundabout' || junction === 'circular') return 'forward';
  if (tags.highway === 'motorway' || tags.highway === 'motorway_link') return 'forward';
  return 'both';
}

const KMH_PER_MPH = 1.609344;
const KMH_PER_KNOT = 1.852;

/**
 * https://wiki.openstreetmap.org/wiki/Key:maxspeed — a number is km/h; `mph` and `knots`
 * suffixes are converted; `km/h`, `kmh`, `kph` accepted. `none`, `signals`, `walk`, zone codes
 * (`RU:urban`), several values (`60;40`) and anything else give undefined (the class speed).
 * Rounded to 0.1 km/h.
 */
export function maxspeedKmh(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(km\/h|kmh|kph|mph|knots)?\s*$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n > 0) || n > 400) return undefined;
  const unit = (m[2] ?? 'km/h').toLowerCase();
  const kmh = unit === 'mph' ? n * KMH_PER_MPH : unit === 'knots' ? n * KMH_PER_KNOT : n;
  return Math.round(kmh * 10) / 10;
}

/** https://wiki.openstreetmap.org/wiki/Key:bridge — any value but `no` is a bridge. */
export function isBridge(tags: OsmTags): boolean {
  const v = tags.bridge;
  return v !== undefined && v !== 'no';
}

/** https://wiki.openstreetmap.org/wiki/Key:tunnel — any value but `no` is a tunnel (`yes`, `building_passage`, `culvert`). */
export function isTunnel(tags: OsmTags): boolean {
  const v = tags.tunnel;
  return v !== undefined && v !== 'no';
}

/** https://wiki.openstreetmap.org/wiki/Key:layer — an integer (−5…5 in practice); absent or not an integer: 0. */
export function layerOf(tags: OsmTags): number {
  const v = tags.layer?.trim();
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

/**
 * The layer used to decide whether one road passes under another: the `layer` tag when given,
 * else −1 for a tunnel and +1 for a bridge (what mappers mean when they leave it out), else 0.
 */
export function effectiveLayerOf(tags: OsmTags): number {
  if (tags.layer !== undefined && /^[+-]?\d+$/.test(tags.layer.trim())) return Number(tags.layer.trim());
  if (isTunnel(tags)) return -1;
  if (isBridge(tags)) return 1;
  return 0;
}

/** Bilingual names: `name:zh` then `name` for Chinese, `name:en` then `name` for English; '' when none. */
export function namesOf(tags: OsmTags): { name_zh: string; name_en: string } {
  const name = tags.name ?? '';
  return { name_zh: tags['name:zh'] ?? tags['name:zh-Hans'] ?? name, name_en: tags['name:en'] ?? name };
}

/** Water kinds of water.geojson (`kind`). */
export type WaterLine = 'river' | 'canal';

/** A waterway line of the package (`waterway=river|canal`), or null. */
export function waterLineOf(tags: OsmTags): WaterLine | null {
  return tags.waterway === 'river' || tags.waterway === 'canal' ? tags.waterway : null;
}

/**
 * A water area's kind, or null: `water=*` gives its value (`lake`, `river`, `pond`,
 * `reservoir`…), `landuse=reservoir` gives `reservoir`, `waterway=riverbank` (the older river
 * area tag) gives `river`, and a bare `natural=water` gives `water`.
 */
export function waterAreaOf(tags: OsmTags): string | null {
  const water = tags.water?.trim();
  if (water) return water;
  if (tags.landuse === 'reservoir') return 'reservoir';
  if (tags.waterway === 'riverbank') return 'river';
  if (tags.natural === 'water') return 'water';
  return null;
}

/** Asset types the import recognises (assets.geojson `type`). */
export type OsmAssetType = 'hospital' | 'fire_station' | 'police_station' | 'substation' | 'metro_station';

/**
 * `amenity=hospital|fire_station|police`, `power=substation`, and metro stations:
 * `railway=station` + `station=subway`, or `public_transport=station` + `subway=yes`.
 */
export function assetTypeOf(tags: OsmTags): OsmAssetType | null {
  switch (tags.amenity) {
    case 'hospital':
      return 'hospital';
    case 'fire_station':
      return 'fire_station';
    case 'police':
      return 'police_station';
  }
  if (tags.power === 'substation') return 'substation';
  if (tags.railway === 'station' && tags.station === 'subway') return 'metro_station';
  if (tags.public_transport === 'station' && tags.subway === 'yes') return 'metro_station';
  return null;
}

/** https://wiki.openstreetmap.org/wiki/Key:building — any value but `no`. */
export function isBuilding(tags: OsmTags): boolean {
  const v = tags.building;
  return v !== undefined && v !== 'no';
}

const M_PER_FOOT = 0.3048;
/** Storey height used with `building:levels`, and for a building with neither height nor levels. */
export const STOREY_M = 3;

/**
 * https://wiki.openstreetmap.org/wiki/Key:height — metres by default; `m`, `ft`, `'` (feet)
 * and `'"` (feet and inches, `10'6"`) accepted. Undefined when absent or unreadable.
 */
export function parseHeightM(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().replace(',', '.');
  let m = /^(\d+(?:\.\d+)?)\s*(m|meters?|metres?)?$/i.exec(v);
  if (m) return positive(Number(m[1]));
  m = /^(\d+(?:\.\d+)?)\s*(ft|feet|')$/i.exec(v);
  if (m) return positive(Number(m[1]) * M_PER_FOOT);
  m = /^(\d+)\s*'\s*(\d+(?:\.\d+)?)\s*"$/.exec(v);
  if (m) return positive((Number(m[1]) + Number(m[2]) / 12) * M_PER_FOOT);
  return undefined;
}

function positive(n: number): number | undefined {
  return n > 0 && n < 1000 ? Math.round(n * 100) / 100 : undefined;
}

/** Where a building's height came from (buildings.geojson `height_source`). */
export type HeightSource = 'height' | 'levels' | 'default';

/** A building's height: `height`, else `building:levels` × 3 m, else one storey (3 m). */
export function buildingHeightOf(tags: OsmTags): { height_m: number; height_source: HeightSource } {
  const h = parseHeightM(tags.height);
  if (h !== undefined) return { height_m: h, height_source: 'height' };
  const levels = Number((tags['building:levels'] ?? '').trim());
  if (tags['building:levels'] !== undefined && Number.isFinite(levels) && levels > 0 && levels < 300) {
    return { height_m: Math.round(levels * STOREY_M * 100) / 100, height_source: 'levels' };
  }
  return { height_m: STOREY_M, height_source: 'default' };
}
