/**
 * Types of the schematic city model. All coordinates are WGS84 `[lng, lat]`.
 * The model is generated deterministically from a seed by `generateCity` and is synthetic
 * and schematic: not an official map.
 */
import type { Classification, SensorKind } from '../vocabulary.ts';

export type LngLat = [lng: number, lat: number];
/** A GeoJSON-style polygon: an outer ring then holes, each ring closed (first == last). */
export type PolygonRings = LngLat[][];

export interface District {
  /** GB/T 2260 code, e.g. "420102" (江岸区). */
  code: string;
  nameZh: string;
  nameEn: string;
  /** The district seat (label anchor). */
  seat: LngLat;
  /** One or more polygons (a district cut by a river may be a multipolygon). */
  polygons: PolygonRings[];
  schematic: true;
}

export interface FunctionalZone {
  id: string;
  nameZh: string;
  nameEn: string;
  polygon: PolygonRings;
  schematic: true;
}

export interface River {
  id: 'yangtze' | 'han' | string;
  nameZh: string;
  nameEn: string;
  centreline: LngLat[];
  /** Width in metres used to buffer the centreline. */
  widthM: number;
  /** The buffered water polygon. */
  polygon: PolygonRings;
}

export interface Lake {
  id: string;
  nameZh: string;
  nameEn: string;
  polygon: PolygonRings;
  areaKm2: number;
}

export type RoadClass = 'expressway' | 'ring' | 'arterial' | 'bridge' | 'tunnel' | 'street';

export interface Road {
  id: string;
  nameZh: string;
  nameEn: string;
  roadClass: RoadClass;
  line: LngLat[];
}

export interface GraphNode {
  id: number;
  lng: number;
  lat: number;
}

export interface GraphEdge {
  id: number;
  from: number;
  to: number;
  roadClass: RoadClass;
  /** Road id when the edge belongs to a named trunk road. */
  roadId?: string;
  lengthM: number;
  speedKmh: number;
  /** Free-flow travel time in seconds. */
  travelTimeS: number;
  underpass: boolean;
  bridge: boolean;
  tunnel: boolean;
}

/** Undirected road graph; every edge can be driven both ways. */
export interface RoadGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export type AssetKind =
  | 'hospital'
  | 'fire_station'
  | 'pump_depot'
  | 'police_station'
  | 'underpass'
  | 'metro_station'
  | 'camera'
  | 'substation'
  | 'service_hall';

export interface Asset {
  id: string;
  kind: AssetKind;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
  district: string;
  /** Nearest road-graph node. */
  nodeId: number;
  /** The graph edge the asset sits on (underpasses: the edge flagged `underpass`). */
  edgeId?: number;
  /** Trunk road the asset is on, if any (an underpass on a named arterial). */
  roadId?: string;
  /** Synthetic unless a real landmark with an approximate position. */
  synthetic: boolean;
}

/** A real place with an approximate position (a fact, used for labels). */
export interface Landmark {
  id: string;
  nameZh: string;
  nameEn: string;
  lng: number;
  lat: number;
}

/** A registered data source (from the data hub's metadata standard / classification guide). */
export interface Source {
  id: string;
  nameZh: string;
  nameEn: string;
  /** Owning municipal department. */
  departmentZh: string;
  departmentEn: string;
  classification: Classification;
  /**
   * Names under which this feed's reports arrive on `citytwin/v1/events/{source}` besides its
   * id (gateways configured before the catalogue, e.g. `hotline-12345`): their events are
   * classified as this source.
   */
  eventSources?: string[];
}

/** A planned sensor site: where the city model expects a sensor of a kind. */
export interface SensorSite {
  id: string;
  kind: SensorKind;
  lng: number;
  lat: number;
  /** District code. */
  district: string;
  sourceId: string;
  nameZh: string;
  nameEn: string;
  /** The asset the sensor watches (an underpass, a hospital, a bridge ...), if any. */
  assetId?: string;
  /** Road the sensor is on, for traffic sensors and underpass water levels. */
  roadId?: string;
  /** Graph edge the sensor is on (traffic sensors, road water levels): lets routing slow or close it. */
  edgeId?: number;
  /** Ground elevation proxy 0..1 (1 = low-lying, floods first); drives waterlogging. */
  lowness: number;
}

export interface CityModel {
  seed: number;
  /** Bounding box `[west, south, east, north]`. */
  bbox: [number, number, number, number];
  outline: PolygonRings;
  districts: District[];
  zones: FunctionalZone[];
  rivers: River[];
  lakes: Lake[];
  roads: Road[];
  graph: RoadGraph;
  assets: Asset[];
  sources: Source[];
  sensorSites: SensorSite[];
  /** Real landmarks with approximate positions (labels). Always set by `generateCity`. */
  landmarks?: Landmark[];
}

export interface GenerateCityOptions {
  seed?: number;
  /** Number of sensor sites to generate (spread over all kinds). Default 3000. */
  sensorCount?: number;
}

/** GeoJSON FeatureCollection with loosely typed properties (what maplibre consumes). */
export interface FeatureCollection {
  type: 'FeatureCollection';
  features: Array<{
    type: 'Feature';
    id?: string | number;
    properties: Record<string, string | number | boolean | null>;
    geometry:
      | { type: 'Point'; coordinates: LngLat }
      | { type: 'LineString'; coordinates: LngLat[] }
      | { type: 'MultiLineString'; coordinates: LngLat[][] }
      | { type: 'Polygon'; coordinates: PolygonRings }
      | { type: 'MultiPolygon'; coordinates: PolygonRings[] };
  }>;
}

/**
 * The base-map layers served to the console (`GET /api/city/basemap`). Every feature has
 * `name_zh` and `name_en` properties where it has a name, and `schematic: true`.
 */
export interface CityBasemap {
  bbox: [number, number, number, number];
  /** District polygons: properties code, name_zh, name_en. */
  districts: FeatureCollection;
  /** Functional zones (outlines): id, name_zh, name_en. */
  zones: FeatureCollection;
  /** Rivers and lakes as polygons: id, name_zh, name_en, water ('river'|'lake'). */
  water: FeatureCollection;
  /** Roads as lines: id, name_zh, name_en, class (RoadClass). Also the street graph edges (class 'street', no names). */
  roads: FeatureCollection;
  /** Label points: name_zh, name_en, label ('district'|'water'|'road'|'landmark'), rank (1 = most important). */
  labels: FeatureCollection;
  /** Point assets: id, kind (AssetKind), name_zh, name_en. */
  assets: FeatureCollection;
}
