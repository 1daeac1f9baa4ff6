/**
 * What an OpenStreetMap import produces: the city package's layers as GeoJSON features with
 * their properties, its city.json, the report of what was kept and dropped, and the options
 * that steer it (import-osm.ts).
 */
import type { HeightSource, OsmAssetType } from './osm-tags.ts';
import type { PolygonRings, Position } from './ring-assembly.ts';
import type { RoadProperties } from './road-network.ts';
import type { Bbox } from './city-view.ts';

export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: PolygonRings }
  | { type: 'MultiPolygon'; coordinates: PolygonRings[] };

export interface Feature<P> {
  type: 'Feature';
  geometry: Geometry;
  properties: P;
}

export interface DistrictProperties {
  id: string;
  name_zh: string;
  name_en: string;
  admin_level?: number;
  osm_relation?: number;
}
export interface WaterProperties {
  id: string;
  kind: string;
  name_zh: string;
  name_en: string;
}
export interface AssetProperties {
  id: string;
  type: OsmAssetType | 'underpass';
  name_zh: string;
  name_en: string;
  /** The road line an underpass asset belongs to. */
  road?: string;
}
export interface BuildingProperties {
  id: string;
  height_m: number;
  height_source: HeightSource;
}

/** city.json of the city-package contract. */
export interface CityJson {
  id: string;
  name: { zh: string; en: string };
  center: [number, number];
  zoom: number;
  timezone: string;
}

/** Everything the package folder holds, ready to write. */
export interface CityPackageLayers {
  city: CityJson;
  districts: Feature<DistrictProperties>[];
  roads: Feature<RoadProperties>[];
  water: Feature<WaterProperties>[];
  assets: Feature<AssetProperties>[];
  buildings: Feature<BuildingProperties>[];
}

export type LayerName = 'districts' | 'roads' | 'water' | 'assets' | 'buildings';

export interface ImportReport {
  /** Features written per layer. */
  counts: Record<LayerName, number>;
  /** OSM highway ways kept as roads (before they are cut at junctions). */
  roadWays: number;
  /** Ways and relations left out, per layer and reason, sorted. */
  dropped: { layer: LayerName; reason: string; count: number }[];
  /** Administrative levels seen and how many boundaries of each could be assembled. */
  adminLevels: { level: number; boundaries: number; assembled: number }[];
  /** The level the districts come from; null when the bbox district was used. */
  adminLevel: number | null;
  /** The area the package covers (--bbox, or the extent of the imported data). */
  bbox: Bbox;
  warnings: string[];
}

export interface ImportOsmOptions {
  /** Keep only what has a node inside [west, south, east, north]. */
  bbox?: Bbox;
  /** admin_level of the districts; undefined = the level with the most boundaries assembled among 4–11. */
  adminLevel?: number;
  /** City name (both languages); default: the file name without its extension. */
  name?: string;
  /** city.json id; default: made from the name. */
  id?: string;
  /** IANA time zone; default `UTC` with a warning. */
  timezone?: string;
}
